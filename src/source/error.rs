//! Errors of the Source stage. Every repository shown here went through
//! [`super::redact_url`] first, so no message carries a password or token.

use std::path::PathBuf;

/// The underlying cause of a git failure. Usually the gix error itself; when
/// the URL holds a secret the cause is flattened into text with the secret
/// removed, because gix puts the raw URL into some of its messages.
pub type GitCause = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("repository path {} cannot be read", path.display())]
    PathNotFound {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("repository path {} is not a directory", path.display())]
    NotADirectory { path: PathBuf },

    #[error("{} is not inside a git repository, so --revision {revision:?} cannot be used", path.display())]
    NotARepository {
        path: PathBuf,
        revision: String,
        #[source]
        source: gix::Error,
    },

    #[error("revision {revision:?} not found in repository {repo}")]
    UnknownRevision {
        revision: String,
        repo: String,
        #[source]
        source: GitCause,
    },

    #[error("directory {} does not exist at revision {revision:?} of repository {repo}", subdir.display())]
    SubdirMissing {
        subdir: PathBuf,
        revision: String,
        repo: String,
    },

    #[error(
        "the commit's tree in repository {repo} holds {} twice (a crafted tree: a second entry \
         could write through the first, a symlink, outside the checkout); refused",
        path.display()
    )]
    DuplicateEntry { path: PathBuf, repo: String },

    #[error(
        "{} in repository {repo} is {} bytes, over the limit of {limit} bytes for one file \
         (--max-checkout-file-size); refused before anything was written",
        path.display(), size
    )]
    FileTooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
        repo: String,
    },

    #[error(
        "the files of repository {repo} take more than {limit} bytes together, the checkout \
         limit (--max-checkout-size), reached at {}; refused before anything was written",
        path.display()
    )]
    CheckoutTooLarge {
        path: PathBuf,
        limit: u64,
        repo: String,
    },

    #[error("invalid repository URL {url}")]
    InvalidUrl {
        url: String,
        #[source]
        source: GitCause,
    },

    #[error("could not clone {url} into the cache at {}", path.display())]
    Clone {
        url: String,
        path: PathBuf,
        #[source]
        source: GitCause,
    },

    #[error("could not fetch {url} into the cache at {}", path.display())]
    Fetch {
        url: String,
        path: PathBuf,
        #[source]
        source: GitCause,
    },

    #[error("could not list the references of {url}")]
    ListRefs {
        url: String,
        #[source]
        source: GitCause,
    },

    #[error("{url} has no reference {revision:?}")]
    RemoteRefNotFound { url: String, revision: String },

    #[error("{url} has no commits (its HEAD is unborn)")]
    EmptyRemote { url: String },

    #[error("could not {what} in repository {repo}")]
    Git {
        what: &'static str,
        repo: String,
        #[source]
        source: GitCause,
    },

    #[error(
        "waited {}s for the repository cache lock {}, held by {}: is another gitsync stuck?",
        waited.as_secs(), path.display(), if holder.is_empty() { "another process" } else { holder.as_str() }
    )]
    LockTimeout {
        path: PathBuf,
        waited: std::time::Duration,
        holder: String,
    },

    #[error("{object} of repository {repo} is refused (signature mode {mode}): {rejection}")]
    Signature {
        /// `commit <sha>` or `tag <name> (<sha>)`.
        object: String,
        repo: String,
        mode: &'static str,
        /// Boxed: the largest variant, and errors stay small.
        rejection: Box<super::verify::Rejection>,
    },

    #[error(
        "{requester} asks for signatures (verifySignatures mode {mode}), but no --trusted-keys \
         were given to check them with"
    )]
    NoTrustedKeys {
        requester: String,
        mode: &'static str,
    },

    #[error(
        "signatures are verified, but {} is read as a work tree, which has no signature: give \
         --revision (e.g. HEAD) to read a commit",
        path.display()
    )]
    UnverifiableWorkTree { path: PathBuf },

    #[error("--trusted-keys {}: {source}", path.display())]
    TrustedKeys {
        path: PathBuf,
        #[source]
        source: super::verify::KeysError,
    },

    #[error("could not {what} {}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A gix error flattened to text with secrets replaced, used as a cause when
/// the original could leak them.
#[derive(Debug)]
pub(crate) struct Scrubbed(pub(crate) String);

impl std::fmt::Display for Scrubbed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Scrubbed {}

/// Turn a gix error about `url` into a cause that is safe to print.
pub(crate) fn scrub(err: gix::Error, url: &str) -> GitCause {
    let redacted = super::redact_url(url);
    if redacted == url {
        return Box::new(err);
    }
    // Flatten the whole chain: any level may quote the raw URL.
    let mut text = err.to_string();
    let mut cause = std::error::Error::source(&err);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    let mut text = text.replace(url, &redacted);
    if let Some(secret) = super::url::userinfo_secret(url) {
        text = text.replace(secret, "***");
    }
    Box::new(Scrubbed(text))
}

impl SourceError {
    /// For `map_err`: gix failed doing `what` in the repository shown as
    /// `repo`.
    pub(crate) fn git(repo: &str, what: &'static str) -> impl FnOnce(gix::Error) -> SourceError {
        let repo = repo.to_owned();
        move |source| SourceError::Git {
            what,
            repo,
            source: Box::new(source),
        }
    }
}

//! Signature verification of the revision a source reads: the commit's
//! signature and, when the revision names an annotated tag, the tag's.
//!
//! Everything is checked in-process (rPGP for OpenPGP, ssh-key for SSH):
//! no gpg, no ssh-keygen, no keyring. The signed bytes are the object as
//! git stores it minus the signature (gix splits them), so a commit whose
//! content was changed after signing no longer verifies.
//!
//! Both verdicts are kept on the snapshot; the mode (flags, raised per
//! target by gitsync.yaml) decides which must be good.

mod keys;
mod openpgp;
mod ssh;

#[cfg(test)]
mod tests;

use gix::bstr::ByteSlice;

pub use keys::{KeysError, TrustedKeys};

use super::SourceError;
use crate::settings::VerifyMode;

/// Why a signature does not count. Each names the key (`openpgp:<FPR>`
/// or `ssh:SHA256:…`) where there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("it is not signed")]
    Unsigned,
    #[error(
        "it names no annotated tag, so there is no tag signature to check (give --revision <annotated tag>)"
    )]
    NoTag,
    #[error("it is signed by {key}, which is not a trusted key")]
    UntrustedKey { key: String },
    #[error(
        "the signature by {key} does not match the content: it was changed after signing, or the signature is forged"
    )]
    BadSignature { key: String },
    #[error("it is signed by {key}, which is revoked")]
    KeyRevoked { key: String },
    #[error("it is signed by {key}, which expired at {at}")]
    KeyExpired { key: String, at: String },
    #[error("it is signed by {key}, which is not a signing key")]
    NotSigningKey { key: String },
    #[error("the SSH signature by {key} is for namespace {namespace:?}, not \"git\"")]
    WrongNamespace { key: String, namespace: String },
    #[error("the allowed_signers entry {entry} for {key} does not allow the namespace \"git\"")]
    NamespaceNotAllowed { entry: String, key: String },
    #[error(
        "it is signed by {key}, whose allowed_signers entry {entry} does not name {email:?}, its committer or tagger"
    )]
    PrincipalMismatch {
        key: String,
        entry: String,
        email: String,
    },
    #[error("the allowed_signers entry {entry} for {key} expired at {until} (valid-before)")]
    EntryExpired {
        entry: String,
        key: String,
        until: String,
    },
    #[error("the allowed_signers entry {entry} for {key} is not valid before {from} (valid-after)")]
    EntryNotYetValid {
        entry: String,
        key: String,
        from: String,
    },
    #[error(
        "the tag object is named {name:?}, not {requested:?} as asked for: ref {requested:?} \
         points to another tag's signed object, which does not vouch for this name"
    )]
    TagNameMismatch { requested: String, name: String },
    #[error("its signature cannot be read ({detail})")]
    Malformed { detail: String },
    #[error("its signature is {format}; gitsync verifies OpenPGP and SSH signatures only")]
    Unsupported { format: String },
}

/// One object's verdict: who signed it, or why that does not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `commit <sha>` or `tag <name> (<sha>)`.
    pub object: String,
    pub outcome: Result<String, Rejection>,
}

/// The verdicts of one revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signatures {
    pub commit: Verdict,
    /// The annotated tag the revision names; for a revision that names no
    /// annotated tag, `Err(NoTag)`.
    pub tag: Verdict,
}

impl Signatures {
    /// Ok when what `mode` asks for is signed by a trusted key.
    pub fn check(&self, mode: VerifyMode, repo: &str) -> Result<(), SourceError> {
        let needed = [(mode.tag(), &self.tag), (mode.head(), &self.commit)];
        for (_, verdict) in needed.into_iter().filter(|(needed, _)| *needed) {
            if let Err(rejection) = &verdict.outcome {
                return Err(SourceError::Signature {
                    object: verdict.object.clone(),
                    repo: repo.to_owned(),
                    mode: mode.as_str(),
                    rejection: Box::new(rejection.clone()),
                });
            }
        }
        Ok(())
    }

    /// Who signed the commit, else who signed the tag.
    pub fn signed_by(&self) -> Option<String> {
        self.commit
            .outcome
            .as_ref()
            .or(self.tag.outcome.as_ref())
            .ok()
            .cloned()
    }
}

/// Verdicts for `commit` and, if `tag` is an annotated tag's id, that tag.
/// `label` is the revision as the user wrote it.
pub(crate) fn examine(
    repo: &gix::Repository,
    commit: &gix::Commit<'_>,
    tag: Option<gix::ObjectId>,
    keys: &TrustedKeys,
    label: &str,
    shown: &str,
) -> Result<Signatures, SourceError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let git = |what| SourceError::git(shown, what);
    let committer = commit
        .committer()
        .map_err(git("read the commit's committer"))?;
    let signed_at = committer
        .time()
        .map_err(git("read the commit's time"))?
        .seconds;
    let email = committer.email.to_str_lossy().into_owned();
    let split = gix::objs::CommitRefIter::signature(&commit.data, repo.object_hash())
        .map_err(git("read the commit's signature"))?;
    let commit_verdict = Verdict {
        object: format!("commit {}", commit.id),
        outcome: match split {
            None => Err(Rejection::Unsigned),
            Some((sig, payload)) => verify(
                keys,
                &payload.to_bstring(),
                sig.as_bytes(),
                &email,
                signed_at,
                now,
            ),
        },
    };
    let tag_verdict = match tag {
        None => Verdict {
            object: format!("revision {label:?} (commit {})", commit.id),
            outcome: Err(Rejection::NoTag),
        },
        Some(id) => {
            let object = repo.find_object(id).map_err(|e| SourceError::Git {
                what: "read the tag",
                repo: shown.to_owned(),
                source: Box::new(e),
            })?;
            let tag_ref = gix::objs::TagRef::from_bytes(&object.data, repo.object_hash())
                .map_err(git("read the tag"))?;
            let name = tag_ref.name.to_str_lossy().into_owned();
            let (email, signed_at) = match tag_ref.tagger().map_err(git("read the tagger"))? {
                Some(t) => (
                    t.email.to_str_lossy().into_owned(),
                    t.time().map_err(git("read the tag's time"))?.seconds,
                ),
                None => (String::new(), now),
            };
            let requested = requested_tag(label);
            // A signature covers the name written in the tag object, not
            // the ref pointing to it: `v2` pointing to the object signed
            // as `v1` must not pass for a signed `v2`. A revision naming
            // the object by its id asks for no name.
            let renamed = !id.to_hex().to_string().starts_with(label) && requested != name;
            Verdict {
                object: format!("tag {name} ({id})"),
                outcome: match gix::objs::TagRefIter::signature(&object.data) {
                    _ if renamed => Err(Rejection::TagNameMismatch {
                        requested: requested.to_owned(),
                        name: name.clone(),
                    }),
                    None => Err(Rejection::Unsigned),
                    Some((sig, payload)) => verify(
                        keys,
                        &payload.to_bstring(),
                        sig.data.as_bytes(),
                        &email,
                        signed_at,
                        now,
                    ),
                },
            }
        }
    };
    Ok(Signatures {
        commit: commit_verdict,
        tag: tag_verdict,
    })
}

/// The tag name a revision asks for: `v1` for `v1`, `tags/v1` and
/// `refs/tags/v1`.
fn requested_tag(label: &str) -> &str {
    label
        .strip_prefix("refs/tags/")
        .or_else(|| label.strip_prefix("tags/"))
        .unwrap_or(label)
}

/// Who made `armored` over `payload`, if they are trusted.
pub(crate) fn verify(
    keys: &TrustedKeys,
    payload: &[u8],
    armored: &[u8],
    email: &str,
    signed_at: i64,
    now: i64,
) -> Result<String, Rejection> {
    let text = armored.trim_start();
    if text.starts_with(b"-----BEGIN PGP SIGNATURE-----") {
        openpgp::verify(&keys.openpgp, payload, armored, now)
    } else if text.starts_with(b"-----BEGIN SSH SIGNATURE-----") {
        ssh::verify(&keys.ssh, payload, armored, email, signed_at, now)
    } else if text.starts_with(b"-----BEGIN SIGNED MESSAGE-----") {
        Err(Rejection::Unsupported {
            format: "X.509 (gpgsm)".into(),
        })
    } else {
        Err(Rejection::Unsupported {
            format: "in an unknown format".into(),
        })
    }
}

/// RFC 3339 in UTC.
pub(crate) fn utc(secs: i64) -> String {
    gix::date::Time::new(secs, 0)
        .format_or_unix(gix::date::time::CustomFormat::new("%Y-%m-%dT%H:%M:%SZ"))
}

//! Telling URLs from paths, hiding their secrets, and naming their cache.

const SCHEMES: &[&str] = &["https://", "http://", "ssh://", "git://", "file://"];

/// True when `repo` names a remote (a URL or the scp form `user@host:path`)
/// rather than a local path.
pub fn is_url(repo: &str) -> bool {
    let lower = repo.to_ascii_lowercase();
    if SCHEMES.iter().any(|s| lower.starts_with(s)) {
        return true;
    }
    // scp form: `user@host:path`, with no `/` before the colon (else it is a
    // path such as `./a@b:c`).
    match repo.split_once(':') {
        Some((before, _)) => {
            before.contains('@') && !before.contains('/') && !before.starts_with('@')
        }
        None => false,
    }
}

/// Split `scheme://userinfo@rest` into (`scheme://`, userinfo, `rest`).
fn split_userinfo(url: &str) -> Option<(&str, &str, &str)> {
    let scheme_end = url.find("://")? + 3;
    let after = &url[scheme_end..];
    let authority_end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let at = after[..authority_end].rfind('@')?;
    Some((&url[..scheme_end], &after[..at], &after[at + 1..]))
}

fn is_http(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// The part of the userinfo that is secret: all of it for http(s) (a token
/// alone or `user:password`), else only a password.
pub(crate) fn userinfo_secret(url: &str) -> Option<&str> {
    let (_, userinfo, _) = split_userinfo(url)?;
    if is_http(url) {
        let secret = userinfo.split_once(':').map_or(userinfo, |(_, p)| p);
        (!secret.is_empty()).then_some(secret)
    } else {
        userinfo
            .split_once(':')
            .map(|(_, p)| p)
            .filter(|p| !p.is_empty())
    }
}

/// `url` fit for messages: an http(s) `user:password@` or `token@` becomes
/// `***@`; for other schemes only a password is hidden (`ssh://git@host` and
/// the scp form `git@host:path` name no secret and stay as they are).
pub fn redact_url(url: &str) -> String {
    let Some((scheme, userinfo, rest)) = split_userinfo(url) else {
        return url.to_owned();
    };
    if is_http(url) {
        format!("{scheme}***@{rest}")
    } else if let Some((user, _)) = userinfo.split_once(':') {
        format!("{scheme}{user}:***@{rest}")
    } else {
        url.to_owned()
    }
}

/// The URL as a name of the repository: credentials dropped entirely (they
/// do not change which repository it is, and differ between machines), no
/// trailing `/` or `.git`.
pub(crate) fn canonical_url(url: &str) -> String {
    let url = url.trim();
    let redacted = match split_userinfo(url) {
        Some((scheme, _, rest)) if is_http(url) => format!("{scheme}{rest}"),
        _ => redact_url(url),
    };
    let normal = redacted.trim_end_matches('/');
    normal.strip_suffix(".git").unwrap_or(normal).to_string()
}

/// The repository a URL names, whatever the transport: the scp form
/// (`git@host:org/repo`), `ssh://user@host:port/org/repo` and
/// `https://host/org/repo(.git)` are one repository, named in the https
/// spelling (`https://host/org/repo`) so that names derived before this
/// rule for https remotes stay the same. `file://` URLs keep their path.
pub(crate) fn identity_url(url: &str) -> String {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let (authority, path) = if let Some(rest) = SCHEMES
        .iter()
        .filter(|s| **s != "file://")
        .find_map(|s| lower.starts_with(s).then(|| &url[s.len()..]))
    {
        match rest.split_once('/') {
            Some((authority, path)) => (authority, path),
            None => (rest, ""),
        }
    } else if !lower.starts_with("file://") && is_url(url) {
        // scp form `user@host:path`
        match url.split_once(':') {
            Some((authority, path)) => (authority, path),
            None => return canonical_url(url),
        }
    } else {
        return canonical_url(url);
    };
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    format!("https://{}/{path}", host.to_ascii_lowercase())
}

/// Stable name of the cache directory for `url`: the same repository gets the
/// same cache whichever credentials or spelling (`/`, `.git` suffix) is used.
pub(crate) fn cache_key(url: &str) -> String {
    let canonical = canonical_url(url);
    let normal = canonical.as_str();
    let mut hasher = gix::hash::hasher(gix::hash::Kind::Sha1);
    hasher.update(normal.as_bytes());
    match hasher.try_finalize() {
        Ok(id) => id.to_hex().to_string(),
        // Only fails on a SHA-1 collision attack, which a URL cannot be;
        // fall back to a readable, still stable name.
        Err(_) => normal
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_repository_has_one_identity_over_every_transport() {
        let want = "https://example.com/org/repo";
        for spelling in [
            "https://example.com/org/repo",
            "https://example.com/org/repo.git",
            "https://token@Example.com/org/repo/",
            "http://example.com:8080/org/repo",
            "git@example.com:org/repo.git",
            "ssh://git@example.com/org/repo.git",
            "ssh://git@example.com:2222/org/repo",
            "git://example.com/org/repo",
        ] {
            assert_eq!(identity_url(spelling), want, "{spelling}");
        }
        assert_ne!(identity_url("git@example.com:org/other"), want);
        assert_eq!(identity_url("file:///srv/repo.git"), "file:///srv/repo");
    }
}

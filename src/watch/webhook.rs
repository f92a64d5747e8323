//! Authenticating push webhooks from GitHub and GitLab.
//!
//! A webhook only asks for an early sync, so the worst a forged one could do
//! is make gitsync fetch more often; it is still authenticated so that
//! anyone who can reach the port cannot drive the loop.
//!
//! The secret lives in a file (a mounted Kubernetes Secret) and is read
//! again whenever that file changes, so rotating it needs no restart.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use hmac::{Hmac, KeyInit, Mac};
use hyper::HeaderMap;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const GITHUB_SIGNATURE: &str = "x-hub-signature-256";
const GITLAB_TOKEN: &str = "x-gitlab-token";

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("reading the webhook secret {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the webhook secret {} is empty", path.display())]
    Empty { path: PathBuf },
}

/// How a request claims to be authenticated, from its headers alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme<'a> {
    /// `X-Hub-Signature-256`: an HMAC of the body, so the body must be read.
    GitHub(&'a [u8]),
    /// `X-Gitlab-Token`: the secret itself, checked before any body is read.
    GitLab(&'a [u8]),
    /// Neither: unauthorized without reading anything.
    None,
}

/// The scheme a request uses. When the GitHub header is present it alone
/// decides.
pub fn scheme(headers: &HeaderMap) -> Scheme<'_> {
    if let Some(signature) = headers.get(GITHUB_SIGNATURE) {
        Scheme::GitHub(signature.as_bytes())
    } else if let Some(token) = headers.get(GITLAB_TOKEN) {
        Scheme::GitLab(token.as_bytes())
    } else {
        Scheme::None
    }
}

/// Whether a webhook request carries proof it knows `secret`.
///
/// GitHub signs the body: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`.
/// GitLab sends the secret itself in `X-Gitlab-Token`. When the GitHub header
/// is present it alone decides. Every comparison is constant-time so the
/// response time does not leak how much of a guess was right.
pub fn verify(secret: &[u8], headers: &HeaderMap, body: &[u8]) -> bool {
    // An empty key would make the HMAC computable by anyone.
    match scheme(headers) {
        Scheme::GitHub(signature) => verify_github(secret, signature, body),
        Scheme::GitLab(token) => verify_gitlab(secret, token),
        Scheme::None => false,
    }
}

/// GitHub's `sha256=<hex>` signature of `body` under `secret`.
pub fn verify_github(secret: &[u8], signature: &[u8], body: &[u8]) -> bool {
    if secret.is_empty() {
        return false;
    }
    let Some(hex) = signature.strip_prefix(b"sha256=") else {
        return false;
    };
    let Some(expected) = decode_hex(hex) else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// Compares the token with the secret in constant time by comparing their
/// HMACs under the secret: both are 32 bytes whatever the token's length,
/// and `verify_slice` compares in constant time.
pub fn verify_gitlab(secret: &[u8], token: &[u8]) -> bool {
    if secret.is_empty() {
        return false;
    }
    let mut reference = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    reference.update(secret);
    let reference = reference.finalize().into_bytes();
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(token);
    mac.verify_slice(&reference).is_ok()
}

fn decode_hex(hex: &[u8]) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    hex.chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

/// Reads the shared webhook secret from a file (a mounted Kubernetes Secret).
///
/// Trailing newlines are dropped because `echo secret > file` and most
/// editors add one that the sender does not have.
pub fn read_secret(path: &Path) -> Result<Vec<u8>, WebhookError> {
    let mut secret = std::fs::read(path).map_err(|source| WebhookError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    while matches!(secret.last(), Some(b'\n' | b'\r')) {
        secret.pop();
    }
    if secret.is_empty() {
        return Err(WebhookError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(secret)
}

/// The webhook secret as configured: none (webhook off), or a file read
/// again whenever it changes (a rotated Kubernetes Secret swaps the file
/// behind a symlink, which changes what `stat` reports).
#[derive(Clone)]
pub struct Secret(Option<Arc<SecretFile>>);

struct SecretFile {
    path: PathBuf,
    state: Mutex<Loaded>,
}

/// What was read, and the file's identity when it was read.
struct Loaded {
    stamp: Option<Stamp>,
    secret: Option<Arc<[u8]>>,
}

/// Device, inode, size and modification time: any rewrite or swap of the
/// file changes one of them.
type Stamp = (u64, u64, u64, Option<std::time::SystemTime>);

fn stamp(path: &Path) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some((m.dev(), m.ino(), m.len(), m.modified().ok()))
}

impl Secret {
    /// No secret: every webhook is unauthorized.
    pub fn none() -> Self {
        Secret(None)
    }

    /// The secret in `path`. A missing file turns the webhook off until it
    /// appears (an optional Secret not created yet); an unreadable or empty
    /// one is an error at start, since the user asked for a webhook.
    pub fn from_file(path: &Path) -> Result<Self, WebhookError> {
        let secret = match read_secret(path) {
            Ok(s) => Some(Arc::from(s)),
            Err(WebhookError::Read { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                tracing::warn!(path = %path.display(), "webhook secret file not found: POST /webhook is disabled until it appears");
                None
            }
            Err(e) => return Err(e),
        };
        Ok(Secret(Some(Arc::new(SecretFile {
            path: path.to_path_buf(),
            state: Mutex::new(Loaded {
                stamp: stamp(path),
                secret,
            }),
        }))))
    }

    /// The secret now, read again first if the file changed. `None`: the
    /// webhook is off (no file configured, or it is missing, unreadable
    /// or empty now; a broken rotation refuses everything rather than
    /// keeping a secret that was meant to be replaced).
    pub fn current(&self) -> Option<Arc<[u8]>> {
        let file = self.0.as_ref()?;
        let now = stamp(&file.path);
        let mut state = file.state.lock().unwrap_or_else(|e| e.into_inner());
        if now != state.stamp {
            state.stamp = now;
            state.secret = match read_secret(&file.path) {
                Ok(s) => {
                    tracing::info!(path = %file.path.display(), "webhook secret (re)loaded");
                    Some(Arc::from(s))
                }
                Err(e) => {
                    tracing::warn!(error = %e, "webhook secret unusable: POST /webhook is disabled");
                    None
                }
            };
        }
        state.secret.clone()
    }
}

// By hand so that debug output never shows the secret.
impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            None => f.write_str("Secret(none)"),
            Some(file) => write!(f, "Secret(<redacted>, from {})", file.path.display()),
        }
    }
}

/// Signs like GitHub does: what the tests here and in `http` send.
#[cfg(test)]
pub(crate) fn github_signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).unwrap();
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    const SECRET: &[u8] = b"It's a Secret to Everybody";
    const BODY: &[u8] = b"Hello, World!";
    // GitHub's documented example for this secret and payload.
    const GITHUB_EXAMPLE: &str =
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    fn headers(name: &'static str, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn github_signature_right() {
        assert_eq!(github_signature(SECRET, BODY), GITHUB_EXAMPLE);
        assert!(verify(
            SECRET,
            &headers("X-Hub-Signature-256", GITHUB_EXAMPLE),
            BODY
        ));
        // Uppercase hex is the same signature.
        let upper = format!(
            "sha256={}",
            GITHUB_EXAMPLE["sha256=".len()..].to_uppercase()
        );
        assert!(verify(
            SECRET,
            &headers("x-hub-signature-256", &upper),
            BODY
        ));
    }

    #[test]
    fn github_signature_wrong() {
        let h = headers("x-hub-signature-256", GITHUB_EXAMPLE);
        assert!(!verify(SECRET, &h, b"Hello, World?"));
        assert!(!verify(b"another secret", &h, BODY));
        let flipped = GITHUB_EXAMPLE.replace("e17", "e18");
        assert!(!verify(
            SECRET,
            &headers("x-hub-signature-256", &flipped),
            BODY
        ));
        // A valid prefix of the signature is not enough.
        let truncated = &GITHUB_EXAMPLE[..GITHUB_EXAMPLE.len() - 2];
        assert!(!verify(
            SECRET,
            &headers("x-hub-signature-256", truncated),
            BODY
        ));
    }

    #[test]
    fn github_signature_missing() {
        assert!(!verify(SECRET, &HeaderMap::new(), BODY));
        // The older SHA-1 header is not accepted.
        assert!(!verify(
            SECRET,
            &headers("x-hub-signature", "sha1=0123"),
            BODY
        ));
    }

    #[test]
    fn github_signature_malformed() {
        let hex = &GITHUB_EXAMPLE["sha256=".len()..];
        for bad in [
            hex.to_string(),                   // no prefix
            format!("sha1={hex}"),             // wrong algorithm
            format!("sha256={}", &hex[1..]),   // odd length
            format!("sha256=zz{}", &hex[2..]), // not hex
            format!("sha256= {hex}"),          // stray space
            "sha256=".to_string(),             // empty
        ] {
            assert!(
                !verify(SECRET, &headers("x-hub-signature-256", &bad), BODY),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn github_header_decides_when_both_are_present() {
        let mut h = headers("x-gitlab-token", "It's a Secret to Everybody");
        h.insert("x-hub-signature-256", HeaderValue::from_static("sha256=00"));
        assert!(!verify(SECRET, &h, BODY));
    }

    #[test]
    fn gitlab_token_right() {
        assert!(verify(
            SECRET,
            &headers("X-Gitlab-Token", "It's a Secret to Everybody"),
            BODY
        ));
    }

    #[test]
    fn gitlab_token_wrong() {
        for bad in [
            "",
            "It's a Secret to Everybod",
            "It's a Secret to Everybody!",
            "it's a secret to everybody",
        ] {
            assert!(
                !verify(SECRET, &headers("x-gitlab-token", bad), BODY),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn empty_secret_never_verifies() {
        assert!(!verify(b"", &headers("x-gitlab-token", ""), BODY));
        assert!(!verify(
            b"",
            &headers("x-hub-signature-256", &github_signature(b"", BODY)),
            BODY
        ));
    }

    /// Any headers and body: `scheme` and `verify` never panic, nothing
    /// random verifies, and a genuine signature always does.
    #[test]
    fn webhook_headers_never_panic_and_only_the_secret_verifies() {
        use crate::fuzz::{self, Rng};
        let names = [
            GITHUB_SIGNATURE,
            GITLAB_TOKEN,
            "x-github-event",
            "content-type",
        ];
        let cases = fuzz::run(
            "webhook headers",
            500,
            500,
            |rng: &mut Rng| {
                let secret = rng.bytes(40);
                let body = rng.bytes(300);
                let mut headers = Vec::new();
                for _ in 0..rng.below(4) {
                    let name = *rng.pick(&names);
                    let value = match rng.below(4) {
                        0 => github_signature(&secret, &body).into_bytes(),
                        1 => rng.mutate(
                            github_signature(&secret, &body).as_bytes(),
                            &["sha256=", "0", "f", " "],
                        ),
                        2 => secret.clone(),
                        _ => rng.bytes(80),
                    };
                    headers.push((name, value));
                }
                (secret, headers, body)
            },
            |(secret, raw, body)| {
                let mut headers = HeaderMap::new();
                for (name, value) in raw {
                    // Only what hyper would accept as a header value.
                    if let Ok(v) = HeaderValue::from_bytes(value) {
                        headers.append(*name, v);
                    }
                }
                let ok = verify(secret, &headers, body);
                let genuine = match scheme(&headers) {
                    Scheme::GitHub(s) => {
                        !secret.is_empty()
                            && decode_hex(s.strip_prefix(b"sha256=").unwrap_or(b"-"))
                                == decode_hex(&github_signature(secret, body).as_bytes()[7..])
                    }
                    Scheme::GitLab(t) => !secret.is_empty() && t == secret.as_slice(),
                    Scheme::None => false,
                };
                assert_eq!(ok, genuine, "{headers:?}");
            },
        );
        assert!(cases >= 500);
    }

    #[test]
    fn read_secret_trims_trailing_newlines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, b"s3cret\r\n\n").unwrap();
        assert_eq!(read_secret(&path).unwrap(), b"s3cret");
        // Only trailing newlines: inner and leading bytes are part of the secret.
        std::fs::write(&path, b" a\nb").unwrap();
        assert_eq!(read_secret(&path).unwrap(), b" a\nb");
    }

    #[test]
    fn a_rotated_secret_is_used_without_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, b"old\n").unwrap();
        let secret = Secret::from_file(&path).unwrap();
        assert_eq!(secret.current().as_deref(), Some(&b"old"[..]));
        // As the kubelet rotates a Secret volume: a new file swapped in.
        let next = dir.path().join("next");
        std::fs::write(&next, b"new-secret\n").unwrap();
        std::fs::rename(&next, &path).unwrap();
        assert_eq!(secret.current().as_deref(), Some(&b"new-secret"[..]));
        // Removed: off. Back: on again.
        std::fs::remove_file(&path).unwrap();
        assert_eq!(secret.current(), None);
        std::fs::write(&path, b"again").unwrap();
        assert_eq!(secret.current().as_deref(), Some(&b"again"[..]));
        // Emptied: off, not the old value.
        std::fs::write(&path, b"\n").unwrap();
        assert_eq!(secret.current(), None);
        assert!(!format!("{secret:?}").contains("again"));
    }

    #[test]
    fn a_missing_secret_file_starts_disabled_and_an_empty_one_fails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        let secret = Secret::from_file(&path).unwrap();
        assert_eq!(secret.current(), None);
        std::fs::write(&path, b"later").unwrap();
        assert_eq!(secret.current().as_deref(), Some(&b"later"[..]));
        std::fs::write(&path, b"").unwrap();
        assert!(Secret::from_file(&path).is_err());
        assert_eq!(Secret::none().current(), None);
    }

    #[test]
    fn read_secret_rejects_empty_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, b"\n").unwrap();
        assert!(matches!(
            read_secret(&path),
            Err(WebhookError::Empty { .. })
        ));
        let missing = dir.path().join("missing");
        assert!(matches!(
            read_secret(&missing),
            Err(WebhookError::Read { .. })
        ));
    }
}

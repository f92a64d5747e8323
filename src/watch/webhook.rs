//! Authenticating push webhooks from GitHub and GitLab.
//!
//! A webhook only asks for an early sync, so the worst a forged one could do
//! is make gitsync fetch more often; it is still authenticated so that
//! anyone who can reach the port cannot drive the loop.

use std::path::{Path, PathBuf};

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

/// Whether a webhook request carries proof it knows `secret`.
///
/// GitHub signs the body: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`.
/// GitLab sends the secret itself in `X-Gitlab-Token`. When the GitHub header
/// is present it alone decides. Every comparison is constant-time so the
/// response time does not leak how much of a guess was right.
pub fn verify(secret: &[u8], headers: &HeaderMap, body: &[u8]) -> bool {
    // An empty key would make the HMAC computable by anyone.
    if secret.is_empty() {
        return false;
    }
    if let Some(signature) = headers.get(GITHUB_SIGNATURE) {
        return verify_github(secret, signature.as_bytes(), body);
    }
    if let Some(token) = headers.get(GITLAB_TOKEN) {
        return verify_gitlab(secret, token.as_bytes());
    }
    false
}

fn verify_github(secret: &[u8], signature: &[u8], body: &[u8]) -> bool {
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
fn verify_gitlab(secret: &[u8], token: &[u8]) -> bool {
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

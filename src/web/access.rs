//! Who may see the dashboard: on a loopback listen, whoever reaches it;
//! elsewhere only holders of the `--ui-token-file` token.

use std::path::Path;

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("reading --ui-token-file {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("--ui-token-file {0} is empty")]
    Empty(String),
}

/// How requests are let in. Its Debug output never shows the token.
pub enum Access {
    /// No token: open on a loopback listen, closed (401) elsewhere.
    NoToken { loopback: bool },
    Token {
        token: Zeroizing<Vec<u8>>,
        /// The cookie value the login form sets, derived from the token
        /// so the token itself is not stored in the browser.
        session: String,
        /// What the refresh button must send back.
        csrf: String,
    },
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Access::NoToken { loopback } => write!(f, "NoToken {{ loopback: {loopback} }}"),
            Access::Token { .. } => f.write_str("Token(<redacted>)"),
        }
    }
}

pub const COOKIE: &str = "gitsync_ui";

impl Access {
    pub fn from_file(path: &Path) -> Result<Access, AccessError> {
        let raw = Zeroizing::new(std::fs::read(path).map_err(|source| AccessError::Read {
            path: path.display().to_string(),
            source,
        })?);
        let token = Zeroizing::new(raw.trim_ascii().to_vec());
        if token.is_empty() {
            return Err(AccessError::Empty(path.display().to_string()));
        }
        Ok(Access::with_token(token))
    }

    pub fn with_token(token: Zeroizing<Vec<u8>>) -> Access {
        let derive = |what: &[u8]| {
            let mut h = Sha256::new();
            h.update(what);
            h.update(&token[..]);
            hex(&h.finalize())
        };
        Access::Token {
            session: derive(b"gitsync-ui-session:"),
            csrf: derive(b"gitsync-ui-csrf:"),
            token,
        }
    }

    /// Whether a request with these headers may see the dashboard.
    pub fn allows(&self, headers: &hyper::HeaderMap) -> bool {
        match self {
            Access::NoToken { loopback } => *loopback,
            Access::Token { token, session, .. } => {
                let bearer = headers
                    .get_all(hyper::header::AUTHORIZATION)
                    .iter()
                    .filter_map(|v| v.to_str().ok()?.strip_prefix("Bearer "))
                    .any(|t| ct_eq(t.trim().as_bytes(), token));
                bearer
                    || cookie(headers, COOKIE)
                        .is_some_and(|c| ct_eq(c.as_bytes(), session.as_bytes()))
            }
        }
    }

    /// The login form can set a session: only with a token.
    pub fn login(&self, offered: &[u8]) -> Option<&str> {
        match self {
            Access::Token { token, session, .. } if ct_eq(offered, token) => Some(session),
            _ => None,
        }
    }

    /// The CSRF token pages embed, when the refresh button exists.
    pub fn csrf(&self) -> Option<&str> {
        match self {
            Access::Token { csrf, .. } => Some(csrf),
            Access::NoToken { .. } => None,
        }
    }

    pub fn csrf_ok(&self, offered: &str) -> bool {
        self.csrf()
            .is_some_and(|c| ct_eq(offered.as_bytes(), c.as_bytes()))
    }
}

/// Compares in time that depends on the lengths only, so a guess cannot
/// be refined byte by byte from response times.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn cookie<'a>(headers: &'a hyper::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(hyper::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::HeaderMap;

    fn with(name: &'static str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, value.parse().unwrap());
        h
    }

    #[test]
    fn without_a_token_only_loopback_is_open() {
        assert!(Access::NoToken { loopback: true }.allows(&HeaderMap::new()));
        assert!(!Access::NoToken { loopback: false }.allows(&HeaderMap::new()));
    }

    #[test]
    fn a_token_is_taken_from_the_header_or_the_session_cookie() {
        let a = Access::with_token(Zeroizing::new(b"s3cret".to_vec()));
        assert!(!a.allows(&HeaderMap::new()));
        assert!(!a.allows(&with("authorization", "Bearer wrong")));
        assert!(a.allows(&with("authorization", "Bearer s3cret")));
        let session = a.login(b"s3cret").unwrap().to_string();
        assert!(a.login(b"nope").is_none());
        assert!(a.allows(&with("cookie", &format!("x=1; {COOKIE}={session}"))));
        assert!(!a.allows(&with("cookie", &format!("{COOKIE}=s3cret"))));
        assert!(!format!("{a:?}").contains("s3cret"));
        let csrf = a.csrf().unwrap().to_string();
        assert!(a.csrf_ok(&csrf) && !a.csrf_ok("x"));
    }
}

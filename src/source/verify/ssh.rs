//! SSH signatures (`gpg.format=ssh`), checked with the ssh-key crate
//! against an OpenSSH allowed_signers file (see ssh-keygen(1), "ALLOWED
//! SIGNERS").
//!
//! Stricter than `git verify-commit`, which accepts any listed key: the
//! line that lists the key must also name the committer (tagger) among its
//! principals, allow the namespace `git`, and be valid both now and at the
//! time the object claims (valid-after / valid-before).

use std::path::Path;

use ssh_key::{HashAlg, PublicKey, SshSig};

use super::Rejection;

/// The namespace git signs in (`ssh-keygen -Y sign -n git`).
const NAMESPACE: &str = "git";

/// One line of an allowed_signers file.
#[derive(Debug, Clone)]
pub struct AllowedSigner {
    /// Patterns (`*`, `?`, `!negation`) matched against the email.
    pub principals: Vec<String>,
    /// `namespaces="…"`; None allows every namespace.
    pub namespaces: Option<Vec<String>>,
    /// Unix seconds (UTC).
    pub valid_after: Option<i64>,
    pub valid_before: Option<i64>,
    pub key: PublicKey,
    /// `file:line`, for messages.
    pub at: String,
}

/// Parses an allowed_signers file; errors name `file` and the line.
pub fn parse_allowed_signers(text: &str, file: &Path) -> Result<Vec<AllowedSigner>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = format!("{}:{}", file.display(), n + 1);
        out.push(parse_line(line, at.clone()).map_err(|e| format!("{at}: {e}"))?);
    }
    Ok(out)
}

fn parse_line(line: &str, at: String) -> Result<AllowedSigner, String> {
    let fields = split_fields(line);
    let [principals, rest @ ..] = fields.as_slice() else {
        return Err("empty line".into());
    };
    let (options, key_fields) = match rest {
        [first, ..] if is_key_type(first) => ("", rest),
        [options, keys @ ..] => (options.as_str(), keys),
        [] => return Err("no key after the principals".into()),
    };
    if key_fields.len() < 2 {
        return Err("expected principals, [options,] key type and base64 key".into());
    }
    let key = PublicKey::from_openssh(&format!("{} {}", key_fields[0], key_fields[1]))
        .map_err(|e| format!("cannot read the public key: {e}"))?;
    let mut signer = AllowedSigner {
        principals: principals.split(',').map(str::to_owned).collect(),
        namespaces: None,
        valid_after: None,
        valid_before: None,
        key,
        at,
    };
    for option in split_outside_quotes(options, ',') {
        let (name, value) = match option.split_once('=') {
            Some((n, v)) => (n.to_ascii_lowercase(), Some(unquote(v))),
            None => (option.to_ascii_lowercase(), None),
        };
        match (name.as_str(), value) {
            ("cert-authority", _) => {
                return Err(
                    "cert-authority (trusting SSH certificates signed by a CA) is not \
                     supported: list each signer's own key"
                        .into(),
                );
            }
            ("namespaces", Some(v)) => {
                signer.namespaces = Some(v.split(',').map(|s| s.trim().to_owned()).collect());
            }
            ("valid-after", Some(v)) => signer.valid_after = Some(parse_time(&v)?),
            ("valid-before", Some(v)) => signer.valid_before = Some(parse_time(&v)?),
            _ => return Err(format!("unknown or incomplete option {option:?}")),
        }
    }
    Ok(signer)
}

fn is_key_type(field: &str) -> bool {
    ["ssh-", "ecdsa-", "sk-", "rsa-"]
        .iter()
        .any(|p| field.starts_with(p))
}

/// Whitespace-separated fields; whitespace inside double quotes does not
/// split (options may quote values).
fn split_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in line.chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if c.is_whitespace() && !quoted {
            if !current.is_empty() {
                fields.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        fields.push(current);
    }
    fields
}

fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            parts.push(&s[start..i]);
            start = i + 1;
        }
    }
    if start < s.len() {
        parts.push(&s[start..]);
    }
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

fn unquote(v: &str) -> String {
    v.strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v)
        .to_owned()
}

/// `YYYYMMDD[HHMM[SS]][Z]`, read as UTC (OpenSSH reads it as local time
/// without the Z; a server's local time is seldom what the writer meant).
fn parse_time(v: &str) -> Result<i64, String> {
    let bad = || format!("time {v:?} is not YYYYMMDD[HHMM[SS]][Z]");
    let digits = v.strip_suffix(['Z', 'z']).unwrap_or(v);
    if !matches!(digits.len(), 8 | 12 | 14) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let num =
        |r: std::ops::Range<usize>| digits.get(r).map_or(0, |s| s.parse::<i64>().unwrap_or(0));
    let (y, m, d) = (num(0..4), num(4..6), num(6..8));
    let (hh, mm, ss) = (num(8..10), num(10..12), num(12..14));
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return Err(bad());
    }
    Ok(days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// OpenSSH's pattern lists: any pattern matches and no `!pattern` does.
pub(crate) fn principal_matches(patterns: &[String], name: &str) -> bool {
    let mut matched = false;
    for p in patterns {
        match p.strip_prefix('!') {
            Some(neg) if wildcard(neg.as_bytes(), name.as_bytes()) => return false,
            Some(_) => {}
            None => matched |= wildcard(p.as_bytes(), name.as_bytes()),
        }
    }
    matched
}

fn wildcard(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => wildcard(&p[1..], s) || (!s.is_empty() && wildcard(p, &s[1..])),
        (Some(b'?'), Some(_)) => wildcard(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => wildcard(&p[1..], &s[1..]),
        _ => false,
    }
}

/// Who signed, as `<email> SHA256:…`.
pub(crate) fn verify(
    signers: &[AllowedSigner],
    payload: &[u8],
    armored: &[u8],
    email: &str,
    signed_at: i64,
    now: i64,
) -> Result<String, Rejection> {
    let sig = SshSig::from_pem(armored).map_err(|e| Rejection::Malformed {
        detail: format!("SSH: {e}"),
    })?;
    let key = PublicKey::from(sig.public_key().clone());
    let fp = key.fingerprint(HashAlg::Sha256).to_string();
    let lines: Vec<&AllowedSigner> = signers
        .iter()
        .filter(|s| s.key.key_data() == sig.public_key())
        .collect();
    if lines.is_empty() {
        return Err(Rejection::UntrustedKey {
            key: format!("ssh:{fp}"),
        });
    }
    if sig.namespace() != NAMESPACE {
        return Err(Rejection::WrongNamespace {
            key: format!("ssh:{fp}"),
            namespace: sig.namespace().to_owned(),
        });
    }
    if key.verify(NAMESPACE, payload, &sig).is_err() {
        return Err(Rejection::BadSignature {
            key: format!("ssh:{fp}"),
        });
    }
    // The first line that allows everything wins; otherwise the first
    // line's reason is the one shown.
    let mut first_problem = None;
    for line in lines {
        match allows(line, &fp, email, signed_at, now) {
            Ok(()) => return Ok(format!("ssh:{email} {fp}")),
            Err(why) => {
                first_problem.get_or_insert(why);
            }
        }
    }
    Err(first_problem.expect("at least one line"))
}

fn allows(
    line: &AllowedSigner,
    fp: &str,
    email: &str,
    signed_at: i64,
    now: i64,
) -> Result<(), Rejection> {
    let entry = || format!("{} ({})", line.principals.join(","), line.at);
    let key = format!("ssh:{fp}");
    if let Some(ns) = &line.namespaces
        && !principal_matches(ns, NAMESPACE)
    {
        return Err(Rejection::NamespaceNotAllowed {
            entry: entry(),
            key,
        });
    }
    if !principal_matches(&line.principals, email) {
        return Err(Rejection::PrincipalMismatch {
            key,
            entry: entry(),
            email: email.to_owned(),
        });
    }
    for t in [signed_at, now] {
        if let Some(after) = line.valid_after
            && t < after
        {
            return Err(Rejection::EntryNotYetValid {
                entry: entry(),
                key,
                from: super::utc(after),
            });
        }
        if let Some(before) = line.valid_before
            && t >= before
        {
            return Err(Rejection::EntryExpired {
                entry: entry(),
                key,
                until: super::utc(before),
            });
        }
    }
    Ok(())
}

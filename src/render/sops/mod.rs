//! SOPS: documents encrypted with `sops` are decrypted at render time, as
//! Flux does, with no `sops` binary.
//!
//! A document is a SOPS document when it carries a top-level `sops`
//! mapping. All documents of one file share one data key and one MAC (the
//! MAC covers every document of the file), so they are decrypted together:
//! documents are grouped by where they came from and by their MAC.
//!
//! The format, as sops writes it: every value sops chose to encrypt is
//! `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`, AES-256-GCM with a 32-byte
//! nonce, the data key, and as additional data the value's path (map keys
//! from the root, list indices left out) joined with `:` and ending in `:`.
//! The MAC is the upper-case hex SHA-512 over the cleartext values in file
//! order (nulls and comments left out; only encrypted values, after a fixed
//! prefix, with `mac_only_encrypted`), stored encrypted with the data key
//! and `lastmodified` as additional data. The data key is wrapped for each
//! recipient: age and OpenPGP here (see [`keys`]); cloud KMS recipients are
//! recognised and refused.

mod keys;
mod values;

use std::collections::BTreeSet;

use serde_json::{Map, Value};
use sha2::{Digest, Sha512};
use zeroize::Zeroizing;

pub use keys::{KeyConfig, KeyError, Keys};
pub use values::PLACEHOLDER;

use super::{Document, Problem};

/// `echo -n sops | sha256sum`: what sops hashes first with
/// `mac_only_encrypted`, so that such a MAC never equals the other kind.
const MAC_ONLY_ENCRYPTED_INIT: [u8; 32] = [
    0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b,
    0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
];

/// Top-level fields that name an object: shown even when sops encrypted
/// them, since every report names the object anyway.
pub const NAMING_FIELDS: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// True when `object` carries SOPS metadata.
pub fn is_encrypted(object: &Value) -> bool {
    object.get("sops").is_some_and(Value::is_object)
}

/// Why a SOPS document could not be decrypted. The message never holds a
/// cleartext value.
#[derive(Debug, thiserror::Error)]
pub enum SopsError {
    #[error("{0}")]
    Metadata(String),
    #[error(
        "encrypted with SOPS, but no key given opens it; it opens with {recipients} \
         (age keys: --sops-age-key-file, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or {default_age}; \
         OpenPGP: --sops-pgp-key-file or SOPS_PGP_KEY_FILE){tried}"
    )]
    NoKey {
        recipients: String,
        default_age: String,
        tried: String,
    },
    #[error(
        "encrypted with SOPS only for {kms}, which gitsync does not support yet; \
         add an age or OpenPGP recipient (sops updatekeys)"
    )]
    KmsOnly { kms: String },
    #[error(
        "SOPS MAC mismatch: the file was changed after it was encrypted (tampered, \
         or edited without sops); refused"
    )]
    MacMismatch,
    #[error("SOPS value at {path} cannot be decrypted: {why}")]
    Value { path: String, why: String },
    #[error(transparent)]
    Keys(#[from] KeyError),
}

/// Decrypts every SOPS document of `docs` in place, removes its `sops`
/// block and records in its origin which fields held ciphertext. A group
/// that fails is dropped from `docs` and becomes one problem (naming its
/// first document); the others go on, so one run shows every problem.
/// Returns true when a group failed for want of a usable key (not for what
/// the file says): that may pass, the file may not.
pub fn decrypt_documents(
    docs: &mut Vec<Document>,
    problems: &mut Vec<Problem>,
    keys: &Keys,
) -> bool {
    let mut for_want_of_key = false;
    if !docs.iter().any(|d| is_encrypted(&d.object)) {
        return false;
    }
    // Groups: documents of one file (or one renderer's output) with one MAC.
    let mut groups: Vec<(String, String, Vec<usize>)> = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        if !is_encrypted(&doc.object) {
            continue;
        }
        let mac = doc.object["sops"]
            .get("mac")
            .map(Value::to_string)
            .unwrap_or_default();
        match groups
            .iter_mut()
            .find(|(file, m, _)| *file == doc.origin.file && *m == mac)
        {
            Some((_, _, members)) => members.push(i),
            None => groups.push((doc.origin.file.clone(), mac, vec![i])),
        }
    }
    let mut failed = BTreeSet::new();
    for (_, _, members) in groups {
        let objects: Vec<&Value> = members.iter().map(|&i| &docs[i].object).collect();
        match decrypt_group(&objects, keys) {
            Ok(decrypted) => {
                for (&i, (object, fields)) in members.iter().zip(decrypted) {
                    docs[i].object = object;
                    docs[i].origin.encrypted = fields.into();
                }
            }
            Err(err) => {
                for_want_of_key |= matches!(err, SopsError::NoKey { .. } | SopsError::Keys(_));
                let first = &docs[members[0]];
                tracing::debug!(file = %first.origin.file, "SOPS decryption failed");
                let mut message = err.to_string();
                if members.len() > 1 {
                    message.push_str(&format!(
                        " ({} documents share this SOPS MAC)",
                        members.len()
                    ));
                }
                problems.push(Problem {
                    origin: first.origin.clone(),
                    message,
                });
                failed.extend(members);
            }
        }
    }
    if !failed.is_empty() {
        let mut i = 0;
        docs.retain(|_| {
            i += 1;
            !failed.contains(&(i - 1))
        });
    }
    for_want_of_key
}

/// Decrypts one SOPS tree: its documents in order, sharing the metadata of
/// the first. Returns each document without `sops`, with the top-level
/// fields that held ciphertext.
fn decrypt_group(objects: &[&Value], keys: &Keys) -> Result<Vec<(Value, Vec<String>)>, SopsError> {
    let meta = Metadata::parse(&objects[0]["sops"])?;
    // Without decryption (`--no-decrypt`), no key is asked for and no MAC
    // can be checked: every encrypted value becomes a placeholder.
    let data_key = if keys.decrypts() {
        Some(keys.data_key(&meta.recipients)?)
    } else {
        None
    };
    let mut hash = Sha512::new();
    if meta.rules.mac_only_encrypted {
        hash.update(MAC_ONLY_ENCRYPTED_INIT);
    }
    let mut out = Vec::with_capacity(objects.len());
    for object in objects {
        let Value::Object(map) = object else {
            return Err(SopsError::Metadata(
                "a SOPS document must be a mapping".into(),
            ));
        };
        let mut map: Map<String, Value> = map.clone();
        map.remove("sops");
        let mut walk = values::Walk {
            key: data_key.as_ref().map(|k| k.as_slice()),
            rules: &meta.rules,
            hash: &mut hash,
            encrypted: BTreeSet::new(),
        };
        let mut path = Vec::new();
        for (k, v) in map.iter_mut() {
            path.push(k.clone());
            walk.value(v, &mut path)?;
            path.pop();
        }
        let fields = walk.encrypted.into_iter().collect();
        out.push((Value::Object(map), fields));
    }
    let Some(data_key) = data_key else {
        return Ok(out);
    };
    let computed = hex_upper(&hash.finalize());
    let stored = values::decrypt_mac(&meta.mac, &data_key, &meta.last_modified)
        .map_err(|_| SopsError::MacMismatch)?;
    // Not secret, but compared in constant time all the same.
    if !constant_time_eq(computed.as_bytes(), stored.as_bytes()) {
        return Err(SopsError::MacMismatch);
    }
    Ok(out)
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Which values sops encrypted, as its metadata says.
#[derive(Debug, Default)]
pub(crate) struct Rules {
    unencrypted_suffix: Option<String>,
    encrypted_suffix: Option<String>,
    unencrypted_regex: Option<regex::Regex>,
    encrypted_regex: Option<regex::Regex>,
    pub(crate) mac_only_encrypted: bool,
}

impl Rules {
    /// sops's rule, in its order: each later setting overrides.
    pub(crate) fn encrypts(&self, path: &[String]) -> bool {
        let mut encrypted = true;
        if let Some(s) = &self.unencrypted_suffix
            && path.iter().any(|k| k.ends_with(s.as_str()))
        {
            encrypted = false;
        }
        if let Some(s) = &self.encrypted_suffix {
            encrypted = path.iter().any(|k| k.ends_with(s.as_str()));
        }
        if let Some(r) = &self.unencrypted_regex
            && path.iter().any(|k| r.is_match(k))
        {
            encrypted = false;
        }
        if let Some(r) = &self.encrypted_regex {
            encrypted = path.iter().any(|k| r.is_match(k));
        }
        encrypted
    }
}

/// Recipients of the data key, as listed in the metadata.
#[derive(Debug, Default)]
pub struct Recipients {
    /// (recipient, armored age file holding the data key)
    pub age: Vec<(String, String)>,
    /// (fingerprint, armored OpenPGP message holding the data key)
    pub pgp: Vec<(String, String)>,
    /// Cloud KMS recipients, described (`aws kms arn:…`).
    pub kms: Vec<String>,
}

struct Metadata {
    recipients: Recipients,
    rules: Rules,
    mac: String,
    last_modified: String,
}

impl Metadata {
    fn parse(sops: &Value) -> Result<Metadata, SopsError> {
        let bad = |m: &str| SopsError::Metadata(format!("SOPS metadata: {m}"));
        let text = |name: &str| -> Result<Option<String>, SopsError> {
            match sops.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(bad(&format!("`{name}` must be a string"))),
            }
        };
        for unsupported in ["unencrypted_comment_regex", "encrypted_comment_regex"] {
            if text(unsupported)?.is_some() {
                return Err(bad(&format!(
                    "`{unsupported}` is not supported by gitsync (comments are not kept); \
                     use encrypted_regex or a suffix"
                )));
            }
        }
        let regex = |name: &str| -> Result<Option<regex::Regex>, SopsError> {
            text(name)?
                .map(|r| {
                    regex::Regex::new(&r).map_err(|e| bad(&format!("`{name}` is not valid: {e}")))
                })
                .transpose()
        };
        let rules = Rules {
            unencrypted_suffix: text("unencrypted_suffix")?,
            encrypted_suffix: text("encrypted_suffix")?,
            unencrypted_regex: regex("unencrypted_regex")?,
            encrypted_regex: regex("encrypted_regex")?,
            mac_only_encrypted: sops.get("mac_only_encrypted").and_then(Value::as_bool)
                == Some(true),
        };
        let mac = text("mac")?.ok_or_else(|| bad("`mac` is missing"))?;
        let last_modified =
            text("lastmodified")?.ok_or_else(|| bad("`lastmodified` is missing"))?;
        let groups = match sops.get("key_groups") {
            Some(Value::Array(groups)) if groups.len() > 1 => {
                return Err(bad(
                    "several key_groups (Shamir secret sharing) are not supported yet",
                ));
            }
            Some(Value::Array(groups)) if groups.len() == 1 => &groups[0],
            _ => sops,
        };
        let recipients = parse_recipients(groups).map_err(|m| bad(&m))?;
        Ok(Metadata {
            recipients,
            rules,
            mac,
            last_modified,
        })
    }
}

fn parse_recipients(group: &Value) -> Result<Recipients, String> {
    let list = |name: &str| -> Result<Vec<&Map<String, Value>>, String> {
        match group.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_object()
                        .ok_or(format!("`{name}` entries must be mappings"))
                })
                .collect(),
            Some(_) => Err(format!("`{name}` must be a list")),
        }
    };
    let field = |entry: &Map<String, Value>, name: &str| -> String {
        entry
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut r = Recipients::default();
    for e in list("age")? {
        r.age.push((field(e, "recipient"), field(e, "enc")));
    }
    for e in list("pgp")? {
        r.pgp.push((field(e, "fp"), field(e, "enc")));
    }
    for (name, id, what) in [
        ("kms", "arn", "aws kms"),
        ("gcp_kms", "resource_id", "gcp_kms"),
        ("azure_kv", "vault_url", "azure_kv"),
        ("hc_vault", "vault_address", "hc_vault"),
    ] {
        for e in list(name)? {
            r.kms.push(format!("{what} {}", field(e, id)));
        }
    }
    Ok(r)
}

/// Shorter decrypted values are not looked for in rendered output: they
/// would match by chance (`1`, `on`).
const MIN_REVEALING_LEN: usize = 4;

/// The decrypted strings of `doc` (under its encrypted fields), to find
/// them again in what a renderer made of them.
pub fn revealed_strings(doc: &Document, out: &mut Vec<Zeroizing<String>>) {
    fn walk(v: &Value, out: &mut Vec<Zeroizing<String>>) {
        match v {
            Value::Object(m) => m.values().for_each(|c| walk(c, out)),
            Value::Array(items) => items.iter().for_each(|c| walk(c, out)),
            Value::String(s) if s.len() >= MIN_REVEALING_LEN => out.push(Zeroizing::new(s.clone())),
            Value::Null | Value::String(_) => {}
            other => {
                let s = other.to_string();
                if s.len() >= MIN_REVEALING_LEN {
                    out.push(Zeroizing::new(s));
                }
            }
        }
    }
    for field in doc.origin.encrypted.fields() {
        if let Some(v) = doc.object.get(field) {
            walk(v, out);
        }
    }
}

/// Every decrypted value of `doc` (under its encrypted fields), however
/// short: what a renderer's error must never show.
pub fn cleartexts(doc: &Document, out: &mut Vec<Zeroizing<String>>) {
    fn walk(v: &Value, out: &mut Vec<Zeroizing<String>>) {
        match v {
            Value::Object(m) => m.values().for_each(|c| walk(c, out)),
            Value::Array(items) => items.iter().for_each(|c| walk(c, out)),
            Value::Null => {}
            Value::String(s) if s.is_empty() || s == PLACEHOLDER => {}
            Value::String(s) => out.push(Zeroizing::new(s.clone())),
            other => out.push(Zeroizing::new(other.to_string())),
        }
    }
    for field in doc.origin.encrypted.fields() {
        if let Some(v) = doc.object.get(field) {
            walk(v, out);
        }
    }
}

/// Marks the top-level fields of a rendered `doc` that hold one of
/// `secrets` (helm output made from encrypted values), so that reports
/// mask them as they mask SOPS documents.
pub fn mark_revealing(doc: &mut Document, secrets: &[Zeroizing<String>]) {
    if secrets.is_empty() {
        return;
    }
    fn holds(v: &Value, secrets: &[Zeroizing<String>]) -> bool {
        match v {
            Value::Object(m) => m.values().any(|c| holds(c, secrets)),
            Value::Array(items) => items.iter().any(|c| holds(c, secrets)),
            Value::String(s) => secrets.iter().any(|x| s.contains(x.as_str())),
            Value::Null => false,
            other => {
                let text = other.to_string();
                secrets.iter().any(|x| text == x.as_str())
            }
        }
    }
    let Value::Object(map) = &doc.object else {
        return;
    };
    let mut fields = doc.origin.encrypted.fields().to_vec();
    for (field, v) in map {
        if !NAMING_FIELDS.contains(&field.as_str()) && !fields.contains(field) && holds(v, secrets)
        {
            fields.push(field.clone());
        }
    }
    doc.origin.encrypted = fields.into();
}

/// The data key: 32 bytes, wiped when dropped.
pub(crate) type DataKey = Zeroizing<Vec<u8>>;

#[cfg(test)]
mod tests;

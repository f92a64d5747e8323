//! The values of a SOPS tree: decrypting each `ENC[…]` and hashing the
//! cleartext for the MAC, in file order.

use std::collections::BTreeSet;

use aes_gcm::aead::consts::U32;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{AesGcm, aes::Aes256};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sha2::{Digest, Sha512};
use zeroize::Zeroizing;

use super::{Rules, SopsError};

/// sops's nonces are 32 bytes, not GCM's usual 12.
type Cipher = AesGcm<Aes256, U32>;

pub(super) struct Walk<'a> {
    /// None: `--no-decrypt`, every encrypted value becomes a placeholder.
    pub key: Option<&'a [u8]>,
    pub rules: &'a Rules,
    pub hash: &'a mut Sha512,
    /// Top-level fields under which a value was decrypted.
    pub encrypted: BTreeSet<String>,
}

impl Walk<'_> {
    /// Walks `v` at `path` (map keys from the root; list items share their
    /// list's path, as in sops).
    pub fn value(&mut self, v: &mut Value, path: &mut Vec<String>) -> Result<(), SopsError> {
        match v {
            Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    path.push(k.clone());
                    self.value(child, path)?;
                    path.pop();
                }
                Ok(())
            }
            Value::Array(items) => items.iter_mut().try_for_each(|i| self.value(i, path)),
            Value::Null => Ok(()),
            leaf => self.leaf(leaf, path),
        }
    }

    fn leaf(&mut self, v: &mut Value, path: &[String]) -> Result<(), SopsError> {
        let encrypted = self.rules.encrypts(path);
        if encrypted {
            let Value::String(text) = &*v else {
                return Err(value_error(path, "expected an ENC[…] string"));
            };
            // sops leaves empty strings as they are.
            if !text.is_empty() {
                let aad = format!("{}:", path.join(":"));
                *v = match self.key {
                    Some(key) => {
                        decrypt_value(text, key, &aad).map_err(|why| value_error(path, why))?
                    }
                    None => placeholder(text).map_err(|why| value_error(path, why))?,
                };
                if let Some(top) = path.first() {
                    self.encrypted.insert(top.clone());
                }
            }
        }
        if !self.rules.mac_only_encrypted || encrypted {
            self.hash.update(mac_bytes(v).as_bytes());
        }
        Ok(())
    }
}

fn value_error(path: &[String], why: &str) -> SopsError {
    SopsError::Value {
        path: path.join("."),
        why: why.to_string(),
    }
}

/// A cleartext value as sops hashes it: integers and floats in decimal
/// without exponent, booleans as `True`/`False`.
fn mac_bytes(v: &Value) -> Zeroizing<String> {
    Zeroizing::new(match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (None, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => format!("{f}"),
            _ => n.to_string(),
        },
        other => other.to_string(),
    })
}

/// `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]` → bytes and type.
fn open(text: &str, key: &[u8], aad: &str) -> Result<(Zeroizing<Vec<u8>>, String), &'static str> {
    let inner = text
        .strip_prefix("ENC[AES256_GCM,")
        .and_then(|t| t.strip_suffix(']'))
        .ok_or("not an ENC[AES256_GCM,…] value")?;
    let mut parts = [None; 4];
    for (i, name) in ["data:", "iv:", "tag:", "type:"].iter().enumerate() {
        let part = inner
            .split(',')
            .find_map(|p| p.strip_prefix(name))
            .ok_or("a part (data, iv, tag or type) is missing")?;
        parts[i] = Some(part);
    }
    let [Some(data), Some(iv), Some(tag), Some(kind)] = parts else {
        unreachable!("every part was found above")
    };
    let b64 = |s: &str| STANDARD.decode(s).map_err(|_| "invalid base64");
    let (mut data, iv, tag) = (b64(data)?, b64(iv)?, b64(tag)?);
    if iv.len() != 32 || tag.len() != 16 {
        return Err("the iv must be 32 bytes and the tag 16");
    }
    data.extend_from_slice(&tag);
    let cipher = Cipher::new_from_slice(key).map_err(|_| "the data key is not 32 bytes")?;
    let nonce = aes_gcm::Nonce::<U32>::try_from(iv.as_slice()).map_err(|_| "bad iv")?;
    let plain = cipher
        .decrypt(
            &nonce,
            Payload {
                msg: &data,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| {
            "authentication failed: the ciphertext was changed (tampered) or moved to another key"
        })?;
    Ok((Zeroizing::new(plain), kind.to_string()))
}

/// What stands for a string under `--no-decrypt`: base64 of `ENCRYPTED`,
/// so that it is valid in a Secret's `data` as well as anywhere else.
pub const PLACEHOLDER: &str = "RU5DUllQVEVE";

/// A value of the encrypted one's type that says nothing of it.
fn placeholder(text: &str) -> Result<Value, &'static str> {
    let kind = text
        .strip_prefix("ENC[AES256_GCM,")
        .and_then(|t| t.strip_suffix(']'))
        .and_then(|inner| inner.split(',').find_map(|p| p.strip_prefix("type:")))
        .ok_or("not an ENC[AES256_GCM,…] value")?;
    Ok(match kind {
        "str" | "bytes" => Value::String(PLACEHOLDER.into()),
        "int" | "int64" => Value::Number(0.into()),
        "float" => serde_json::json!(0.0),
        "bool" => Value::Bool(false),
        _ => return Err("unknown type"),
    })
}

/// Decrypts one value to its typed form.
pub(super) fn decrypt_value(text: &str, key: &[u8], aad: &str) -> Result<Value, &'static str> {
    let (plain, kind) = open(text, key, aad)?;
    let s = std::str::from_utf8(&plain).map_err(|_| "the cleartext is not UTF-8")?;
    Ok(match kind.as_str() {
        "str" | "bytes" => Value::String(s.to_string()),
        "int" | "int64" => Value::Number(s.parse::<i64>().map_err(|_| "not an int")?.into()),
        "float" => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or("not a float")?,
        "bool" => match s.to_ascii_lowercase().as_str() {
            "true" | "1" | "t" => Value::Bool(true),
            "false" | "0" | "f" => Value::Bool(false),
            _ => return Err("not a bool"),
        },
        _ => return Err("unknown type"),
    })
}

/// The stored MAC (hex), encrypted with `lastmodified` as additional data.
pub(super) fn decrypt_mac(text: &str, key: &[u8], last_modified: &str) -> Result<String, ()> {
    let (plain, _) = open(text, key, last_modified).map_err(|_| ())?;
    String::from_utf8(plain.to_vec()).map_err(|_| ())
}

#[cfg(test)]
pub(super) fn encrypt_value(plain: &str, kind: &str, key: &[u8], aad: &str) -> String {
    let cipher = Cipher::new_from_slice(key).unwrap();
    let iv = [7u8; 32];
    let nonce = aes_gcm::Nonce::<U32>::try_from(&iv[..]).unwrap();
    let out = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plain.as_bytes(),
                aad: aad.as_bytes(),
            },
        )
        .unwrap();
    let (data, tag) = out.split_at(out.len() - 16);
    format!(
        "ENC[AES256_GCM,data:{},iv:{},tag:{},type:{kind}]",
        STANDARD.encode(data),
        STANDARD.encode(iv),
        STANDARD.encode(tag)
    )
}

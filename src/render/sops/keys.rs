//! The keys that unwrap a SOPS data key: age identities and OpenPGP secret
//! keys, found where sops looks for them. They are read once, on the first
//! encrypted document, so that a repository without SOPS files never
//! depends on them.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use zeroize::Zeroizing;

use super::{DataKey, Recipients, SopsError};

/// Where the keys are, as resolved from flags and the environment.
#[derive(Clone, Default)]
pub struct KeyConfig {
    /// `--sops-age-key-file`: only this file, nothing from the environment.
    pub age_key_file: Option<PathBuf>,
    /// `--sops-pgp-key-file` or `SOPS_PGP_KEY_FILE`: armored secret keys.
    pub pgp_key_file: Option<PathBuf>,
    /// `SOPS_AGE_KEY_FILE`.
    pub env_age_key_file: Option<PathBuf>,
    /// `SOPS_AGE_KEY`: identities themselves (never printed).
    pub env_age_key: Option<Zeroizing<String>>,
    /// `$XDG_CONFIG_HOME/sops/age/keys.txt`, else `~/.config/sops/age/keys.txt`.
    pub default_age_key_file: Option<PathBuf>,
}

impl std::fmt::Debug for KeyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyConfig")
            .field("age_key_file", &self.age_key_file)
            .field("pgp_key_file", &self.pgp_key_file)
            .field("env_age_key_file", &self.env_age_key_file)
            .field("env_age_key", &self.env_age_key.as_ref().map(|_| "<set>"))
            .field("default_age_key_file", &self.default_age_key_file)
            .finish()
    }
}

impl KeyConfig {
    /// The flags, with the environment as sops reads it.
    pub fn from_env(age_key_file: Option<PathBuf>, pgp_key_file: Option<PathBuf>) -> KeyConfig {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let default_age_key_file = var("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".config")))
            .map(|d| d.join("sops/age/keys.txt"));
        KeyConfig {
            age_key_file,
            pgp_key_file: pgp_key_file.or_else(|| var("SOPS_PGP_KEY_FILE").map(PathBuf::from)),
            env_age_key_file: var("SOPS_AGE_KEY_FILE").map(PathBuf::from),
            env_age_key: std::env::var("SOPS_AGE_KEY")
                .ok()
                .filter(|k| !k.is_empty())
                .map(Zeroizing::new),
            default_age_key_file,
        }
    }

    fn default_shown(&self) -> String {
        self.default_age_key_file.as_ref().map_or_else(
            || "~/.config/sops/age/keys.txt".to_string(),
            |p| p.display().to_string(),
        )
    }
}

/// A key file that was named but cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("reading the SOPS key file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the SOPS age key {what} holds no valid age identity: {why}")]
    Age { what: String, why: String },
    #[error("the SOPS OpenPGP key file {path} holds no usable secret key: {why}")]
    Pgp { path: String, why: String },
}

/// The keys of one run, loaded on first use and shared by every render
/// (a failed load is tried again next time: `watch` recovers once the key
/// file appears).
#[derive(Default)]
pub struct Keys {
    config: KeyConfig,
    loaded: Mutex<Option<Arc<Loaded>>>,
    /// `--no-decrypt`: never load a key; encrypted values become
    /// placeholders.
    placeholders: bool,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

struct Loaded {
    age: Vec<Box<dyn age::Identity + Send + Sync>>,
    pgp: Vec<pgp::composed::SignedSecretKey>,
    /// Where they came from, for the message when none fits.
    sources: Vec<String>,
}

impl Keys {
    pub fn new(config: KeyConfig) -> Keys {
        Keys {
            config,
            loaded: Mutex::new(None),
            placeholders: false,
        }
    }

    /// Keys that decrypt nothing (`--no-decrypt`): every encrypted value
    /// renders as a placeholder, so no cleartext exists to leak.
    pub fn without_decryption() -> Keys {
        Keys {
            placeholders: true,
            ..Keys::default()
        }
    }

    /// False with `--no-decrypt`.
    pub fn decrypts(&self) -> bool {
        !self.placeholders
    }

    fn loaded(&self) -> Result<Arc<Loaded>, SopsError> {
        let mut slot = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(loaded) = &*slot {
            return Ok(loaded.clone());
        }
        let loaded = Arc::new(load(&self.config)?);
        *slot = Some(loaded.clone());
        Ok(loaded)
    }

    /// Unwraps the data key with the first recipient a key opens (age
    /// first, then OpenPGP, as sops tries them).
    pub(super) fn data_key(&self, r: &Recipients) -> Result<DataKey, SopsError> {
        if r.age.is_empty() && r.pgp.is_empty() {
            if r.kms.is_empty() {
                return Err(SopsError::Metadata(
                    "SOPS metadata lists no recipient (age, pgp or KMS)".into(),
                ));
            }
            return Err(SopsError::KmsOnly {
                kms: r.kms.join(", "),
            });
        }
        let keys = self.loaded()?;
        for (_, enc) in &r.age {
            if let Some(key) = unwrap_age(enc, &keys.age) {
                return Ok(key);
            }
        }
        for (_, enc) in &r.pgp {
            if let Some(key) = unwrap_pgp(enc, &keys.pgp) {
                return Ok(key);
            }
        }
        let mut recipients: Vec<String> = r.age.iter().map(|(k, _)| format!("age {k}")).collect();
        recipients.extend(r.pgp.iter().map(|(fp, _)| format!("pgp {fp}")));
        recipients.extend(r.kms.iter().map(|k| format!("{k} (not supported)")));
        let tried = if keys.sources.is_empty() {
            "; no key was found".to_string()
        } else {
            format!("; tried {}", keys.sources.join(", "))
        };
        Err(SopsError::NoKey {
            recipients: recipients.join(", "),
            default_age: self.config.default_shown(),
            tried,
        })
    }
}

fn read_secret(path: &Path) -> Result<Zeroizing<String>, KeyError> {
    let mut text = Zeroizing::new(String::new());
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_string(&mut text))
        .map_err(|source| KeyError::Read {
            path: path.display().to_string(),
            source,
        })?;
    Ok(text)
}

fn age_identities(
    text: &str,
    what: String,
) -> Result<Vec<Box<dyn age::Identity + Send + Sync>>, KeyError> {
    let bad = |why: String| KeyError::Age {
        what: what.clone(),
        why,
    };
    let ids = age::IdentityFile::from_buffer(text.as_bytes())
        .map_err(|e| bad(e.to_string()))?
        .into_identities()
        .map_err(|e| bad(e.to_string()))?;
    if ids.is_empty() {
        return Err(bad("none found".into()));
    }
    Ok(ids)
}

fn load(config: &KeyConfig) -> Result<Loaded, KeyError> {
    let mut loaded = Loaded {
        age: Vec::new(),
        pgp: Vec::new(),
        sources: Vec::new(),
    };
    let age_file = |path: &Path, loaded: &mut Loaded| -> Result<(), KeyError> {
        let text = read_secret(path)?;
        let what = format!("file {}", path.display());
        loaded.age.extend(age_identities(&text, what.clone())?);
        loaded.sources.push(format!("age key {what}"));
        Ok(())
    };
    if let Some(path) = &config.age_key_file {
        age_file(path, &mut loaded)?;
    } else {
        if let Some(text) = &config.env_age_key {
            loaded
                .age
                .extend(age_identities(text, "in SOPS_AGE_KEY".into())?);
            loaded.sources.push("age key in SOPS_AGE_KEY".into());
        }
        if let Some(path) = &config.env_age_key_file {
            age_file(path, &mut loaded)?;
        } else if let Some(path) = &config.default_age_key_file
            && path.is_file()
        {
            age_file(path, &mut loaded)?;
        }
    }
    if let Some(path) = &config.pgp_key_file {
        use pgp::composed::Deserializable;
        let text = read_secret(path)?;
        let bad = |why: String| KeyError::Pgp {
            path: path.display().to_string(),
            why,
        };
        let (keys, _) = pgp::composed::SignedSecretKey::from_armor_many(text.as_bytes())
            .map_err(|e| bad(e.to_string()))?;
        for key in keys {
            loaded.pgp.push(key.map_err(|e| bad(e.to_string()))?);
        }
        if loaded.pgp.is_empty() {
            return Err(bad("none found".into()));
        }
        loaded
            .sources
            .push(format!("OpenPGP key file {}", path.display()));
    }
    Ok(loaded)
}

fn unwrap_age(enc: &str, identities: &[Box<dyn age::Identity + Send + Sync>]) -> Option<DataKey> {
    if identities.is_empty() {
        return None;
    }
    let reader = age::armor::ArmoredReader::new(enc.as_bytes());
    let decryptor = age::Decryptor::new(reader).ok()?;
    let mut stream = decryptor
        .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .ok()?;
    let mut key = Zeroizing::new(Vec::new());
    // A data key is 32 bytes; more is not a sops file.
    (&mut stream).take(1024).read_to_end(&mut key).ok()?;
    Some(key)
}

fn unwrap_pgp(enc: &str, keys: &[pgp::composed::SignedSecretKey]) -> Option<DataKey> {
    use pgp::composed::Message;
    use pgp::types::Password;
    if keys.is_empty() {
        return None;
    }
    let (message, _) = Message::from_string(enc).ok()?;
    let empty = Password::empty();
    let mut message = message
        .decrypt_with_keys(keys.iter().map(|_| &empty).collect(), keys.iter().collect())
        .ok()?;
    if message.is_compressed() {
        message = message.decompress().ok()?;
    }
    let mut key = Zeroizing::new(Vec::new());
    (&mut message).take(1024).read_to_end(&mut key).ok()?;
    Some(key)
}

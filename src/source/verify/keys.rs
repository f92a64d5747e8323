//! `--trusted-keys`: a file, or a directory of files, holding armored
//! OpenPGP public keys and/or SSH allowed_signers lines. Read on every
//! load, so a daemon picks up a rotated key without a restart.

use std::path::{Path, PathBuf};

use super::openpgp;
use super::ssh::{self, AllowedSigner};

const PGP_ARMOR: &str = "-----BEGIN PGP PUBLIC KEY BLOCK-----";

/// Every key that may sign.
#[derive(Debug, Default)]
pub struct TrustedKeys {
    pub(crate) openpgp: Vec<pgp::composed::SignedPublicKey>,
    pub(crate) ssh: Vec<AllowedSigner>,
}

/// A trusted-keys file that cannot be used; `message` names the file (and
/// line) and says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct KeysError {
    pub message: String,
}

impl TrustedKeys {
    /// Reads `path`: one file, or every regular, non-hidden file of a
    /// directory (not recursive), in name order. A file holding a PGP
    /// public key block is read as OpenPGP keys, any other as an
    /// allowed_signers file. No key at all is an error: verifying against
    /// nothing would refuse everything for a reason the user cannot see.
    pub fn load(path: &Path) -> Result<TrustedKeys, KeysError> {
        let err = |message: String| KeysError { message };
        let meta = std::fs::metadata(path)
            .map_err(|e| err(format!("cannot read {}: {e}", path.display())))?;
        let files: Vec<PathBuf> = if meta.is_dir() {
            let mut files = Vec::new();
            let entries = std::fs::read_dir(path)
                .map_err(|e| err(format!("cannot list {}: {e}", path.display())))?;
            for entry in entries {
                let entry =
                    entry.map_err(|e| err(format!("cannot list {}: {e}", path.display())))?;
                let hidden = entry.file_name().to_string_lossy().starts_with('.');
                if !hidden && entry.path().is_file() {
                    files.push(entry.path());
                }
            }
            files.sort();
            files
        } else {
            vec![path.to_owned()]
        };
        let mut keys = TrustedKeys::default();
        for file in &files {
            let text = std::fs::read_to_string(file)
                .map_err(|e| err(format!("cannot read {}: {e}", file.display())))?;
            if text.contains(PGP_ARMOR) {
                keys.openpgp.extend(
                    openpgp::parse_keys(&text)
                        .map_err(|e| err(format!("{}: {e}", file.display())))?,
                );
            } else {
                keys.ssh
                    .extend(ssh::parse_allowed_signers(&text, file).map_err(err)?);
            }
        }
        if keys.openpgp.is_empty() && keys.ssh.is_empty() {
            return Err(err(format!(
                "{} holds no key (armored OpenPGP public keys or allowed_signers lines)",
                path.display()
            )));
        }
        Ok(keys)
    }
}

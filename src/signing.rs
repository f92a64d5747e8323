//! Signing the commits gitsync writes (`promote --signing-key`), so that a
//! target verifying signatures (`--verify-signatures head`) accepts them.
//! What git makes, in-process: an SSH signature (sshsig, namespace `git`,
//! SHA-512, as `git -c gpg.format=ssh commit -S`) or an OpenPGP detached
//! armored signature, over the commit object without its `gpgsig`
//! header. The key is a file the operator names on the command line
//! (never one the repository names): an OpenSSH private key or an armored
//! OpenPGP secret key, neither protected by a passphrase (gitsync runs
//! unattended).

use std::path::{Path, PathBuf};

use pgp::composed::{Deserializable, DetachedSignature, SignedSecretKey};
use pgp::types::{KeyDetails, Password, SigningKey as _};

#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("reading signing key {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("signing key {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("signing with {key}: {message}")]
    Sign { key: String, message: String },
}

/// A key to sign commits with.
pub enum SigningKey {
    Ssh(Box<ssh_key::PrivateKey>),
    OpenPgp(Box<SignedSecretKey>),
}

impl SigningKey {
    /// Reads an OpenSSH private key or an armored OpenPGP secret key.
    pub fn load(path: &Path) -> Result<SigningKey, SigningError> {
        let text = std::fs::read_to_string(path).map_err(|source| SigningError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let invalid = |message: String| SigningError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let head = text.trim_start();
        if head.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----") {
            let key = ssh_key::PrivateKey::from_openssh(&text)
                .map_err(|e| invalid(format!("not a valid OpenSSH private key: {e}")))?;
            if key.is_encrypted() {
                return Err(invalid(
                    "is protected by a passphrase; gitsync signs unattended: give it a key without one".into(),
                ));
            }
            Ok(SigningKey::Ssh(Box::new(key)))
        } else if head.starts_with("-----BEGIN PGP PRIVATE KEY BLOCK-----") {
            let (key, _) = SignedSecretKey::from_string(&text)
                .map_err(|e| invalid(format!("not a valid OpenPGP secret key: {e}")))?;
            if key.primary_key.secret_params().is_encrypted() {
                return Err(invalid(
                    "is protected by a passphrase; gitsync signs unattended: give it a key without one".into(),
                ));
            }
            Ok(SigningKey::OpenPgp(Box::new(key)))
        } else {
            Err(invalid(
                "is neither an OpenSSH private key nor an armored OpenPGP secret key".into(),
            ))
        }
    }

    /// `ssh SHA256:…` or `openpgp <fingerprint>`, for messages.
    pub fn describe(&self) -> String {
        match self {
            SigningKey::Ssh(k) => format!(
                "ssh {}",
                k.public_key().fingerprint(ssh_key::HashAlg::Sha256)
            ),
            SigningKey::OpenPgp(k) => format!("openpgp {}", k.fingerprint()),
        }
    }

    /// The armored signature of `payload`, as a commit's `gpgsig` holds it.
    pub fn sign(&self, payload: &[u8]) -> Result<String, SigningError> {
        let fail = |message: String| SigningError::Sign {
            key: self.describe(),
            message,
        };
        match self {
            SigningKey::Ssh(k) => k
                .sign("git", ssh_key::HashAlg::Sha512, payload)
                .and_then(|sig| sig.to_pem(ssh_key::LineEnding::LF))
                .map_err(|e| fail(e.to_string())),
            SigningKey::OpenPgp(k) => {
                let signature = DetachedSignature::sign_binary_data(
                    rand::thread_rng(),
                    &k.primary_key,
                    &Password::empty(),
                    k.primary_key.hash_alg(),
                    payload,
                )
                .map_err(|e| fail(e.to_string()))?;
                signature
                    .to_armored_string(Default::default())
                    .map_err(|e| fail(e.to_string()))
            }
        }
    }
}

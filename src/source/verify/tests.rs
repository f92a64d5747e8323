//! Verification with keys made here: allowed_signers parsing, SSH and
//! OpenPGP signatures over a payload. Whole commits and tags are covered by
//! the integration tests (real git, ssh-keygen and gpg).

use std::path::Path;

use pgp::composed::{
    ArmorOptions, DetachedSignature, KeyType, SecretKeyParamsBuilder, SignedSecretKey,
    SubkeyParamsBuilder,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::types::{KeyDetails, Password};
use ssh_key::rand_core::OsRng;
use ssh_key::{Algorithm, EcdsaCurve, HashAlg, LineEnding, PrivateKey};

use super::ssh::{parse_allowed_signers, principal_matches};
use super::{Rejection, TrustedKeys, verify};

const NOW: i64 = 1_790_000_000; // 2026-09-21
const PAYLOAD: &[u8] =
    b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@example.com> 1 +0000\n\nmsg\n";

fn allowed(text: &str) -> TrustedKeys {
    TrustedKeys {
        openpgp: Vec::new(),
        ssh: parse_allowed_signers(text, Path::new("allowed_signers")).unwrap(),
    }
}

fn ssh_key(alg: Algorithm) -> PrivateKey {
    PrivateKey::random(&mut OsRng, alg).unwrap()
}

fn public(key: &PrivateKey) -> String {
    key.public_key().to_openssh().unwrap()
}

fn ssh_sign(key: &PrivateKey, namespace: &str, payload: &[u8]) -> Vec<u8> {
    key.sign(namespace, HashAlg::Sha512, payload)
        .unwrap()
        .to_pem(LineEnding::LF)
        .unwrap()
        .into_bytes()
}

fn check(keys: &TrustedKeys, sig: &[u8], email: &str) -> Result<String, Rejection> {
    verify(keys, PAYLOAD, sig, email, NOW, NOW)
}

#[test]
fn allowed_signers_lines_are_parsed() {
    let key = ssh_key(Algorithm::Ed25519);
    let text = format!(
        "# team\n\nalice@example.com,bob@example.com {k}\n*@example.com namespaces=\"git,file\",valid-after=\"20260101\",valid-before=\"20270101120000Z\" {k} comment\n",
        k = public(&key)
    );
    let lines = parse_allowed_signers(&text, Path::new("signers")).unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0].principals,
        ["alice@example.com", "bob@example.com"]
    );
    assert_eq!(lines[0].namespaces, None);
    assert_eq!(lines[0].at, "signers:3");
    assert_eq!(
        lines[1].namespaces.as_deref(),
        Some(&["git".to_string(), "file".to_string()][..])
    );
    assert_eq!(lines[1].valid_after, Some(1_767_225_600)); // 2026-01-01T00:00:00Z
    assert_eq!(lines[1].valid_before, Some(1_798_804_800)); // 2027-01-01T12:00:00Z
}

#[test]
fn unusable_allowed_signers_lines_name_file_line_and_why() {
    let k = public(&ssh_key(Algorithm::Ed25519));
    for (text, why) in [
        (format!("a@b cert-authority {k}"), "cert-authority"),
        (format!("a@b valid-before=\"2026\" {k}"), "YYYYMMDD"),
        (
            format!("a@b no-touch-required {k}"),
            "unknown or incomplete option",
        ),
        (
            "a@b ssh-ed25519 AAAAnotbase64".to_string(),
            "cannot read the public key",
        ),
        ("a@b".to_string(), "no key"),
    ] {
        let err = parse_allowed_signers(&format!("# x\n{text}\n"), Path::new("keys/allowed"))
            .unwrap_err();
        assert!(err.starts_with("keys/allowed:2: "), "{err}");
        assert!(err.contains(why), "{err} should say {why}");
    }
}

#[test]
fn principals_match_like_openssh_patterns() {
    let p = |s: &str| s.split(',').map(str::to_owned).collect::<Vec<_>>();
    assert!(principal_matches(&p("*@example.com"), "alice@example.com"));
    assert!(!principal_matches(
        &p("*@example.com"),
        "alice@example.com.evil"
    ));
    assert!(principal_matches(
        &p("a?ice@example.com"),
        "alice@example.com"
    ));
    assert!(!principal_matches(
        &p("*@example.com,!mallory@example.com"),
        "mallory@example.com"
    ));
    assert!(principal_matches(
        &p("bob@x,alice@example.com"),
        "alice@example.com"
    ));
    assert!(!principal_matches(
        &p("alice@example.com"),
        "bob@example.com"
    ));
}

#[test]
fn trusted_ssh_keys_verify_and_name_the_signer() {
    for alg in [
        Algorithm::Ed25519,
        Algorithm::Ecdsa {
            curve: EcdsaCurve::NistP256,
        },
        Algorithm::Ecdsa {
            curve: EcdsaCurve::NistP384,
        },
    ] {
        let key = ssh_key(alg.clone());
        let keys = allowed(&format!("*@example.com {}", public(&key)));
        let fp = key.public_key().fingerprint(HashAlg::Sha256).to_string();
        let signer = check(&keys, &ssh_sign(&key, "git", PAYLOAD), "alice@example.com");
        assert_eq!(signer, Ok(format!("ssh:alice@example.com {fp}")), "{alg:?}");
    }
}

#[test]
fn ssh_signatures_that_do_not_count_say_why() {
    let key = ssh_key(Algorithm::Ed25519);
    let fp = format!("ssh:{}", key.public_key().fingerprint(HashAlg::Sha256));
    let keys = allowed(&format!("alice@example.com {}", public(&key)));
    let good = ssh_sign(&key, "git", PAYLOAD);

    let stranger = ssh_key(Algorithm::Ed25519);
    let other_fp = format!("ssh:{}", stranger.public_key().fingerprint(HashAlg::Sha256));
    assert_eq!(
        check(
            &keys,
            &ssh_sign(&stranger, "git", PAYLOAD),
            "alice@example.com"
        ),
        Err(Rejection::UntrustedKey { key: other_fp })
    );
    assert_eq!(
        verify(&keys, b"tampered", &good, "alice@example.com", NOW, NOW),
        Err(Rejection::BadSignature { key: fp.clone() })
    );
    assert_eq!(
        check(&keys, &ssh_sign(&key, "file", PAYLOAD), "alice@example.com"),
        Err(Rejection::WrongNamespace {
            key: fp.clone(),
            namespace: "file".into()
        })
    );
    assert!(matches!(
        check(&keys, &good, "bob@example.com"),
        Err(Rejection::PrincipalMismatch { ref email, .. }) if email == "bob@example.com"
    ));
    let only_files = allowed(&format!(
        "alice@example.com namespaces=\"file\" {}",
        public(&key)
    ));
    assert!(matches!(
        check(&only_files, &good, "alice@example.com"),
        Err(Rejection::NamespaceNotAllowed { .. })
    ));
    let expired = allowed(&format!(
        "alice@example.com valid-before=\"20260101\" {}",
        public(&key)
    ));
    let err = check(&expired, &good, "alice@example.com").unwrap_err();
    assert_eq!(
        err,
        Rejection::EntryExpired {
            entry: "alice@example.com (allowed_signers:1)".into(),
            key: fp.clone(),
            until: "2026-01-01T00:00:00Z".into()
        }
    );
    assert!(
        err.to_string().contains("expired at 2026-01-01T00:00:00Z"),
        "{err}"
    );
    let later = allowed(&format!(
        "alice@example.com valid-after=\"20300101\" {}",
        public(&key)
    ));
    assert!(matches!(
        check(&later, &good, "alice@example.com"),
        Err(Rejection::EntryNotYetValid { .. })
    ));
    // A second line for the same key that does allow it wins.
    let two = allowed(&format!(
        "alice@example.com valid-before=\"20260101\" {k}\nalice@example.com {k}",
        k = public(&key)
    ));
    assert!(check(&two, &good, "alice@example.com").is_ok());
    assert!(matches!(
        check(
            &keys,
            b"-----BEGIN SSH SIGNATURE-----\nnope\n-----END SSH SIGNATURE-----\n",
            "alice@example.com"
        ),
        Err(Rejection::Malformed { .. })
    ));
}

fn pgp_key(uid: &str) -> SignedSecretKey {
    SecretKeyParamsBuilder::default()
        .key_type(KeyType::Ed25519)
        .can_certify(true)
        .can_sign(true)
        .primary_user_id(uid.into())
        .subkey(
            SubkeyParamsBuilder::default()
                .key_type(KeyType::Ed25519)
                .can_sign(true)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
        .generate(OsRng)
        .unwrap()
}

fn pgp_keys(keys: &[&SignedSecretKey]) -> TrustedKeys {
    // Through the armored form, as a user would hand them over.
    let armored: String = keys
        .iter()
        .map(|k| {
            k.to_public_key()
                .to_armored_string(ArmorOptions::default())
                .unwrap()
        })
        .collect();
    TrustedKeys {
        openpgp: super::openpgp::parse_keys(&armored).unwrap(),
        ssh: Vec::new(),
    }
}

fn pgp_sign(key: &impl pgp::types::SigningKey, payload: &[u8]) -> Vec<u8> {
    DetachedSignature::sign_binary_data(
        OsRng,
        key,
        &Password::empty(),
        HashAlgorithm::Sha256,
        payload,
    )
    .unwrap()
    .to_armored_bytes(ArmorOptions::default())
    .unwrap()
}

#[test]
fn openpgp_signatures_by_a_primary_key_or_its_signing_subkey_verify() {
    let key = pgp_key("Alice <alice@example.com>");
    let other = pgp_key("Mallory <m@example.com>");
    let keys = pgp_keys(&[&other, &key]);
    let primary_fp = format!("openpgp:{:X}", key.primary_key.fingerprint());
    let sub_fp = format!("openpgp:{:X}", key.secret_subkeys[0].key.fingerprint());
    assert_eq!(
        check(&keys, &pgp_sign(&key.primary_key, PAYLOAD), ""),
        Ok(primary_fp.clone())
    );
    assert_eq!(
        check(&keys, &pgp_sign(&key.secret_subkeys[0].key, PAYLOAD), ""),
        Ok(sub_fp.clone())
    );
    assert_eq!(
        verify(
            &keys,
            b"tampered",
            &pgp_sign(&key.secret_subkeys[0].key, PAYLOAD),
            "",
            NOW,
            NOW
        ),
        Err(Rejection::BadSignature { key: sub_fp })
    );
}

#[test]
fn openpgp_signatures_by_unknown_keys_are_untrusted() {
    let key = pgp_key("Alice <alice@example.com>");
    let stranger = pgp_key("Mallory <m@example.com>");
    let keys = pgp_keys(&[&key]);
    let err = check(&keys, &pgp_sign(&stranger.primary_key, PAYLOAD), "").unwrap_err();
    assert_eq!(
        err,
        Rejection::UntrustedKey {
            key: format!("openpgp:{:X}", stranger.primary_key.fingerprint())
        }
    );
    // An SSH-only key set knows no OpenPGP key either.
    let ssh_only = allowed(&format!("* {}", public(&ssh_key(Algorithm::Ed25519))));
    assert!(matches!(
        check(&ssh_only, &pgp_sign(&key.primary_key, PAYLOAD), ""),
        Err(Rejection::UntrustedKey { .. })
    ));
}

#[test]
fn a_trusted_keys_directory_reads_both_kinds_and_refuses_an_empty_one() {
    let dir = tempfile::tempdir().unwrap();
    let empty = TrustedKeys::load(dir.path()).unwrap_err();
    assert!(empty.to_string().contains("holds no key"), "{empty}");
    let pgp = pgp_key("Alice <alice@example.com>");
    std::fs::write(
        dir.path().join("alice.asc"),
        pgp.to_public_key()
            .to_armored_string(ArmorOptions::default())
            .unwrap(),
    )
    .unwrap();
    let ssh = ssh_key(Algorithm::Ed25519);
    std::fs::write(
        dir.path().join("allowed_signers"),
        format!("* {}\n", public(&ssh)),
    )
    .unwrap();
    std::fs::write(dir.path().join(".hidden"), "not a key").unwrap();
    let keys = TrustedKeys::load(dir.path()).unwrap();
    assert_eq!((keys.openpgp.len(), keys.ssh.len()), (1, 1));
    std::fs::write(dir.path().join("README"), "these are our keys\n").unwrap();
    let err = TrustedKeys::load(dir.path()).unwrap_err().to_string();
    assert!(err.contains("README:1"), "{err}");
}

#[test]
fn modes_combine_to_the_stricter() {
    use crate::settings::VerifyMode::{self, *};
    assert_eq!(VerifyMode::stricter(None, None), None);
    assert_eq!(VerifyMode::stricter(Some(Head), None), Some(Head));
    assert_eq!(VerifyMode::stricter(None, Some(Tag)), Some(Tag));
    assert_eq!(
        VerifyMode::stricter(Some(Head), Some(Tag)),
        Some(TagAndHead)
    );
    assert_eq!(
        VerifyMode::stricter(Some(TagAndHead), Some(Head)),
        Some(TagAndHead)
    );
}

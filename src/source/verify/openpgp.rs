//! OpenPGP signatures (what `git commit -S` makes with gpg), checked with
//! rPGP against the trusted public keys.
//!
//! A signature counts when its issuer is a trusted primary key, or a
//! subkey bound to one for signing (binding and back-signature both
//! valid), and neither that key nor its primary is revoked or expired now.

use std::io::Cursor;

use pgp::composed::{Deserializable, DetachedSignature, SignedPublicKey, SignedPublicSubKey};
use pgp::packet::{Signature, SignatureType};
use pgp::types::{KeyDetails, Timestamp};

use super::Rejection;

const ARMOR: &str = "-----BEGIN PGP PUBLIC KEY BLOCK-----";

/// Every key of every armored block in `text`.
pub(crate) fn parse_keys(text: &str) -> Result<Vec<SignedPublicKey>, String> {
    let mut keys = Vec::new();
    // Files made by `cat a.asc b.asc` hold several armored blocks.
    for (i, _) in text.match_indices(ARMOR) {
        let block = &text[i..];
        let (parsed, _) = SignedPublicKey::from_armor_many(Cursor::new(block.as_bytes()))
            .map_err(|e| format!("cannot read an OpenPGP public key block: {e}"))?;
        for key in parsed {
            keys.push(key.map_err(|e| format!("cannot read an OpenPGP public key: {e}"))?);
        }
    }
    Ok(keys)
}

/// `openpgp:<FINGERPRINT>` of the key that made `armored` over `payload`.
pub(crate) fn verify(
    keys: &[SignedPublicKey],
    payload: &[u8],
    armored: &[u8],
    now: i64,
) -> Result<String, Rejection> {
    let (sig, _) = DetachedSignature::from_armor_single(Cursor::new(armored)).map_err(|e| {
        Rejection::Malformed {
            detail: format!("OpenPGP: {e}"),
        }
    })?;
    let sig = sig.signature;
    let Some((primary, sub)) = keys.iter().find_map(|k| issuer_in(&sig, k)) else {
        return Err(Rejection::UntrustedKey {
            key: issuer_label(&sig),
        });
    };
    let key = match sub {
        Some(sub) => format!("openpgp:{:X}", sub.key.fingerprint()),
        None => format!("openpgp:{:X}", primary.primary_key.fingerprint()),
    };
    let verified = match sub {
        Some(sub) => sig.verify(&sub.key, payload),
        None => sig.verify(&primary.primary_key, payload),
    };
    if verified.is_err() {
        return Err(Rejection::BadSignature { key });
    }
    check_primary(primary, sub.is_none(), now)?;
    if let Some(sub) = sub {
        check_subkey(primary, sub, now)?;
    }
    Ok(key)
}

/// The trusted key (and subkey) that `sig` names as its issuer.
fn issuer_in<'k>(
    sig: &Signature,
    key: &'k SignedPublicKey,
) -> Option<(&'k SignedPublicKey, Option<&'k SignedPublicSubKey>)> {
    let names = |k: &dyn KeyDetails| {
        sig.issuer_fingerprint()
            .iter()
            .any(|fp| **fp == k.fingerprint())
            || sig
                .issuer_key_id()
                .iter()
                .any(|id| **id == k.legacy_key_id())
    };
    if names(&key.primary_key) {
        return Some((key, None));
    }
    key.public_subkeys
        .iter()
        .find(|s| names(&s.key))
        .map(|s| (key, Some(s)))
}

fn issuer_label(sig: &Signature) -> String {
    if let Some(fp) = sig.issuer_fingerprint().first() {
        return format!("openpgp:{fp:X}");
    }
    match sig.issuer_key_id().first() {
        Some(id) => format!("openpgp:key id {}", hex(id.as_ref())),
        None => "an OpenPGP key that the signature does not name".to_owned(),
    }
}

/// Not revoked, not expired, and, when it made the signature itself,
/// allowed to sign (if its self-signature says what it may do at all; a
/// certify-only primary still vouches for its signing subkeys).
fn check_primary(key: &SignedPublicKey, signed: bool, now: i64) -> Result<(), Rejection> {
    let primary = &key.primary_key;
    let label = format!("openpgp:{:X}", primary.fingerprint());
    let revoked = key
        .details
        .revocation_signatures
        .iter()
        .any(|s| s.verify_key(primary).is_ok());
    if revoked {
        return Err(Rejection::KeyRevoked { key: label });
    }
    // The newest valid self-signature says when the key expires.
    let self_sigs = key
        .details
        .users
        .iter()
        .flat_map(|u| {
            u.signatures.iter().filter(|s| {
                s.verify_certification(primary, pgp::types::Tag::UserId, &u.id)
                    .is_ok()
            })
        })
        .chain(
            key.details
                .direct_signatures
                .iter()
                .filter(|s| s.verify_key(primary).is_ok()),
        );
    let Some(newest) = self_sigs.max_by_key(|s| s.created().map(Timestamp::as_secs)) else {
        return Err(Rejection::Malformed {
            detail: format!("{label} has no valid self-signature"),
        });
    };
    expired(&label, primary.created_at(), newest, now)?;
    let flags = newest.key_flags();
    if signed && has_flags(newest) && !flags.sign() {
        return Err(Rejection::NotSigningKey { key: label });
    }
    Ok(())
}

/// Bound to its primary for signing, not revoked, not expired.
fn check_subkey(
    primary: &SignedPublicKey,
    sub: &SignedPublicSubKey,
    now: i64,
) -> Result<(), Rejection> {
    let label = format!("openpgp:{:X}", sub.key.fingerprint());
    let valid = |s: &&Signature| {
        s.verify_subkey_binding(&primary.primary_key, &sub.key)
            .is_ok()
    };
    if sub
        .signatures
        .iter()
        .filter(|s| s.typ() == Some(SignatureType::SubkeyRevocation))
        .any(|s| valid(&s))
    {
        return Err(Rejection::KeyRevoked { key: label });
    }
    let binding = sub
        .signatures
        .iter()
        .filter(|s| s.typ() == Some(SignatureType::SubkeyBinding))
        .filter(valid)
        .max_by_key(|s| s.created().map(Timestamp::as_secs));
    let Some(binding) = binding else {
        return Err(Rejection::NotSigningKey { key: label });
    };
    // A signing subkey must sign back, or anyone could bind someone
    // else's signing key to their own primary.
    let backsig = binding.embedded_signature().is_some_and(|b| {
        b.verify_primary_key_binding(&sub.key, &primary.primary_key)
            .is_ok()
    });
    if !binding.key_flags().sign() || !backsig {
        return Err(Rejection::NotSigningKey { key: label });
    }
    expired(&label, sub.key.created_at(), binding, now)
}

fn has_flags(sig: &Signature) -> bool {
    sig.config().is_some_and(|c| {
        c.hashed_subpackets()
            .any(|p| matches!(p.data, pgp::packet::SubpacketData::KeyFlags(_)))
    })
}

fn expired(label: &str, created: Timestamp, sig: &Signature, now: i64) -> Result<(), Rejection> {
    let Some(valid_for) = sig.key_expiration_time().filter(|d| d.as_secs() != 0) else {
        return Ok(());
    };
    let until = i64::from(created.as_secs()) + i64::from(valid_for.as_secs());
    if now >= until {
        return Err(Rejection::KeyExpired {
            key: label.to_owned(),
            at: super::utc(until),
        });
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

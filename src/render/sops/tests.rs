//! The decryptor against files the real `sops` made (fixtures/sops, with
//! their throwaway test keys).

use std::path::PathBuf;

use serde_json::json;

use super::*;
use crate::render::yaml::parse_documents;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/sops")
        .join(name)
}

fn age_keys() -> Keys {
    Keys::new(KeyConfig {
        age_key_file: Some(fixture("test-age-key.txt")),
        ..Default::default()
    })
}

fn pgp_keys() -> Keys {
    Keys::new(KeyConfig {
        pgp_key_file: Some(fixture("test-pgp-key.asc")),
        ..Default::default()
    })
}

fn no_keys() -> Keys {
    Keys::new(KeyConfig::default())
}

fn decrypt_text(name: &str, text: &str, keys: &Keys) -> (Vec<Document>, Vec<Problem>) {
    let mut docs = parse_documents(name, text).unwrap();
    let mut problems = Vec::new();
    decrypt_documents(&mut docs, &mut problems, keys);
    (docs, problems)
}

fn decrypt(name: &str, keys: &Keys) -> (Vec<Document>, Vec<Problem>) {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    decrypt_text(name, &text, keys)
}

#[test]
fn an_age_secret_decrypts_to_its_cleartext_without_sops_metadata() {
    let (docs, problems) = decrypt("secret.enc.yaml", &age_keys());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        docs[0].object,
        json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "app"},
            "type": "Opaque",
            "stringData": {"password": "hunter2-plaintext", "port": "5432"},
            "data": {"token": "c2VjcmV0LXRva2Vu"},
        })
    );
    assert_eq!(docs[0].origin.encrypted.fields(), ["data", "stringData"]);
}

#[test]
fn typed_values_and_the_unencrypted_suffix_follow_sops() {
    let (docs, problems) = decrypt("cm.enc.yaml", &age_keys());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        docs[0].object,
        json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cfg"},
            "data": {"url": "https://user:pass@example.com", "retries": "3"},
            "list": [1, 2.5, true, {"name_unencrypted": "plain"}],
        })
    );
    // Every field was encrypted; reports show the naming ones anyway.
    assert_eq!(
        docs[0].origin.encrypted.fields(),
        ["apiVersion", "data", "kind", "list", "metadata"]
    );
}

#[test]
fn an_openpgp_secret_decrypts_with_an_armored_secret_key() {
    let (docs, problems) = decrypt("pgp.enc.yaml", &pgp_keys());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        docs[0].object["stringData"]["api_key"],
        "pgp-plaintext-value"
    );
    // The age key does not open it, and says which key would.
    let (docs, problems) = decrypt("pgp.enc.yaml", &age_keys());
    assert!(docs.is_empty());
    let message = problems[0].to_string();
    assert!(
        message.starts_with("pgp.enc.yaml: document 1 (line 1)"),
        "{message}"
    );
    assert!(
        message.contains("pgp 234D3A86FF5862F16F29DFA3FD3868A2C297724C"),
        "{message}"
    );
    assert!(message.contains("tried age key file"), "{message}");
}

#[test]
fn documents_of_one_file_share_one_mac_with_suffix_and_mac_only_encrypted() {
    let (docs, problems) = decrypt("multi.enc.yaml", &age_keys());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0].object["stringData"]["a"], "first-plaintext");
    assert_eq!(docs[1].object["stringData"]["b"], "second-plaintext");
    assert!(docs[1].object.get("sops").is_none());
    // The MAC spans both documents: dropping one breaks it.
    let text = std::fs::read_to_string(fixture("multi.enc.yaml")).unwrap();
    let first = text.split("\n---\n").next().unwrap();
    let (docs, problems) = decrypt_text("multi.enc.yaml", first, &age_keys());
    assert!(docs.is_empty());
    assert!(problems[0].message.contains("MAC mismatch"), "{problems:?}");
}

#[test]
fn a_changed_cleartext_field_breaks_the_mac() {
    // `type` is not encrypted (encrypted_regex), but the MAC covers it.
    let text = std::fs::read_to_string(fixture("secret.enc.yaml")).unwrap();
    let tampered = text.replace("type: Opaque", "type: kubernetes.io/tls");
    let (docs, problems) = decrypt_text("secret.enc.yaml", &tampered, &age_keys());
    assert!(docs.is_empty());
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].message.contains("SOPS MAC mismatch"),
        "{problems:?}"
    );
}

#[test]
fn tampered_ciphertext_and_mac_are_refused_without_printing_values() {
    let text = std::fs::read_to_string(fixture("secret.enc.yaml")).unwrap();
    // Another value's ciphertext moved under `password`: its path (the
    // additional data) no longer matches.
    let doc = &parse_documents("s", &text).unwrap()[0].object;
    let token = doc["data"]["token"].as_str().unwrap();
    let password = doc["stringData"]["password"].as_str().unwrap();
    let moved = text.replace(password, token);
    let (_, problems) = decrypt_text("secret.enc.yaml", &moved, &age_keys());
    let message = problems[0].to_string();
    assert!(
        message.contains("SOPS value at stringData.password cannot be decrypted"),
        "{message}"
    );
    assert!(message.contains("tampered"), "{message}");
    // The stored MAC itself changed.
    let mac = doc["sops"]["mac"].as_str().unwrap();
    let bad_mac = text.replace(mac, &mac.replacen("data:", "data:AA", 1));
    let (_, problems) = decrypt_text("secret.enc.yaml", &bad_mac, &age_keys());
    assert!(problems[0].message.contains("SOPS MAC mismatch"));
    for p in &problems {
        assert!(!p.message.contains("hunter2"), "{p}");
    }
}

#[test]
fn no_key_names_the_recipients_and_where_keys_are_looked_for() {
    let (docs, problems) = decrypt("secret.enc.yaml", &no_keys());
    assert!(docs.is_empty());
    let message = &problems[0].message;
    assert!(
        message.contains("no key given opens it; it opens with age age1xp2p959283ulfraz2n63t5kzp6lljlk44kvhpmt8y6qsp2f2epaqmcxhrz"),
        "{message}"
    );
    assert!(message.contains("SOPS_AGE_KEY_FILE"), "{message}");
    assert!(message.contains("no key was found"), "{message}");
}

#[test]
fn kms_only_files_are_refused_plainly() {
    let text = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: x}\nsops:\n  \
                kms:\n    - arn: arn:aws:kms:eu-west-1:1:key/k\n      enc: x\n  \
                gcp_kms:\n    - resource_id: projects/p/keys/k\n      enc: y\n  \
                lastmodified: '2024-01-01T00:00:00Z'\n  mac: ENC[x]\n";
    let (docs, problems) = decrypt_text("kms.yaml", text, &age_keys());
    assert!(docs.is_empty());
    assert_eq!(
        problems[0].to_string(),
        "kms.yaml: document 1 (line 1): encrypted with SOPS only for aws kms \
         arn:aws:kms:eu-west-1:1:key/k, gcp_kms projects/p/keys/k, which gitsync does \
         not support yet; add an age or OpenPGP recipient (sops updatekeys)"
    );
}

#[test]
fn plain_documents_pass_untouched_and_keys_are_not_read() {
    // A key file that does not exist is never opened without SOPS files.
    let keys = Keys::new(KeyConfig {
        age_key_file: Some("/nonexistent/keys.txt".into()),
        ..Default::default()
    });
    let (docs, problems) = decrypt_text(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
        &keys,
    );
    assert!(problems.is_empty());
    assert!(docs[0].origin.encrypted.is_empty());
    // With a SOPS file, the missing key file is the problem named.
    let (_, problems) = decrypt("secret.enc.yaml", &keys);
    assert!(
        problems[0]
            .message
            .contains("reading the SOPS key file /nonexistent/keys.txt"),
        "{problems:?}"
    );
}

#[test]
fn rules_follow_sops_precedence() {
    let rules = Rules {
        unencrypted_suffix: Some("_unencrypted".into()),
        ..Default::default()
    };
    let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(rules.encrypts(&path(&["data", "a"])));
    assert!(!rules.encrypts(&path(&["x_unencrypted", "a"])));
    let rules = Rules {
        encrypted_regex: Some(regex::Regex::new("^(data|stringData)$").unwrap()),
        ..Default::default()
    };
    assert!(rules.encrypts(&path(&["data", "a"])));
    assert!(!rules.encrypts(&path(&["metadata", "name"])));
    // Unanchored like Go's regexp.Match.
    let rules = Rules {
        unencrypted_regex: Some(regex::Regex::new("name").unwrap()),
        ..Default::default()
    };
    assert!(!rules.encrypts(&path(&["metadata", "username"])));
}

#[test]
fn values_round_trip_with_their_types() {
    let key = [3u8; 32];
    for (plain, kind, want) in [
        ("s3cret", "str", json!("s3cret")),
        ("42", "int", json!(42)),
        ("2.5", "float", json!(2.5)),
        ("True", "bool", json!(true)),
        ("False", "bool", json!(false)),
    ] {
        let enc = values::encrypt_value(plain, kind, &key, "a:b:");
        assert_eq!(values::decrypt_value(&enc, &key, "a:b:").unwrap(), want);
        // Another path is another value.
        assert!(values::decrypt_value(&enc, &key, "a:c:").is_err());
    }
    assert!(values::decrypt_value("ENC[AES256_GCM,data:!!]", &key, "a:").is_err());
}

#[test]
fn helm_output_holding_a_decrypted_value_is_marked() {
    let (docs, _) = decrypt("secret.enc.yaml", &age_keys());
    let mut secrets = Vec::new();
    revealed_strings(&docs[0], &mut secrets);
    let mut rendered = parse_documents(
        "chart (helm template)",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n\
         data: {dsn: 'postgres://app:hunter2-plaintext@db'}\nspec: {a: 1}\n",
    )
    .unwrap();
    mark_revealing(&mut rendered[0], &secrets);
    assert_eq!(rendered[0].origin.encrypted.fields(), ["data"]);
}

#[test]
fn without_decryption_values_are_placeholders_of_their_type_and_no_key_is_read() {
    let keys = Keys::without_decryption();
    let (docs, problems) = decrypt("secret.enc.yaml", &keys);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        docs[0].object,
        json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "app"},
            "type": "Opaque",
            "stringData": {"password": PLACEHOLDER, "port": PLACEHOLDER},
            "data": {"token": PLACEHOLDER},
        })
    );
    assert_eq!(docs[0].origin.encrypted.fields(), ["data", "stringData"]);
    let (docs, problems) = decrypt("cm.enc.yaml", &keys);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        docs[0].object["list"],
        json!([0, 0.0, false, {"name_unencrypted": "plain"}])
    );
    let mut found = Vec::new();
    cleartexts(&docs[0], &mut found);
    assert!(
        !found.iter().any(|c| c.contains("pass@")),
        "nothing decrypted"
    );
}

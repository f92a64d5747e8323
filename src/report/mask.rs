//! Secret masking. A Secret's values must never reach output, yet a reader
//! has to see which values changed: each value becomes a salted hash, equal
//! within one run and meaningless outside it.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

use k8s_openapi::ByteString;
use serde::Deserialize;
use serde_json::Value;

use crate::desired::ObjectId;

/// Holds the whole Secret, values included, in plain JSON.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Replaces Secret values by masks. Create one per run and share it: masks
/// from two maskers never compare equal.
#[derive(Debug, Clone)]
pub struct Masker {
    /// Random keys, so a mask cannot be brute-forced back to a short value
    /// by anyone who does not hold this process's memory.
    state: RandomState,
}

impl Default for Masker {
    fn default() -> Self {
        Self::new()
    }
}

impl Masker {
    pub fn new() -> Self {
        Masker {
            state: RandomState::new(),
        }
    }

    /// `obj` with every `data` and `stringData` value (and the
    /// last-applied annotation) masked if it is a `v1` Secret; any other
    /// object unchanged.
    pub fn mask(&self, obj: &Value) -> Value {
        if is_secret(obj) {
            self.mask_secret(obj)
        } else {
            obj.clone()
        }
    }

    /// Like [`Masker::mask`], but also treats `obj` as a Secret when `id`
    /// says it is one: live objects read from a LIST may lack `kind` and
    /// `apiVersion`, and that must not let values through.
    pub(crate) fn mask_for(&self, id: &ObjectId, obj: &Value) -> Value {
        if is_secret_id(id) || is_secret(obj) {
            self.mask_secret(obj)
        } else {
            obj.clone()
        }
    }

    /// Like [`Masker::mask_for`], and also masks every value of the
    /// top-level fields `encrypted` names (those a SOPS file encrypted),
    /// whatever the kind; the fields that name the object stay readable.
    pub(crate) fn mask_decrypted(&self, id: &ObjectId, encrypted: &[String], obj: &Value) -> Value {
        let mut out = self.mask_for(id, obj);
        if let Value::Object(map) = &mut out {
            for field in encrypted {
                if crate::render::sops::NAMING_FIELDS.contains(&field.as_str()) {
                    continue;
                }
                if let Some(v) = map.get_mut(field) {
                    self.mask_leaves(v);
                }
            }
        }
        out
    }

    /// A change's side, masked as its origin asks (SOPS fields) and as
    /// every Secret is.
    pub(crate) fn mask_change(&self, change: &crate::plan::Change, obj: &Value) -> Value {
        let encrypted = change
            .origin
            .as_ref()
            .map_or(&[][..], |o| o.encrypted.fields());
        self.mask_decrypted(&change.id, encrypted, obj)
    }

    fn mask_leaves(&self, v: &mut Value) {
        match v {
            Value::Object(map) => map.values_mut().for_each(|c| self.mask_leaves(c)),
            Value::Array(items) => items.iter_mut().for_each(|c| self.mask_leaves(c)),
            Value::Null => {}
            Value::String(s) => *v = Value::String(self.mask_bytes(s.as_bytes())),
            other => *other = Value::String(self.mask_bytes(other.to_string().as_bytes())),
        }
    }

    fn mask_secret(&self, obj: &Value) -> Value {
        let Value::Object(src) = obj else {
            // Not an object: nothing is known to be safe to show.
            return Value::String(self.mask_bytes(obj.to_string().as_bytes()));
        };
        let mut map = src.clone();
        if let Some(data) = map.get_mut("data") {
            self.mask_values(data, |v| match v {
                // Decoded, so that `data.x: aGk=` and `stringData.x: hi`
                // (the same value) get the same mask.
                Value::String(s) => match ByteString::deserialize(v) {
                    Ok(ByteString(bytes)) => bytes,
                    Err(_) => s.as_bytes().to_vec(),
                },
                other => other.to_string().into_bytes(),
            });
        }
        if let Some(data) = map.get_mut("stringData") {
            self.mask_values(data, |v| match v {
                Value::String(s) => s.as_bytes().to_vec(),
                other => other.to_string().into_bytes(),
            });
        }
        if let Some(Value::Object(meta)) = map.get_mut("metadata")
            && let Some(Value::Object(annotations)) = meta.get_mut("annotations")
            && let Some(v) = annotations.get_mut(LAST_APPLIED)
        {
            let bytes = match &*v {
                Value::String(s) => s.as_bytes().to_vec(),
                other => other.to_string().into_bytes(),
            };
            *v = Value::String(self.mask_bytes(&bytes));
        }
        Value::Object(map)
    }

    /// Masks each value of a map in place, keys kept; anything else under
    /// the field is masked whole.
    fn mask_values(&self, field: &mut Value, bytes_of: impl Fn(&Value) -> Vec<u8>) {
        match field {
            Value::Object(values) => {
                for v in values.values_mut() {
                    *v = Value::String(self.mask_bytes(&bytes_of(v)));
                }
            }
            Value::Null => {}
            other => *other = Value::String(self.mask_bytes(other.to_string().as_bytes())),
        }
    }

    fn mask_bytes(&self, bytes: &[u8]) -> String {
        // 48 bits: short to read, and a collision (which would hide a
        // change) is out of reach for the handful of values in one run.
        let hash = self.state.hash_one(bytes) >> 16;
        format!("<secret hash:{hash:012x}>")
    }
}

fn is_secret(obj: &Value) -> bool {
    obj.get("apiVersion").and_then(Value::as_str) == Some("v1")
        && obj.get("kind").and_then(Value::as_str) == Some("Secret")
}

fn is_secret_id(id: &ObjectId) -> bool {
    id.group.is_empty() && id.kind == "Secret"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn secret(data: Value, string_data: Value) -> Value {
        json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s", "namespace": "n"},
            "data": data,
            "stringData": string_data,
        })
    }

    #[test]
    fn equal_values_equal_masks_different_values_different_masks() {
        let m = Masker::new();
        let out = m.mask(&secret(
            json!({"a": "aGk=", "b": "aGk=", "c": "aG8="}),
            json!({}),
        ));
        let data = &out["data"];
        assert_eq!(data["a"], data["b"]);
        assert_ne!(data["a"], data["c"]);
        let mask = data["a"].as_str().unwrap();
        assert!(
            mask.starts_with("<secret hash:") && mask.ends_with('>'),
            "{mask}"
        );
        // The same masker masks the same way on the next object too.
        let again = m.mask(&secret(json!({"z": "aGk="}), json!({})));
        assert_eq!(again["data"]["z"], data["a"]);
    }

    #[test]
    fn keys_kept_and_values_gone() {
        let m = Masker::new();
        let out = m.mask(&secret(
            json!({"password": "aHVudGVyMg=="}),
            json!({"token": "t0p"}),
        ));
        assert_eq!(
            out["data"].as_object().unwrap().keys().collect::<Vec<_>>(),
            ["password"]
        );
        assert_eq!(
            out["stringData"]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["token"]
        );
        let text = out.to_string();
        assert!(
            !text.contains("aHVudGVyMg==") && !text.contains("hunter2") && !text.contains("t0p")
        );
        assert_eq!(out["metadata"], json!({"name": "s", "namespace": "n"}));
    }

    #[test]
    fn string_data_masks_like_the_equal_data_value() {
        let m = Masker::new();
        let out = m.mask(&secret(
            json!({"x": "aGk="}),
            json!({"x": "hi", "y": "aGk="}),
        ));
        assert_eq!(out["data"]["x"], out["stringData"]["x"]);
        // The base64 text itself, given as stringData, is another value.
        assert_ne!(out["data"]["x"], out["stringData"]["y"]);
    }

    #[test]
    fn last_applied_annotation_masked() {
        let m = Masker::new();
        let mut s = secret(json!({"x": "aGk="}), Value::Null);
        s["metadata"]["annotations"] = json!({
            LAST_APPLIED: r#"{"apiVersion":"v1","data":{"x":"aGk="},"kind":"Secret"}"#,
            "team": "shop",
        });
        let out = m.mask(&s);
        let annotations = &out["metadata"]["annotations"];
        assert!(
            annotations[LAST_APPLIED]
                .as_str()
                .unwrap()
                .starts_with("<secret hash:")
        );
        assert_eq!(annotations["team"], "shop");
        assert!(!out.to_string().contains("aGk="));
        assert_eq!(out["stringData"], Value::Null);
    }

    #[test]
    fn other_objects_untouched() {
        let m = Masker::new();
        let cm = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "annotations": {LAST_APPLIED: "{}"}},
            "data": {"x": "aGk="},
        });
        assert_eq!(m.mask(&cm), cm);
        // A Secret-like kind of another group is not a Secret either.
        let other = json!({"apiVersion": "example.com/v1", "kind": "Secret", "data": {"x": "y"}});
        assert_eq!(m.mask(&other), other);
    }

    #[test]
    fn identity_makes_a_secret_without_kind_masked() {
        let m = Masker::new();
        let id = ObjectId {
            group: String::new(),
            kind: "Secret".into(),
            namespace: Some("n".into()),
            name: "s".into(),
        };
        let live = json!({"metadata": {"name": "s"}, "data": {"x": "aGk="}});
        assert!(!m.mask_for(&id, &live).to_string().contains("aGk="));
        assert_eq!(m.mask(&live), live);
    }

    #[test]
    fn non_map_values_masked_whole() {
        let m = Masker::new();
        let out = m.mask(&secret(json!("aGk="), json!(["hi"])));
        assert!(out["data"].as_str().unwrap().starts_with("<secret hash:"));
        assert!(
            out["stringData"]
                .as_str()
                .unwrap()
                .starts_with("<secret hash:")
        );
    }
}

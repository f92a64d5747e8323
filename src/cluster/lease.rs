//! Leader election with a coordination.k8s.io Lease, so that two `watch`
//! replicas never act at once. The API server's optimistic concurrency
//! (resourceVersion) decides races: whoever's update lands holds the lease.

use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::Client;
use kube::api::{Api, PostParams};

/// How long a lease holds without renewal; renewals come every third of it.
pub const LEASE_DURATION: Duration = Duration::from_secs(15);

/// The Lease a target's writers coordinate on: named after its ApplySet.
pub fn lease_name(applyset_name: &str) -> String {
    let name = match applyset_name.strip_prefix("gitsync-") {
        Some(_) => applyset_name.to_string(),
        None => format!("gitsync-{applyset_name}"),
    };
    name[..name.len().min(253)].to_string()
}

/// The Lease every writer of one ApplySet holds while it writes (CLI
/// `sync`, and `watch` while it syncs or heals), apart from the watch
/// leader's own Lease.
pub fn write_lock_name(applyset_name: &str) -> String {
    let name = format!("{}-write", lease_name(applyset_name));
    name[..name.len().min(253)].to_string()
}

pub struct Elector {
    api: Api<Lease>,
    name: String,
    identity: String,
}

/// This process as a Lease holder: host name and process id.
pub fn replica_identity() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "gitsync".into());
    format!("{host}-{}", std::process::id())
}

/// Nobody renewed the Lease within its duration (or it never had a
/// renewal).
fn expired(spec: &LeaseSpec, now: Timestamp) -> bool {
    spec.renew_time.as_ref().is_none_or(|t| {
        let d = spec
            .lease_duration_seconds
            .unwrap_or(LEASE_DURATION.as_secs() as i32);
        t.0.saturating_add(SignedDuration::from_secs(i64::from(d)))
            .is_ok_and(|end| end < now)
    })
}

impl Elector {
    pub fn new(client: Client, namespace: &str, name: &str) -> Elector {
        Elector {
            api: Api::namespaced(client, namespace),
            name: name.to_string(),
            identity: replica_identity(),
        }
    }

    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// Takes or renews the lease; `Ok(false)` while another live holder
    /// has it.
    pub async fn acquire_or_renew(&self) -> Result<bool, kube::Error> {
        self.acquire_or_renew_if(true).await
    }

    /// Renews the lease if this process holds it; takes it when it is free
    /// only if `may_take` (a replica with its share of targets leaves free
    /// ones to the others).
    pub async fn acquire_or_renew_if(&self, may_take: bool) -> Result<bool, kube::Error> {
        let now = Timestamp::now();
        let duration_secs = LEASE_DURATION.as_secs() as i32;
        match self.api.get_opt(&self.name).await? {
            None if !may_take => Ok(false),
            None => {
                let lease = Lease {
                    metadata: ObjectMeta {
                        name: Some(self.name.clone()),
                        ..Default::default()
                    },
                    spec: Some(LeaseSpec {
                        holder_identity: Some(self.identity.clone()),
                        lease_duration_seconds: Some(duration_secs),
                        acquire_time: Some(MicroTime(now)),
                        renew_time: Some(MicroTime(now)),
                        lease_transitions: Some(0),
                        ..Default::default()
                    }),
                };
                match self.api.create(&PostParams::default(), &lease).await {
                    Ok(_) => Ok(true),
                    Err(kube::Error::Api(s)) if s.code == 409 => Ok(false),
                    Err(e) => Err(e),
                }
            }
            Some(mut lease) => {
                let spec = lease.spec.get_or_insert_with(Default::default);
                let ours = spec.holder_identity.as_deref() == Some(self.identity.as_str());
                let free = spec.holder_identity.as_deref().is_none_or(str::is_empty);
                if !ours && !(may_take && (free || expired(spec, now))) {
                    return Ok(false);
                }
                if !ours {
                    spec.acquire_time = Some(MicroTime(now));
                    spec.lease_transitions = Some(spec.lease_transitions.unwrap_or(0) + 1);
                    spec.holder_identity = Some(self.identity.clone());
                }
                spec.lease_duration_seconds = Some(duration_secs);
                spec.renew_time = Some(MicroTime(now));
                // replace carries the resourceVersion we read: if someone
                // else wrote in between, this fails with 409 and they win.
                match self
                    .api
                    .replace(&self.name, &PostParams::default(), &lease)
                    .await
                {
                    Ok(_) => Ok(true),
                    Err(kube::Error::Api(s)) if s.code == 409 => Ok(false),
                    Err(e) => Err(e),
                }
            }
        }
    }

    /// Who holds the lease now, if anyone.
    pub async fn holder(&self) -> Option<String> {
        let lease = self.api.get_opt(&self.name).await.ok()??;
        lease.spec?.holder_identity.filter(|h| !h.is_empty())
    }

    /// Gives the lease up on shutdown, so another replica takes over now
    /// rather than after the lease expires.
    pub async fn release(&self) {
        if let Ok(Some(mut lease)) = self.api.get_opt(&self.name).await
            && let Some(spec) = lease.spec.as_mut()
            && spec.holder_identity.as_deref() == Some(self.identity.as_str())
        {
            spec.holder_identity = None;
            let _ = self
                .api
                .replace(&self.name, &PostParams::default(), &lease)
                .await;
        }
    }
}

/// The label that groups the membership Leases of `watch` replicas
/// running the same targets.
const MEMBERS_LABEL: &str = "gitsync.io/replicas-of";

/// A `watch` replica's presence among those sharing its targets: its own
/// Lease, renewed while it runs, so that each replica can count the live
/// ones and take only its share of the targets.
pub struct Membership {
    api: Api<Lease>,
    name: String,
    group: String,
    identity: String,
}

impl Membership {
    /// `group` names the replicas that share targets (a label value).
    pub fn new(client: Client, namespace: &str, group: &str) -> Membership {
        let identity = replica_identity();
        let name = format!("gitsync-replica-{group}-{}", short_hash(&identity));
        Membership {
            api: Api::namespaced(client, namespace),
            name,
            group: group.to_string(),
            identity,
        }
    }

    /// Creates or renews this replica's Lease.
    pub async fn renew(&self) -> Result<(), kube::Error> {
        let now = Timestamp::now();
        let spec = LeaseSpec {
            holder_identity: Some(self.identity.clone()),
            lease_duration_seconds: Some(LEASE_DURATION.as_secs() as i32),
            renew_time: Some(MicroTime(now)),
            ..Default::default()
        };
        match self.api.get_opt(&self.name).await? {
            Some(mut lease) => {
                lease.spec = Some(spec);
                self.api
                    .replace(&self.name, &PostParams::default(), &lease)
                    .await?;
            }
            None => {
                let lease = Lease {
                    metadata: ObjectMeta {
                        name: Some(self.name.clone()),
                        labels: Some([(MEMBERS_LABEL.to_string(), self.group.clone())].into()),
                        ..Default::default()
                    },
                    spec: Some(spec),
                };
                self.api.create(&PostParams::default(), &lease).await?;
            }
        }
        Ok(())
    }

    /// How many replicas of the group renewed their Lease within its
    /// duration (this one included once it has renewed). The Leases of
    /// replicas that died without leaving are deleted on the way, so
    /// crashes do not pile them up.
    pub async fn live(&self) -> Result<usize, kube::Error> {
        let selector = format!("{MEMBERS_LABEL}={}", self.group);
        let leases = self
            .api
            .list(&kube::api::ListParams::default().labels(&selector))
            .await?;
        let now = Timestamp::now();
        let mut live = 0;
        for lease in &leases.items {
            let Some(spec) = lease.spec.as_ref() else {
                continue;
            };
            if !expired(spec, now) {
                live += spec
                    .holder_identity
                    .as_deref()
                    .is_some_and(|h| !h.is_empty()) as usize;
                continue;
            }
            // Only as read: a replica that renewed meanwhile keeps it.
            let (Some(name), Some(version)) =
                (&lease.metadata.name, &lease.metadata.resource_version)
            else {
                continue;
            };
            let only_as_read = kube::api::DeleteParams {
                preconditions: Some(kube::api::Preconditions {
                    resource_version: Some(version.clone()),
                    uid: None,
                }),
                ..Default::default()
            };
            let _ = self.api.delete(name, &only_as_read).await;
        }
        Ok(live)
    }

    /// Removes this replica's Lease on shutdown, so the others take its
    /// targets now rather than when it expires.
    pub async fn leave(&self) {
        let _ = self
            .api
            .delete(&self.name, &kube::api::DeleteParams::default())
            .await;
    }
}

/// Eight hex digits of SHA-256: short, stable names from long strings.
pub fn short_hash(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

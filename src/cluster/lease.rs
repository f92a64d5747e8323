//! Leader election with a coordination.k8s.io Lease, so that two `watch`
//! replicas never act at once. The API server's optimistic concurrency
//! (resourceVersion) decides races: whoever's update lands holds the lease.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::Timestamp;
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

/// The uids of the Leases gitsync keeps for an ApplySet (leader and
/// write lock) in its namespace: gitsync's own, so a preview's namespace
/// goes with them.
pub async fn own_lease_uids(
    client: Client,
    namespace: &str,
    applyset_name: &str,
) -> Result<Vec<String>, kube::Error> {
    let api: Api<Lease> = Api::namespaced(client, namespace);
    let mut out = Vec::new();
    for name in [lease_name(applyset_name), write_lock_name(applyset_name)] {
        if let Some(uid) = super::retry(|| api.get_opt(&name))
            .await?
            .and_then(|l| l.metadata.uid)
        {
            out.push(uid);
        }
    }
    Ok(out)
}

pub struct Elector {
    api: Api<Lease>,
    name: String,
    identity: String,
    /// The Lease as this process last saw it change.
    seen: Mutex<Option<Seen>>,
}

/// This process as a Lease holder: host name, a random part chosen once
/// per process, and process id. The host name and pid alone collide:
/// two containers on host networking both run as PID 1 under one name.
pub fn replica_identity() -> String {
    static IDENTITY: OnceLock<String> = OnceLock::new();
    IDENTITY
        .get_or_init(|| {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_else(|_| "gitsync".into());
            // Without the OS's random source, the start time in nanoseconds
            // still tells two processes apart.
            let random = getrandom::u32().unwrap_or_else(|_| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.subsec_nanos())
                    .unwrap_or_default()
            });
            // The pid last, as before: people (and scripts) look for it.
            format!("{host}-{random:08x}-{}", std::process::id())
        })
        .clone()
}

/// A version of a Lease and when this process first saw it (client-go's
/// observedTime). Expiry is judged by this process's monotonic clock,
/// never by the holder's `renewTime`: two hosts' clocks may disagree by
/// more than a lease duration.
#[derive(Debug, Clone)]
struct Seen {
    version: String,
    at: Instant,
}

/// What tells one write of a Lease from the next: its resourceVersion
/// (every renewal changes it), else holder and renewTime.
fn version_of(lease: &Lease) -> String {
    match &lease.metadata.resource_version {
        Some(v) => v.clone(),
        None => {
            let spec = lease.spec.clone().unwrap_or_default();
            format!(
                "{}@{:?}",
                spec.holder_identity.unwrap_or_default(),
                spec.renew_time.map(|t| t.0)
            )
        }
    }
}

/// Records that `lease` was seen at `now` and says whether its holder let
/// it lapse: nobody wrote it for its lease duration, as measured here
/// since this process first saw its current version. A version seen for
/// the first time is never expired.
fn lapsed(seen: &mut Option<Seen>, lease: &Lease, now: Instant) -> bool {
    let version = version_of(lease);
    match seen {
        Some(s) if s.version == version => {
            let secs = lease
                .spec
                .as_ref()
                .and_then(|s| s.lease_duration_seconds)
                .and_then(|d| u64::try_from(d).ok())
                .unwrap_or(LEASE_DURATION.as_secs());
            now.saturating_duration_since(s.at) >= Duration::from_secs(secs)
        }
        _ => {
            *seen = Some(Seen { version, at: now });
            false
        }
    }
}

impl Elector {
    pub fn new(client: Client, namespace: &str, name: &str) -> Elector {
        Elector {
            api: Api::namespaced(client, namespace),
            name: name.to_string(),
            identity: replica_identity(),
            seen: Mutex::new(None),
        }
    }

    /// An elector with its own `identity` (a write lock per acquisition,
    /// so that releasing one never frees another of this process).
    pub fn with_identity(client: Client, namespace: &str, name: &str, identity: String) -> Elector {
        Elector {
            identity,
            ..Elector::new(client, namespace, name)
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
        let lease = self.api.get_opt(&self.name).await?;
        let lapsed = lease.as_ref().is_some_and(|l| {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            lapsed(&mut seen, l, Instant::now())
        });
        match lease {
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
                if !ours && !(may_take && (free || lapsed)) {
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
    /// Each replica's Lease as this process last saw it change, by name.
    seen: Mutex<HashMap<String, Seen>>,
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
            seen: Mutex::new(HashMap::new()),
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
        let now = Instant::now();
        let lapsed: Vec<bool> = {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            let listed: std::collections::HashSet<&str> = leases
                .items
                .iter()
                .filter_map(|l| l.metadata.name.as_deref())
                .collect();
            seen.retain(|name, _| listed.contains(name.as_str()));
            leases
                .items
                .iter()
                .map(|l| {
                    let name = l.metadata.name.clone().unwrap_or_default();
                    let mut entry = seen.get(&name).cloned();
                    let lapsed = lapsed(&mut entry, l, now);
                    seen.extend(entry.map(|e| (name, e)));
                    lapsed
                })
                .collect()
        };
        let mut live = 0;
        for (lease, lapsed) in leases.items.iter().zip(lapsed) {
            let Some(spec) = lease.spec.as_ref() else {
                continue;
            };
            if !lapsed {
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

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::jiff::SignedDuration;

    fn lease(version: &str, renewed: Timestamp) -> Lease {
        Lease {
            metadata: ObjectMeta {
                resource_version: Some(version.into()),
                ..Default::default()
            },
            spec: Some(LeaseSpec {
                holder_identity: Some("other".into()),
                lease_duration_seconds: Some(15),
                renew_time: Some(MicroTime(renewed)),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn a_renew_time_far_in_the_past_is_not_expiry() {
        // The holder's clock is an hour behind ours: by renewTime its Lease
        // looks long expired, yet it renews.
        let behind = Timestamp::now() - SignedDuration::from_hours(1);
        let start = Instant::now();
        let mut seen = None;
        assert!(!lapsed(&mut seen, &lease("1", behind), start));
        assert!(!lapsed(
            &mut seen,
            &lease("1", behind),
            start + Duration::from_secs(14)
        ));
        // Renewed (a new version): the wait starts again.
        assert!(!lapsed(
            &mut seen,
            &lease("2", behind),
            start + Duration::from_secs(14)
        ));
        assert!(!lapsed(
            &mut seen,
            &lease("2", behind),
            start + Duration::from_secs(28)
        ));
        assert!(lapsed(
            &mut seen,
            &lease("2", behind),
            start + Duration::from_secs(29)
        ));
    }

    #[test]
    fn a_renew_time_in_the_future_still_expires() {
        // The holder's clock is an hour ahead and it stopped renewing: by
        // renewTime it would hold the Lease for another hour.
        let ahead = Timestamp::now() + SignedDuration::from_hours(1);
        let start = Instant::now();
        let mut seen = None;
        assert!(!lapsed(&mut seen, &lease("7", ahead), start));
        assert!(!lapsed(
            &mut seen,
            &lease("7", ahead),
            start + Duration::from_secs(10)
        ));
        assert!(lapsed(
            &mut seen,
            &lease("7", ahead),
            start + Duration::from_secs(15)
        ));
    }

    #[test]
    fn the_identity_is_this_process_s_and_tells_processes_apart() {
        let id = replica_identity();
        assert_eq!(id, replica_identity(), "one identity per process");
        let (rest, pid) = id.rsplit_once('-').expect("host-random-pid");
        assert_eq!(pid, std::process::id().to_string(), "{id}");
        let (_, random) = rest.rsplit_once('-').expect("host-random");
        assert!(
            random.len() == 8 && random.chars().all(|c| c.is_ascii_hexdigit()),
            "{id}"
        );
    }
}

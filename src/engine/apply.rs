//! Writing one change: server-side apply of a create or update (deleting
//! first for a replace), and deletes for prunes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::{StreamExt, stream};
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};

use super::Engine;
use crate::cluster::resource::{FIELD_MANAGER, api_error_message};
use crate::cluster::{Cluster, is_unreachable, retry};
use crate::plan::Change;

/// Applies one create or update. `Err` is a message for the user, and
/// whether the server did not answer at all.
async fn apply(
    cluster: &Cluster,
    change: &Change,
    force_conflicts: bool,
) -> Result<(), (String, bool)> {
    apply_one(cluster, change, force_conflicts)
        .await
        .map_err(|e| match e {
            Failure::Unreachable(m) => (m, true),
            Failure::Refused(m) => (m, false),
        })
}

enum Failure {
    Refused(String),
    /// No answer: timeout, connection failure.
    Unreachable(String),
}

impl From<String> for Failure {
    fn from(m: String) -> Failure {
        Failure::Refused(m)
    }
}

fn failure(e: &kube::Error) -> Failure {
    if is_unreachable(e) {
        Failure::Unreachable(api_error_message(e))
    } else {
        Failure::Refused(api_error_message(e))
    }
}

async fn apply_one(
    cluster: &Cluster,
    change: &Change,
    force_conflicts: bool,
) -> Result<(), Failure> {
    let ar = cluster
        .resource_of(&change.id, &change.api_version)
        .ok_or_else(|| {
            format!(
                "the cluster does not serve {} {}",
                change.api_version, change.id.kind
            )
        })?;
    let manifest = change
        .manifest
        .as_ref()
        .ok_or_else(|| "nothing to apply".to_string())?;
    let api = cluster.api(&ar, change.id.namespace.as_deref());
    if change.replace {
        delete_and_wait(&api, &change.id.name).await?;
    }
    let mut params = PatchParams::apply(FIELD_MANAGER);
    if force_conflicts {
        params = params.force();
    }
    let patch = Patch::Apply(manifest);
    match retry(|| api.patch(&change.id.name, &params, &patch)).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 409 => Err(Failure::Refused(format!(
            "{} (409); --force-conflicts takes these fields over",
            s.message
        ))),
        Err(e) => Err(failure(&e)),
    }
}

/// Deletes, then waits until the object is gone so that recreating it does
/// not race its own deletion.
async fn delete_and_wait(api: &Api<DynamicObject>, name: &str) -> Result<(), String> {
    delete_until_gone(api, name, DeleteParams::foreground(), "deleting to replace").await
}

/// Deletes `name` and waits (up to 120 s) until it is gone; errors start
/// with `what`.
pub(super) async fn delete_until_gone(
    api: &Api<DynamicObject>,
    name: &str,
    params: DeleteParams,
    what: &str,
) -> Result<(), String> {
    match retry(|| api.delete(name, &params)).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 404 => return Ok(()),
        Err(e) => return Err(format!("{what}: {}", api_error_message(&e))),
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match retry(|| api.get_opt(name)).await {
            Ok(None) => return Ok(()),
            Ok(Some(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await
            }
            Ok(Some(_)) => return Err(format!("{what}: still there 120 s after deleting it")),
            Err(e) => return Err(format!("{what}: {}", api_error_message(&e))),
        }
    }
}

/// Applies `changes` concurrently (one step of the apply order); returns
/// per change, in order, `Ok` or the failure. No new apply starts once the
/// engine's gate closed or the server stopped answering (each of the rest
/// would only wait out its own timeout): those changes are missing from
/// the end of the result.
pub(super) async fn apply_all(
    engine: &Engine,
    changes: &[&Change],
    force_conflicts: bool,
) -> Vec<Result<(), String>> {
    let unreachable = AtomicBool::new(false);
    let unreachable = &unreachable;
    stream::iter(changes.iter())
        .take_while(|_| {
            let go = !unreachable.load(Ordering::SeqCst) && engine.gate.closed().is_none();
            std::future::ready(go)
        })
        .map(|c| async move {
            apply(&engine.cluster, c, force_conflicts)
                .await
                .map_err(|(message, no_answer)| {
                    if no_answer {
                        unreachable.store(true, Ordering::SeqCst);
                    }
                    message
                })
        })
        .buffered(engine.concurrency.max(1))
        .collect()
        .await
}

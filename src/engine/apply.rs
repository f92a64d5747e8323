//! Writing one change: server-side apply of a create or update (deleting
//! first, through the delete gate, for a replace).

use std::sync::atomic::{AtomicBool, Ordering};

use futures::{StreamExt, stream};
use kube::api::{Patch, PatchParams};

use super::Engine;
use super::gate::{self, Deletable, Deleted, How, Purpose, Request, Rules};
use crate::cluster::resource::{FIELD_MANAGER, api_error_message};
use crate::cluster::{is_unreachable, retry};
use crate::plan::Change;

/// Applies one create or update. `Err` is a message for the user, and
/// whether the server did not answer at all.
async fn apply(
    engine: &Engine,
    change: &Change,
    force_conflicts: bool,
    rules: Rules,
) -> Result<(), (String, bool)> {
    apply_one(engine, change, force_conflicts, rules)
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
    engine: &Engine,
    change: &Change,
    force_conflicts: bool,
    rules: Rules,
) -> Result<(), Failure> {
    let cluster = &engine.cluster;
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
        replace_delete(engine, &ar, change, rules).await?;
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

/// The delete of a replace, through the gate: only a member, with the
/// plan's preconditions (judged again if it changed since), never a
/// PersistentVolumeClaim without `--prune-pvcs` nor a CRD whose custom
/// resources would go; dependents first (foreground), and only once it is
/// gone is it created again.
async fn replace_delete(
    engine: &Engine,
    ar: &kube::discovery::ApiResource,
    change: &Change,
    rules: Rules,
) -> Result<(), String> {
    let how = How {
        foreground: true,
        wait_gone: true,
    };
    // Nothing else of this run goes with a replaced Namespace or CRD.
    let nothing = Deletable::default();
    let request = Request {
        ar,
        namespace: change.id.namespace.as_deref(),
        name: &change.id.name,
        purpose: Purpose::Replace,
        rules,
        deletable: &nothing,
        planned: change.preconditions.as_ref(),
        how,
    };
    let deleted = gate::delete_now(engine, request)
        .await
        .map_err(|e| format!("deleting to replace: {e}"))?;
    match deleted {
        Deleted::Gone => Ok(()),
        Deleted::Kept(why) | Deleted::Refused(why) => Err(format!("not replaced: {why}")),
    }
}

/// Applies `changes` concurrently (one step of the apply order); returns
/// per change, in order, `Ok` or the failure. No new apply starts once the
/// engine's gate closed or the server stopped answering (each of the rest
/// would only wait out its own timeout): those changes are missing from
/// the end of the result. `rules` are what the plan allowed replaces.
pub(super) async fn apply_all(
    engine: &Engine,
    changes: &[&Change],
    force_conflicts: bool,
    rules: Rules,
) -> Vec<Result<(), String>> {
    let unreachable = AtomicBool::new(false);
    let unreachable = &unreachable;
    stream::iter(changes.iter())
        .take_while(|_| {
            let go = !unreachable.load(Ordering::SeqCst) && engine.gate.closed().is_none();
            std::future::ready(go)
        })
        .map(|c| async move {
            apply(engine, c, force_conflicts, rules)
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

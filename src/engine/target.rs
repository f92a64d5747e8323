//! Planning one target: connect, find its ApplySet, plan. Shared by diff
//! and sync so that both see exactly the same plan.

use std::collections::BTreeSet;

use anyhow::Context;

use crate::cluster::applyset::{self, ApplySet, Parent};
use crate::cluster::{Cluster, ConnectOptions, Ownership, PlanOptions, plan};
use crate::config::Target;
use crate::desired::DesiredSet;
use crate::plan::Plan;

pub struct Planned {
    pub cluster: Cluster,
    pub applyset: ApplySet,
    /// The parent as it was before this run (`None`: never synced).
    pub parent: Option<Parent>,
    pub plan: Plan,
}

pub struct PlanRequest<'a> {
    pub repo: &'a str,
    pub target: &'a Target,
    pub set: &'a DesiredSet,
    /// `--name`; default derived from the repository and path.
    pub name: Option<&'a str>,
    pub prune: bool,
    pub concurrency: usize,
    pub force_replace: bool,
}

/// A target's cluster and ApplySet, before planning.
pub struct Connected {
    pub cluster: Cluster,
    pub applyset: ApplySet,
    pub parent: Option<Parent>,
}

pub async fn plan_target(req: &PlanRequest<'_>) -> anyhow::Result<Planned> {
    let connected = connect_target(req.repo, req.target, req.name).await?;
    plan_connected(connected, req).await
}

fn what(target: &Target) -> String {
    target
        .name
        .as_deref()
        .map_or_else(String::new, |n| format!(" for target {n}"))
}

/// Connects to the target's cluster and reads its ApplySet parent.
pub async fn connect_target(
    repo: &str,
    target: &Target,
    name: Option<&str>,
) -> anyhow::Result<Connected> {
    let what = what(target);
    let cluster = Cluster::connect(&ConnectOptions {
        kubeconfig: target.kubeconfig.as_deref(),
        context: target.context.as_deref(),
        namespace: target.namespace.as_deref(),
    })
    .await
    .with_context(|| format!("connecting to the cluster{what}"))?;
    let name = match name {
        Some(n) => n.to_string(),
        None => applyset::default_name(
            &crate::source::identity(repo),
            &crate::render::display_rel(&target.path),
        ),
    };
    // The parent lives in the default namespace of the target.
    let set = ApplySet::new(&name, &cluster.default_namespace);
    let parent = applyset::read_parent(&cluster, &set)
        .await
        .with_context(|| format!("reading ApplySet {}/{name}", set.namespace))?;
    Ok(Connected {
        cluster,
        applyset: set,
        parent,
    })
}

/// Lists the ApplySet's members and plans the desired set against them.
pub async fn plan_connected(
    connected: Connected,
    req: &PlanRequest<'_>,
) -> anyhow::Result<Planned> {
    let Connected {
        cluster,
        applyset: set,
        parent,
    } = connected;
    let what = what(req.target);
    let name = &set.name;
    let members = match &parent {
        None => Vec::new(),
        Some(parent) => {
            let mut gks = parent.group_kinds.clone();
            let mut namespaces = parent.namespaces.clone();
            for o in &req.set.objects {
                gks.insert(applyset::group_kind(&o.id.group, &o.id.kind));
                namespaces.insert(
                    o.id.namespace
                        .clone()
                        .unwrap_or_else(|| cluster.default_namespace.clone()),
                );
            }
            applyset::list_members(&cluster, &set, &gks, &namespaces)
                .await
                .with_context(|| format!("listing the members of ApplySet {name}"))?
        }
    };
    tracing::info!(applyset = %name, id = %set.id, members = members.len(), "ownership");
    let plan = plan(
        &cluster,
        req.set,
        &PlanOptions {
            concurrency: req.concurrency,
            applyset: Some(Ownership {
                set: set.clone(),
                members,
                prune: req.prune,
            }),
            force_replace: req.force_replace,
        },
    )
    .await
    .with_context(|| format!("planning{what} against {}", cluster.server))?;
    Ok(Planned {
        cluster,
        applyset: set,
        parent,
        plan,
    })
}

/// Group-kinds and namespaces of a set of object ids, as the parent
/// records them.
pub fn footprint<'a>(
    ids: impl Iterator<Item = &'a crate::desired::ObjectId>,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut gks = BTreeSet::new();
    let mut namespaces = BTreeSet::new();
    for id in ids {
        gks.insert(applyset::group_kind(&id.group, &id.kind));
        if let Some(ns) = &id.namespace {
            namespaces.insert(ns.clone());
        }
    }
    (gks, namespaces)
}

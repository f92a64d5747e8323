//! Computing the Plan against the live cluster.
//!
//! Live objects come from one LIST per type and namespace (never one GET
//! per object). Updates are judged by a server-side apply dry run, so the
//! API server itself fills defaults, runs webhooks and normalises
//! quantities: the comparison is between two things the server produced,
//! which is what keeps the diff free of false positives.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use kube::api::{ListParams, Patch, PatchParams};
use kube::discovery::{ApiResource, Scope};
use serde_json::Value;

use super::noop::apply_is_noop;
use super::prune::without_part_of;
use super::{Engine, EngineError, PlanOptions, gate};
use crate::cluster::applyset::{Listed, PART_OF, list_members};
use crate::cluster::resource::{
    FIELD_MANAGER, api_error_message, manifest, resource_key, with_type,
};
use crate::cluster::{Cluster, ClusterError, is_unreachable, retry};
use crate::desired::{DesiredObject, DesiredSet, ObjectId};
use crate::ignore;
use crate::plan::{Action, Change, Conflict, ObjectError, Plan, normalize, normalized};

/// How one desired object is to be planned.
enum Resolved {
    /// The cluster serves its type: LIST and dry-run it.
    Served {
        ar: ApiResource,
        namespace: Option<String>,
    },
    /// Its type comes from a CRD in the same desired set that the cluster
    /// does not have yet, or its namespace is being created: it can only
    /// be a create, shown as the manifest.
    Pending { namespace: Option<String> },
}

/// Why one object could not be planned.
enum Failed {
    /// Something about the object: it goes into the plan's errors.
    Object(ObjectError),
    /// The API server did not answer: no other object can be planned.
    Cluster(ClusterError),
}

impl From<ObjectError> for Failed {
    fn from(e: ObjectError) -> Self {
        Failed::Object(e)
    }
}

/// Where the ApplySet's members may live: the kinds and namespaces the
/// parent records, and those of the desired set.
pub(super) struct MemberScope {
    pub group_kinds: BTreeSet<String>,
    pub namespaces: BTreeSet<String>,
}

/// Plans `set` against the cluster; `members` says where to look for the
/// ApplySet's live members (`None`: it has none yet).
pub(super) async fn plan(
    engine: &Engine,
    set: &DesiredSet,
    members: Option<&MemberScope>,
    opts: PlanOptions,
) -> Result<Plan, EngineError> {
    let cluster = &engine.cluster;
    let planning = |source| EngineError::Plan {
        server: cluster.server.clone(),
        source: Box::new(source),
    };
    let pending_crds = crds_in(set);
    let mut errors = Vec::new();
    let mut resolved: Vec<Option<Resolved>> = Vec::with_capacity(set.objects.len());
    for obj in &set.objects {
        match resolve(cluster, obj, &pending_crds) {
            Ok(r) => resolved.push(Some(r)),
            Err(message) => {
                errors.push(object_error(obj, &obj.id, message));
                resolved.push(None);
            }
        }
    }

    let (live, planned) = list_and_plan(engine, set, resolved, opts)
        .await
        .map_err(planning)?;
    // Members are found in the same LISTs where the plan made them.
    let members = match members {
        None => Vec::new(),
        Some(scope) => list_members(
            cluster,
            &engine.applyset,
            &scope.group_kinds,
            &scope.namespaces,
            &live,
            engine.concurrency,
        )
        .await
        .map_err(|source| EngineError::ListMembers {
            name: engine.applyset.name.clone(),
            source: Box::new(source),
        })?,
    };
    tracing::info!(applyset = %engine.applyset.name, id = %engine.applyset.id, members = members.len(), "ownership");
    let mut changes = Vec::with_capacity(planned.len());
    for r in planned {
        match r {
            Ok(c) => changes.push(c),
            Err(e) => errors.push(e),
        }
    }
    let (deletes, refused, kept) = super::prune::prunes(engine, set, &members, opts).await;
    changes.extend(deletes);
    Ok(Plan {
        changes,
        errors,
        refused,
        kept,
        prune_pvcs: opts.prune_pvcs,
        ..Plan::default()
    })
}

fn part_of(obj: &Value) -> Option<&str> {
    obj.pointer("/metadata/labels")
        .and_then(|l| l.get(PART_OF))
        .and_then(Value::as_str)
}

/// Kinds that CRDs in the desired set define: group, kind → namespaced?
fn crds_in(set: &DesiredSet) -> HashMap<(String, String), bool> {
    set.objects
        .iter()
        .filter(|o| o.id.group == "apiextensions.k8s.io" && o.id.kind == "CustomResourceDefinition")
        .filter_map(|o| {
            let spec = o.object.get("spec")?;
            let group = spec.get("group")?.as_str()?.to_string();
            let kind = spec.get("names")?.get("kind")?.as_str()?.to_string();
            let namespaced = spec.get("scope").and_then(Value::as_str) != Some("Cluster");
            Some(((group, kind), namespaced))
        })
        .collect()
}

fn resolve(
    cluster: &Cluster,
    obj: &DesiredObject,
    pending_crds: &HashMap<(String, String), bool>,
) -> Result<Resolved, String> {
    let namespace_for = |namespaced: bool| -> Result<Option<String>, String> {
        match (&obj.id.namespace, namespaced) {
            (Some(ns), true) => Ok(Some(ns.clone())),
            (None, true) => Ok(Some(cluster.default_namespace.clone())),
            (None, false) => Ok(None),
            (Some(ns), false) => Err(format!(
                "{} is cluster-scoped but the manifest sets metadata.namespace: {ns}",
                obj.id.kind
            )),
        }
    };
    if let Some((ar, scope)) = cluster.resolve(&obj.id, &obj.api_version) {
        let namespace = namespace_for(matches!(scope, Scope::Namespaced))?;
        return Ok(Resolved::Served { ar, namespace });
    }
    if let Some(&namespaced) = pending_crds.get(&(obj.id.group.clone(), obj.id.kind.clone())) {
        return Ok(Resolved::Pending {
            namespace: namespace_for(namespaced)?,
        });
    }
    let served: Vec<String> = cluster
        .discovery
        .groups()
        .filter(|g| g.name() == obj.id.group)
        .flat_map(|g| {
            g.versions()
                .filter(|v| {
                    g.versioned_resources(v)
                        .iter()
                        .any(|(ar, _)| ar.kind == obj.id.kind)
                })
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    Err(if served.is_empty() {
        format!(
            "the cluster does not serve kind {} in API group {:?} (is its CustomResourceDefinition installed?)",
            obj.id.kind, obj.id.group
        )
    } else {
        format!(
            "the cluster does not serve {} {}; it serves version(s) {}",
            obj.api_version,
            obj.id.kind,
            served.join(", ")
        )
    })
}

/// Live objects by (resource key, namespace), then name.
type Live = Listed;

fn lookup<'a>(
    live: &'a Live,
    key: &str,
    namespace: &Option<String>,
    name: &str,
) -> Option<&'a Arc<Value>> {
    live.get(&(key.to_string(), namespace.clone()))?.get(name)
}

/// What finished: a LIST, or one object's plan.
enum Done {
    Listed(String, Option<String>, Result<Vec<Value>, ClusterError>),
    Planned(usize, Box<Result<Change, Failed>>),
}

/// One LIST per (type, namespace) among the served desired objects, and
/// each object's plan, in the set's order. An object is planned as soon as
/// its own LIST is back (and, in a Namespace the set declares, the LIST of
/// Namespaces, which says whether the plan creates it): the dry runs fill
/// the time LISTs spend waiting on the API server's cache. Requests of
/// both kinds share one limit of `engine.concurrency` in flight.
async fn list_and_plan(
    engine: &Engine,
    set: &DesiredSet,
    resolved: Vec<Option<Resolved>>,
    opts: PlanOptions,
) -> Result<(Live, Vec<Result<Change, ObjectError>>), ClusterError> {
    let cluster = &engine.cluster;
    let slots = Arc::new(tokio::sync::Semaphore::new(engine.concurrency.max(1)));
    let declared: HashSet<&str> = set
        .objects
        .iter()
        .filter(|o| o.id.group.is_empty() && o.id.kind == "Namespace")
        .map(|o| o.id.name.as_str())
        .collect();
    let namespaces = (NAMESPACES.to_string(), None::<String>);
    let mut wanted: BTreeMap<(String, Option<String>), ApiResource> = BTreeMap::new();
    // Objects (by index in the set) waiting for their LIST.
    let mut waiting: HashMap<(String, Option<String>), Vec<usize>> = HashMap::new();
    let mut jobs: Vec<Option<Resolved>> = resolved;
    let mut ready = Vec::new();
    for (i, r) in jobs.iter().enumerate() {
        match r {
            Some(Resolved::Served { ar, namespace }) => {
                let key = (resource_key(ar), namespace.clone());
                wanted.entry(key.clone()).or_insert_with(|| ar.clone());
                waiting.entry(key).or_default().push(i);
            }
            Some(Resolved::Pending { .. }) => ready.push(i),
            None => {}
        }
    }
    let mut namespaces_listed = !wanted.contains_key(&namespaces);
    // Listed, but in a declared Namespace whose LIST is not back yet.
    let mut held: Vec<usize> = Vec::new();

    let mut work: FuturesUnordered<BoxFuture<'_, Done>> = FuturesUnordered::new();
    // The Namespaces first: objects in declared ones wait for it.
    let order = wanted
        .keys()
        .filter(|k| **k == namespaces)
        .chain(wanted.keys().filter(|k| **k != namespaces));
    for (key, ns) in order {
        let ar = wanted[&(key.clone(), ns.clone())].clone();
        let (key, ns, slots) = (key.clone(), ns.clone(), slots.clone());
        work.push(Box::pin(async move {
            let _slot = slots.acquire_owned().await;
            let listed = list_all(cluster, &ar, ns.as_deref()).await;
            Done::Listed(key, ns, listed)
        }));
    }
    let mut live = Live::new();
    let mut planned: Vec<Option<Result<Change, ObjectError>>> =
        (0..set.objects.len()).map(|_| None).collect();
    loop {
        for i in ready.drain(..) {
            let Some(mut r) = jobs[i].take() else {
                continue;
            };
            let obj = &set.objects[i];
            let mut current = None;
            if let Resolved::Served { ar, namespace } = &r {
                // Objects in a Namespace the plan creates cannot be dry-run
                // yet: they can only be creates.
                if let Some(ns) = namespace
                    && declared.contains(ns.as_str())
                    && lookup(&live, NAMESPACES, &None, ns).is_none()
                {
                    r = Resolved::Pending {
                        namespace: Some(ns.clone()),
                    };
                } else {
                    current = lookup(&live, &resource_key(ar), namespace, &obj.id.name).cloned();
                }
            }
            let slots = slots.clone();
            work.push(Box::pin(async move {
                let _slot = slots.acquire_owned().await;
                let listed = current.clone();
                let planned = plan_one(engine, obj, r, current, opts)
                    .await
                    .map(|c| hide_ignored(engine, c, listed.as_deref()));
                Done::Planned(i, Box::new(planned))
            }));
        }
        let Some(done) = work.next().await else {
            break;
        };
        match done {
            Done::Listed(key, ns, listed) => {
                let by_name = listed?
                    .into_iter()
                    .map(|obj| {
                        let name = obj
                            .pointer("/metadata/name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string();
                        (name, Arc::new(obj))
                    })
                    .collect();
                let key = (key, ns);
                live.insert(key.clone(), by_name);
                if key == namespaces {
                    namespaces_listed = true;
                    ready.append(&mut held);
                }
                for i in waiting.remove(&key).unwrap_or_default() {
                    let in_declared = matches!(
                        &jobs[i],
                        Some(Resolved::Served { namespace: Some(ns), .. }) if declared.contains(ns.as_str())
                    );
                    if in_declared && !namespaces_listed {
                        held.push(i);
                    } else {
                        ready.push(i);
                    }
                }
            }
            Done::Planned(i, r) => match *r {
                Ok(c) => planned[i] = Some(Ok(c)),
                Err(Failed::Object(e)) => planned[i] = Some(Err(e)),
                // The server stopped answering: every other request would
                // wait out its own timeout too, so the plan ends here (and
                // dropping `work` cancels the ones in flight).
                Err(Failed::Cluster(e)) => return Err(e),
            },
        }
    }
    Ok((live, planned.into_iter().flatten().collect()))
}

/// The resource key of Namespaces.
const NAMESPACES: &str = "v1/namespaces";

async fn list_all(
    cluster: &Cluster,
    ar: &ApiResource,
    namespace: Option<&str>,
) -> Result<Vec<Value>, ClusterError> {
    let api = cluster.api(ar, namespace);
    let mut out = Vec::new();
    let mut params = ListParams::default().limit(500);
    loop {
        let page = retry(|| api.list(&params))
            .await
            .map_err(|source| ClusterError::List {
                resource: ar.plural.clone(),
                namespace: namespace.map(str::to_string),
                source,
            })?;
        for item in page.items {
            let mut obj = with_type(item, ar);
            // Nothing reads a listed object's status (normalising drops
            // it before any comparison, health has LISTs of its own);
            // emptied in place, not removed, so keys keep their order.
            if let Some(status) = obj.get_mut("status") {
                *status = Value::Null;
            }
            out.push(obj);
        }
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => break,
        }
    }
    Ok(out)
}

/// The manifest as sync sends it: namespace resolved, part-of label added.
fn labelled(engine: &Engine, obj: &DesiredObject, namespace: &Option<String>) -> Value {
    let mut m = manifest(obj, namespace);
    engine.applyset.label(&mut m);
    m
}

/// Plans one object; `live_raw` is what its LIST found of it.
async fn plan_one(
    engine: &Engine,
    obj: &DesiredObject,
    resolved: Resolved,
    live_raw: Option<Arc<Value>>,
    opts: PlanOptions,
) -> Result<Change, Failed> {
    let cluster = &engine.cluster;
    let set = &engine.applyset;
    let (ar, namespace) = match resolved {
        Resolved::Pending { namespace } => {
            let id = id_in(obj, &namespace);
            let body = labelled(engine, obj, &namespace);
            return Ok(Change {
                desired: Some(without_part_of(normalize(body.clone()))),
                manifest: Some(body),
                wave: obj.wave,
                managed_fields: None,
                id,
                api_version: obj.api_version.clone(),
                action: Action::Create,
                live: None,
                origin: Some(obj.origin.clone()),
                conflicts: Vec::new(),
                preconditions: None,
                replace: false,
            });
        }
        Resolved::Served { ar, namespace } => (ar, namespace),
    };
    let id = id_in(obj, &namespace);
    let live_raw = live_raw.as_ref();
    let mut adopt = false;
    if let Some(l) = live_raw {
        match part_of(l) {
            Some(other) if other != set.id => {
                return Err(object_error(
                    obj,
                    &id,
                    format!(
                        "belongs to another ApplySet ({PART_OF}={other}); refusing to adopt it"
                    ),
                )
                .into());
            }
            Some(_) => {}
            None => adopt = true,
        }
    }
    let rules = engine
        .ignore
        .for_object(&id.group, &id.kind, &id.name, id.namespace.as_deref());
    let mut body = labelled(engine, obj, &namespace);
    if let Some(l) = live_raw {
        // Ignored fields of an existing object are someone else's: not
        // sent, so sync neither changes nor claims them (a create still
        // sends everything).
        for (h, git) in rules.unsent(&mut body, l, FIELD_MANAGER) {
            let object = format!("{} {id}", obj.api_version);
            let field = ignore::display(&h.path);
            if git.as_ref() != ignore::get(l, &h.path) {
                tracing::info!(object = %object, field = %field, rule = %h.rule, "difference ignored");
            } else {
                tracing::debug!(object = %object, field = %field, rule = %h.rule, "not sent");
            }
        }
    }
    // What the plan shows as "after": an adoption shows the part-of label
    // it adds, everything else compares without it.
    let shown = |obj: Value| {
        let obj = normalize(obj);
        if adopt { obj } else { without_part_of(obj) }
    };
    if let Some(l) = live_raw
        && apply_is_noop(&body, l, PART_OF)
    {
        // Provably what the dry run would answer: the live object itself
        // (with the label, for an adoption).
        tracing::trace!(object = %id, "unchanged without a dry run");
        let (live, desired) = if adopt {
            let mut after = Value::clone(l);
            set.label(&mut after);
            (Some(without_part_of(normalized(l))), shown(after))
        } else {
            // Already labelled: the live object is what applying leaves,
            // kept once (see Change::compact).
            (None, without_part_of(normalized(l)))
        };
        return Ok(Change {
            id,
            api_version: obj.api_version.clone(),
            action: if adopt {
                Action::Adopt
            } else {
                Action::Unchanged
            },
            desired: Some(desired),
            live,
            origin: Some(obj.origin.clone()),
            conflicts: Vec::new(),
            preconditions: None,
            replace: false,
            manifest: Some(body),
            wave: obj.wave,
            managed_fields: l.pointer("/metadata/managedFields").cloned(),
        }
        .compact());
    }
    let api = cluster.api(&ar, namespace.as_deref());
    // The dry run is made as sync will apply: without forcing, so that a
    // field another manager owns is the conflict sync would hit. With
    // --force-conflicts, it is made again forced and the plan names the
    // fields taken over.
    let patch = Patch::Apply(&body);
    tracing::trace!(object = %id, "dry run");
    let mut live_raw = live_raw.cloned();
    let mut live_obj = live_raw.as_deref().map(|l| without_part_of(normalized(l)));
    let mut conflicts = Vec::new();
    let unforced = PatchParams::apply(FIELD_MANAGER).dry_run();
    let mut result = retry(|| api.patch(&obj.id.name, &unforced, &patch)).await;
    if let Err(e) = &result
        && is_conflict(e)
    {
        conflicts = conflicts_of(e);
        if !opts.force_conflicts {
            let mut err = object_error(obj, &id, conflict_message(&conflicts, e));
            err.conflicts = conflicts;
            return Err(err.into());
        }
        let forced = unforced.clone().force();
        result = retry(|| api.patch(&obj.id.name, &forced, &patch)).await;
    }
    let dry = match result {
        Ok(dry) => dry,
        Err(e) if live_obj.is_some() && is_immutable(&e) => {
            if !opts.force_replace {
                return Err(object_error(
                    obj,
                    &id,
                    format!(
                        "{} (an immutable field changes: --force-replace deletes and recreates the object)",
                        api_error_message(&e)
                    ),
                ).into());
            }
            // The replace's delete, judged as sync's gate will judge it.
            let why_not = |why: String| {
                Failed::from(object_error(
                    obj,
                    &id,
                    format!(
                        "{} (an immutable field changes), and --force-replace may not delete it: {why}",
                        api_error_message(&e)
                    ),
                ))
            };
            let live = live_raw.as_deref().unwrap_or(&Value::Null);
            if adopt {
                return Err(why_not(
                    "it is not a member of this ApplySet yet, and --force-replace deletes only members (adopt it first with a change that keeps its immutable fields, or delete it yourself)".into(),
                ));
            }
            let rules = gate::Rules {
                prune_pvcs: opts.prune_pvcs,
            };
            let nothing = gate::Deletable::default();
            if let Err(refusal) =
                gate::judge(engine, live, &ar, gate::Purpose::Replace, rules, &nothing).await
            {
                return Err(why_not(refusal.to_string()));
            }
            return Ok(Change {
                id,
                api_version: obj.api_version.clone(),
                action: Action::Update,
                live: live_obj,
                desired: Some(shown(body.clone())),
                origin: Some(obj.origin.clone()),
                conflicts,
                preconditions: gate::preconditions(live),
                replace: true,
                manifest: Some(body),
                wave: obj.wave,
                managed_fields: live_raw
                    .and_then(|l| l.pointer("/metadata/managedFields").cloned()),
            });
        }
        Err(e) if is_unreachable(&e) => {
            return Err(Failed::Cluster(ClusterError::DryRun {
                object: id.to_string(),
                source: e,
            }));
        }
        Err(e) => return Err(object_error(obj, &id, api_error_message(&e)).into()),
    };
    let dry = serde_json::to_value(dry).unwrap_or(Value::Null);
    // A controller may have written the object between the LIST and the
    // dry run (a Deployment's revision annotation): the dry run then
    // starts from a newer object than the one listed. Compare like with
    // like by reading it again, or the plan shows a change nobody made.
    let listed_version = live_raw
        .as_ref()
        .and_then(|l| l.pointer("/metadata/resourceVersion").cloned());
    let dry_version = dry.pointer("/metadata/resourceVersion").cloned();
    if listed_version.is_some()
        && listed_version != dry_version
        && let Ok(Some(fresh)) = retry(|| api.get_opt(&obj.id.name)).await
    {
        let fresh = with_type(fresh, &ar);
        live_obj = Some(without_part_of(normalized(&fresh)));
        live_raw = Some(Arc::new(fresh));
    }
    let desired = shown(dry);
    let action = match &live_obj {
        None => Action::Create,
        Some(_) if adopt => Action::Adopt,
        Some(l) if *l == desired => Action::Unchanged,
        Some(_) => Action::Update,
    };
    Ok(Change {
        id,
        api_version: obj.api_version.clone(),
        action,
        live: live_obj,
        desired: Some(desired),
        origin: Some(obj.origin.clone()),
        conflicts,
        preconditions: None,
        replace: false,
        manifest: Some(body),
        wave: obj.wave,
        managed_fields: live_raw.and_then(|l| l.pointer("/metadata/managedFields").cloned()),
    }
    .compact())
}

/// Takes the fields ignore rules name out of both sides of a change, so
/// that they are no difference (an update left with none is unchanged),
/// and says at `-v` which rule hid which difference. `listed` is the live
/// object as listed, whose managedFields `managedFieldsManagers` reads.
fn hide_ignored(engine: &Engine, mut c: Change, listed: Option<&Value>) -> Change {
    if !matches!(c.action, Action::Update | Action::Adopt) {
        return c;
    }
    let id = &c.id;
    let rules = engine
        .ignore
        .for_object(&id.group, &id.kind, &id.name, id.namespace.as_deref());
    if rules.is_empty() {
        return c;
    }
    let managed = listed.and_then(|l| l.pointer("/metadata/managedFields"));
    let (Some(live), Some(desired)) = (c.live.take(), c.desired.take()) else {
        return c;
    };
    let (live_shown, from_live) = rules.strip(live.clone(), managed);
    let (desired_shown, from_desired) = rules.strip(desired.clone(), managed);
    let mut told = HashSet::new();
    for h in from_live.iter().chain(&from_desired) {
        if !told.insert(&h.path) {
            continue;
        }
        let object = format!("{} {}", c.api_version, c.id);
        let field = ignore::display(&h.path);
        if ignore::get(&live, &h.path) != ignore::get(&desired, &h.path) {
            tracing::info!(object = %object, field = %field, rule = %h.rule, "difference ignored");
        } else {
            tracing::debug!(object = %object, field = %field, rule = %h.rule, "ignored, no difference");
        }
    }
    if c.action == Action::Update && !c.replace && live_shown == desired_shown {
        c.action = Action::Unchanged;
    }
    c.live = Some(live_shown);
    c.desired = Some(desired_shown);
    c.compact()
}

/// A 409 from server-side apply: fields other managers own would change.
fn is_conflict(err: &kube::Error) -> bool {
    matches!(err, kube::Error::Api(s) if s.code == 409)
}

/// The conflicting fields and their managers, from the API server's
/// structured causes (`conflict with "kubectl" using v1`, field
/// `.data.key`), else from its message.
fn conflicts_of(err: &kube::Error) -> Vec<Conflict> {
    let kube::Error::Api(status) = err else {
        return Vec::new();
    };
    let quoted = |s: &str| s.split('"').nth(1).unwrap_or_default().to_string();
    let causes = status.details.as_ref().map(|d| d.causes.as_slice());
    let mut out: Vec<Conflict> = causes
        .unwrap_or_default()
        .iter()
        .filter(|c| !c.field.is_empty())
        .map(|c| Conflict {
            manager: quoted(&c.message),
            field: c.field.clone(),
        })
        .collect();
    if out.is_empty() {
        // `conflict with "m" using v1: .a` (one), or `conflicts with "m":`
        // followed by `- .a` lines (several).
        let mut manager = String::new();
        for line in status.message.lines().map(str::trim) {
            if let Some(at) = line.find("with \"") {
                manager = quoted(&line[at..]);
                if let Some((_, field)) = line[at..].rsplit_once(": ")
                    && field.starts_with('.')
                {
                    out.push(Conflict {
                        manager: manager.clone(),
                        field: field.to_string(),
                    });
                }
            } else if let Some(field) = line.strip_prefix("- ") {
                out.push(Conflict {
                    manager: manager.clone(),
                    field: field.to_string(),
                });
            }
        }
    }
    out
}

/// What a user needs to know of a conflict: whose fields, and the ways out.
fn conflict_message(conflicts: &[Conflict], err: &kube::Error) -> String {
    if conflicts.is_empty() {
        return api_error_message(err);
    }
    let list: Vec<String> = conflicts
        .iter()
        .map(|c| format!("{} (owned by {:?})", c.field, c.manager))
        .collect();
    format!(
        "conflicts with other field managers: {}; sync would fail here: --force-conflicts takes these fields over, or stop setting them in Git",
        list.join(", ")
    )
}

/// A 422 because a field may not change once set (a Job's template, a
/// Service's clusterIP, a Deployment's selector).
fn is_immutable(err: &kube::Error) -> bool {
    matches!(err, kube::Error::Api(s) if s.code == 422 && s.message.contains("immutable"))
}

fn id_in(obj: &DesiredObject, namespace: &Option<String>) -> ObjectId {
    ObjectId {
        namespace: namespace.clone(),
        ..obj.id.clone()
    }
}

fn object_error(obj: &DesiredObject, id: &ObjectId, message: String) -> ObjectError {
    ObjectError {
        id: id.clone(),
        api_version: obj.api_version.clone(),
        origin: Some(obj.origin.clone()),
        message,
        conflicts: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::Status;
    use kube::core::response::{StatusCause, StatusDetails};

    fn conflict(message: &str, causes: Vec<StatusCause>) -> kube::Error {
        let mut status = Status::failure(message, "Conflict").with_code(409);
        if !causes.is_empty() {
            status = status.with_details(StatusDetails {
                name: String::new(),
                group: String::new(),
                kind: String::new(),
                uid: String::new(),
                causes,
                retry_after_seconds: 0,
            });
        }
        kube::Error::Api(Box::new(status))
    }

    fn c(manager: &str, field: &str) -> Conflict {
        Conflict {
            manager: manager.into(),
            field: field.into(),
        }
    }

    #[test]
    fn conflicts_come_from_the_structured_causes() {
        let err = conflict(
            "Apply failed with 1 conflict: conflict with \"kubectl\" using v1: .data.key",
            vec![StatusCause {
                reason: "FieldManagerConflict".into(),
                message: "conflict with \"kubectl\" using v1".into(),
                field: ".data.key".into(),
            }],
        );
        assert_eq!(conflicts_of(&err), vec![c("kubectl", ".data.key")]);
        let msg = conflict_message(&conflicts_of(&err), &err);
        assert!(msg.contains(".data.key (owned by \"kubectl\")"), "{msg}");
        assert!(msg.contains("--force-conflicts"), "{msg}");
    }

    #[test]
    fn conflicts_fall_back_to_the_message() {
        let one = conflict(
            "Apply failed with 1 conflict: conflict with \"kubectl\" using v1: .data.key\nPlease review the fields above",
            vec![],
        );
        assert_eq!(conflicts_of(&one), vec![c("kubectl", ".data.key")]);
        let many = conflict(
            "Apply failed with 3 conflicts: conflicts with \"alice\":\n- .spec.replicas\n- .spec.paused\nconflicts with \"bob\" using apps/v1:\n- .metadata.labels.x",
            vec![],
        );
        assert_eq!(
            conflicts_of(&many),
            vec![
                c("alice", ".spec.replicas"),
                c("alice", ".spec.paused"),
                c("bob", ".metadata.labels.x")
            ]
        );
    }
}

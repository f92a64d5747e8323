//! `gitsync health explain KIND/NAME`: one live object's health as sync
//! judges it, and the rule that decided it. Exit 0 healthy, 1 not, 2 error.

use std::io::Write;

use anyhow::{Context, bail};
use kube::discovery::Scope;

use crate::desired::ObjectId;
use crate::exit::ExitStatus;
use crate::health::Status;
use crate::settings::{OutputFormat, RenderSettings, Settings};

pub fn explain(
    settings: &Settings,
    object: &str,
    wait_for_jobs: bool,
) -> anyhow::Result<ExitStatus> {
    let Some((kind, name)) = object
        .split_once('/')
        .filter(|(k, n)| !k.is_empty() && !n.is_empty())
    else {
        bail!("{object:?}: give the object as KIND/NAME, e.g. Certificate/web");
    };
    let (_, selected) = crate::load::resolve(settings, &RenderSettings::default())?;
    let [target] = selected.as_slice() else {
        bail!("health explain looks at one target: choose it with --target NAME");
    };
    let runtime = super::runtime()?;
    runtime.block_on(async {
        let mut engine = super::connect(settings, target, None, 1).await?;
        engine.health_rules = engine.health_rules.with_jobs(wait_for_jobs);
        let (ar, scope) = match engine.cluster.kinds_named(kind).as_slice() {
            [] => bail!("{kind:?} is not a kind {} serves", engine.cluster.server),
            [one] => one.clone(),
            many => bail!(
                "{kind:?} is ambiguous: {}; add the group (KIND.GROUP/NAME)",
                many.iter()
                    .map(|(ar, _)| format!("{}.{}", ar.kind, ar.group))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        // A healthCheckExprs entry matches its apiVersion only: read the
        // object in the version it names, if served.
        let namespace = (scope == Scope::Namespaced).then(|| {
            target
                .namespace
                .clone()
                .unwrap_or_else(|| engine.cluster.default_namespace.clone())
        });
        let id = ObjectId {
            group: ar.group.clone(),
            kind: ar.kind.clone(),
            namespace,
            name: name.to_string(),
        };
        let api_version = target
            .health_checks
            .iter()
            .filter(|h| h.kind == ar.kind)
            .map(|h| h.api_version.value.as_str())
            .filter(|v| crate::desired::split_api_version(v).0 == ar.group)
            .find(|v| engine.cluster.resource_of(&id, v).is_some())
            .map_or_else(|| ar.api_version.clone(), str::to_string);
        let label = id.label(&api_version);
        let Some((health, decider)) = engine
            .explain_health(&id, &api_version)
            .await
            .with_context(|| super::target_label(target))?
        else {
            bail!("{label} not found");
        };
        let mut out = std::io::stdout().lock();
        let written = match settings.output {
            OutputFormat::Json => writeln!(
                out,
                "{}",
                serde_json::json!({
                    "object": label,
                    "status": health.status,
                    "message": health.message,
                    "rule": decider.to_string(),
                })
            ),
            _ => writeln!(
                out,
                "{label}: {:?}\nrule: {decider}\nwhy:  {}",
                health.status, health.message
            ),
        };
        crate::exit::stdout(written)?;
        // 1 is "not healthy" here, as it is "changes found" for diff.
        Ok(if health.status == Status::Current {
            ExitStatus::Success
        } else {
            ExitStatus::Changes
        })
    })
}

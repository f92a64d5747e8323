//! What a held-back revision would change, for the dashboard: planned
//! against the cluster without writing (the dry runs `diff` makes), once
//! per held revision rather than at every poll.

use super::target::TargetLoop;
use crate::cluster::applyset;
use crate::config::Target;
use crate::desired::DesiredSet;
use crate::engine::{Engine, PlanOptions};
use crate::web::PendingKind;

impl TargetLoop<'_> {
    /// Shows on the dashboard what syncing `set` (`target` at `revision`,
    /// held back for `why`) would change. Planning is best effort: a
    /// failure is logged and the next poll tries again.
    pub(super) async fn show_held(
        &self,
        target: &Target,
        set: &DesiredSet,
        revision: &str,
        why: &str,
    ) {
        let web = &self.common.shared.dashboard.state;
        if web.holds(&self.key, revision, why) {
            return;
        }
        let identity = crate::source::identity(&self.settings.source.repo);
        let name = applyset::name_for(self.common.watch.name.as_deref(), &identity, &target.path);
        let planned = async {
            let engine = Engine::connect(target, &name, 16).await?;
            // As the sync will plan it.
            let opts = PlanOptions {
                prune: target.prune,
                force_replace: false,
                force_conflicts: true,
                prune_pvcs: false,
            };
            engine.plan(set, opts).await
        }
        .await;
        match planned {
            Ok(plan) => web.pending(&self.key, revision, PendingKind::Held, why, &plan.changes),
            Err(e) => tracing::warn!(
                revision = %revision,
                error = %format!("{e:#}"),
                "cannot plan the held-back revision for the dashboard"
            ),
        }
    }
}

//! `hmctl reload [TARGET...]` — run "only after updating the base image" (the
//! O&M guide): recreate exactly the containers whose image tag now names
//! another image than the one they run, or whose compose configuration hash
//! changed, in dependency order, each waited for until healthy.

use super::plan::{self, Pace, Plan};
use super::snapshot::{self, Snapshot};
use crate::backend::{Backends, Verdict};
use crate::catalog::Catalog;
use crate::exit::Failure;
use crate::model::{Action, ServiceStatus, Verb};
use crate::settings::Settings;
use std::collections::HashMap;

/// The verdict of every selected service whose backend can recreate it, by
/// `group/name`.
async fn verdicts(
    snapshot: &Snapshot,
    selected: &[usize],
    backends: &Backends,
) -> Result<HashMap<String, Verdict>, Failure> {
    let mut verdicts = HashMap::new();
    for group in &snapshot.groups {
        let services: Vec<&ServiceStatus> = selected
            .iter()
            .map(|index| &snapshot.services[*index])
            .filter(|service| service.group == group.name)
            .collect();
        let Some(backend) = backends.get(group.backend) else {
            continue;
        };
        if services.is_empty() || !group.backend.creates_missing() {
            continue;
        }
        let definition = snapshot.definitions.get(&group.name);
        verdicts.extend(backend.verdicts(group, definition, &services).await?);
    }
    Ok(verdicts)
}

/// Plans `reload` against the current state of the host: a recreate for each
/// selected container that runs an outdated definition, a skip for the rest.
pub async fn plan(
    catalog: &Catalog,
    settings: &Settings,
    targets: &[String],
    pace: Pace,
    backends: &Backends,
) -> Result<(Plan, Backends), Failure> {
    let (snapshot, backends) = snapshot::take(catalog, settings, backends).await?;
    let selected = snapshot.resolve(targets, catalog)?;
    snapshot.refuse_if_unavailable(&selected)?;
    let can_recreate = backends
        .iter()
        .any(|backend| backend.kind().creates_missing() && backend.connection_error().is_none());
    if !can_recreate {
        return Err(Failure::usage(
            "no compose group is present on this host: nothing to reload",
        ));
    }
    let verdicts = verdicts(&snapshot, &selected, &backends).await?;
    // A recreated container starts, with its compose file's restart policy:
    // one in maintenance is left as it is.
    let held = super::maintenance::held::read(&settings.state_dir)?;
    let choose = |service: &ServiceStatus| match verdicts
        .get(&format!("{}/{}", service.group, service.name))
    {
        _ if held.find(&service.group, &service.name).is_some() => {
            (Action::Skip, "in maintenance".to_string())
        }
        Some(Verdict::Outdated(why)) => (Action::Recreate, why.clone()),
        Some(Verdict::Current(why)) => (Action::Skip, why.clone()),
        None => (Action::Skip, "not a container".to_string()),
    };
    let plan = plan::build_with(Verb::Reload, catalog, &snapshot, &selected, pace, &choose)?;
    Ok((plan, backends))
}

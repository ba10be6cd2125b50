//! "State first": which services matter for the question (a stage's services,
//! a service and what it depends on, or all), their state from the same
//! snapshot `status` takes, and — for each one that is not well — what Docker
//! or systemd says beyond the status line. Bounded like `status`.

use super::report::ServiceState;
use crate::backend::Backends;
use crate::catalog::Catalog;
use crate::model::{Details, ServiceStatus};
use crate::ops::inventory::Entry;
use crate::ops::order::Graph;
use crate::ops::plan::group_graph;
use crate::ops::snapshot::Snapshot;
use std::time::Duration;

/// At most this many unhealthy services are asked for details.
pub const MAX_DETAILS: usize = 16;
/// How long the details may take in all.
pub const DETAILS_DEADLINE: Duration = Duration::from_secs(3);

/// The names of the services that matter: `named` (a stage's services or the
/// SERVICE), what they depend on in their compose files, and their group's
/// middleware; every service when `named` is `None`.
pub fn services_that_matter(
    catalog: &Catalog,
    entries: &[Entry],
    named: Option<&[String]>,
) -> Vec<String> {
    let Some(named) = named else {
        return entries.iter().map(|entry| entry.name.clone()).collect();
    };
    let mut wanted: Vec<String> = named.to_vec();
    let mut index = 0;
    while index < wanted.len() {
        let name = wanted[index].clone();
        index += 1;
        let Some(entry) = entries.iter().find(|entry| entry.name == name) else {
            continue;
        };
        let Some(group) = catalog.group(&entry.group) else {
            continue;
        };
        let depends_on = crate::compose_file::read_project(&group.existing_files())
            .ok()
            .and_then(|project| {
                project
                    .service(&name)
                    .map(|service| service.depends_on.clone())
            })
            .unwrap_or_default();
        for dependency in depends_on
            .into_iter()
            .chain(group.first_services.iter().cloned())
        {
            if !wanted.contains(&dependency) && entries.iter().any(|entry| entry.name == dependency)
            {
                wanted.push(dependency);
            }
        }
    }
    wanted
}

/// Which service needs which, per group present: what a start waits for
/// (compose and hmctl.toml `depends_on`, else the group's middleware).
pub fn dependency_graphs(catalog: &Catalog, snapshot: &Snapshot) -> Vec<Graph> {
    snapshot
        .groups
        .iter()
        .map(|group| {
            let members: Vec<&ServiceStatus> = snapshot
                .services
                .iter()
                .filter(|service| service.group == group.name)
                .collect();
            group_graph(
                catalog,
                group,
                snapshot.definitions.get(&group.name),
                &members,
            )
        })
        .collect()
}

/// The snapshot's rows for `names`, in snapshot order.
pub fn select(services: &[ServiceStatus], names: &[String]) -> Vec<ServiceStatus> {
    services
        .iter()
        .filter(|service| {
            names.contains(&service.name)
                || service.aliases.iter().any(|alias| names.contains(alias))
        })
        .cloned()
        .collect()
}

/// What the daemon says beyond the status line, when it says anything (a
/// container never created has nothing to say).
async fn details_of(service: &ServiceStatus, backends: &Backends) -> Option<Details> {
    backends
        .reaching(&service.handle)
        .ok()?
        .details(&service.handle, DETAILS_DEADLINE)
        .await
        .ok()
        .filter(|details| *details != Details::default())
}

/// The state of each selected service, with details for those not well.
pub async fn states(selected: Vec<ServiceStatus>, backends: &Backends) -> Vec<ServiceState> {
    let unwell: Vec<usize> = selected
        .iter()
        .enumerate()
        .filter(|(_, service)| !service.ok && service.state != crate::model::State::Unknown)
        .map(|(index, _)| index)
        .take(MAX_DETAILS)
        .collect();
    let asked = futures_util::future::join_all(
        unwell
            .iter()
            .map(|index| details_of(&selected[*index], backends)),
    );
    let found = tokio::time::timeout(DETAILS_DEADLINE + Duration::from_millis(500), asked)
        .await
        .unwrap_or_default();
    let mut details: Vec<Option<Details>> = vec![None; selected.len()];
    for (index, found) in unwell.into_iter().zip(found) {
        details[index] = found;
    }
    selected
        .into_iter()
        .zip(details)
        .map(|(status, details)| ServiceState { status, details })
        .collect()
}

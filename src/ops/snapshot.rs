//! One look at every present group: Docker and systemd asked concurrently,
//! each under its own deadline, so a hung daemon never hides the other's
//! services. `status` renders it; the lifecycle verbs plan from it.

use crate::backend::compose_group::compose_group;
use crate::backend::docker::DockerClient;
use crate::backend::systemd::SystemdClient;
use crate::backend::unit_group::unit_group;
use crate::backend::{BackendError, ServiceStatus};
use crate::catalog::{BackendKind, Catalog, Group, UnitChoice};
use crate::compose::ComposeProject;
use crate::exit::Failure;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// How long `status` waits for each daemon in all (connect, list, inspect).
pub const BACKEND_DEADLINE: Duration = Duration::from_secs(5);

/// Connections to the daemons (or why there is none).
#[derive(Clone)]
pub struct Clients {
    pub docker: Option<Result<DockerClient, BackendError>>,
    pub systemd: Option<Result<SystemdClient, BackendError>>,
}

/// Every present group's services, as the daemons see them now.
pub struct Snapshot {
    pub services: Vec<ServiceStatus>,
    /// The daemons that could not be asked (one entry per daemon).
    pub errors: Vec<BackendError>,
    /// The compose files in use, by group name.
    pub projects: BTreeMap<String, ComposeProject>,
    /// The groups present on this host.
    pub groups: Vec<Group>,
}

impl Snapshot {
    /// Refuses a change when a daemon the `selected` services need could not
    /// be asked: nothing is changed half-way.
    pub fn refuse_if_unavailable(&self, selected: &[usize]) -> Result<(), Failure> {
        for index in selected {
            if let Some(error) = self.error_for(self.services[*index].backend) {
                let mut failure = error.clone().into_failure();
                failure.message = format!("{}; nothing was changed", failure.message);
                return Err(failure);
            }
        }
        Ok(())
    }

    pub fn error_for(&self, backend: BackendKind) -> Option<&BackendError> {
        let daemon = match backend {
            BackendKind::Compose => "docker",
            BackendKind::Systemd => "systemd",
        };
        self.errors.iter().find(|error| error.backend() == daemon)
    }
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

async fn compose_side(
    groups: Vec<Group>,
    deadline: Instant,
    reuse: Option<Result<DockerClient, BackendError>>,
) -> Result<
    (
        Vec<ServiceStatus>,
        Option<BackendError>,
        BTreeMap<String, ComposeProject>,
        Result<DockerClient, BackendError>,
    ),
    Failure,
> {
    let client = match reuse {
        Some(client) => client,
        None => DockerClient::connect(remaining(deadline)).await,
    };
    let mut rows = Vec::new();
    let mut first_error = None;
    let mut projects = BTreeMap::new();
    for group in &groups {
        let report = compose_group(client.as_ref(), group, remaining(deadline))
            .await
            .map_err(|error| {
                Failure::usage(error.to_string()).with_hint(
                    "fix the compose file, or point the group's `files` at the right one",
                )
            })?;
        rows.extend(report.rows);
        if first_error.is_none() {
            first_error = report.error;
        }
        projects.insert(group.name.clone(), report.project);
    }
    Ok((rows, first_error, projects, client))
}

async fn systemd_side(
    groups: Vec<(Group, Vec<UnitChoice>)>,
    deadline: Instant,
    reuse: Option<Result<SystemdClient, BackendError>>,
) -> (
    Vec<ServiceStatus>,
    Option<BackendError>,
    Result<SystemdClient, BackendError>,
) {
    let client = match reuse {
        Some(client) => client,
        None => SystemdClient::connect(remaining(deadline)).await,
    };
    let reports = futures_util::future::join_all(
        groups
            .iter()
            .map(|(group, units)| unit_group(client.as_ref(), group, units, remaining(deadline))),
    )
    .await;
    let mut rows = Vec::new();
    let mut first_error = None;
    for report in reports {
        rows.extend(report.rows);
        if first_error.is_none() {
            first_error = report.error;
        }
    }
    (rows, first_error, client)
}

/// Unit choices per systemd group, leaving out units an earlier group shows
/// (`hyper_exporter` belongs to both the agent and the gateway).
fn units_by_group(groups: &[Group]) -> Vec<(Group, Vec<UnitChoice>)> {
    let mut seen: Vec<&str> = Vec::new();
    let mut result = Vec::new();
    for group in groups
        .iter()
        .filter(|group| group.backend == BackendKind::Systemd)
    {
        let mut units = Vec::new();
        for choice in &group.units {
            if choice
                .alternatives
                .iter()
                .any(|unit| seen.contains(&unit.as_str()))
            {
                continue;
            }
            seen.extend(choice.alternatives.iter().map(String::as_str));
            units.push(choice.clone());
        }
        result.push((group.clone(), units));
    }
    result
}

/// Takes a snapshot of every present group. `clients` are reused when given
/// (a lifecycle verb re-reads the state with the connections it has).
pub async fn take(
    catalog: &Catalog,
    clients: Option<Clients>,
    budget: Duration,
) -> Result<(Snapshot, Clients), Failure> {
    let groups: Vec<Group> = catalog.present_groups().into_iter().cloned().collect();
    let compose_groups: Vec<Group> = groups
        .iter()
        .filter(|group| group.backend == BackendKind::Compose)
        .cloned()
        .collect();
    let unit_groups = units_by_group(&groups);
    let (reuse_docker, reuse_systemd) = match clients {
        Some(clients) => (clients.docker, clients.systemd),
        None => (None, None),
    };
    // Every call below is bounded by this deadline, so a hung daemon costs at
    // most `budget` and never hides the other daemon's services.
    let deadline = Instant::now() + budget;
    let compose = async {
        if compose_groups.is_empty() {
            return Ok(None);
        }
        compose_side(compose_groups.clone(), deadline, reuse_docker)
            .await
            .map(Some)
    };
    let systemd = async {
        if unit_groups.is_empty() {
            return None;
        }
        Some(systemd_side(unit_groups.clone(), deadline, reuse_systemd).await)
    };
    let (compose, systemd) = tokio::join!(compose, systemd);
    let mut services = Vec::new();
    let mut errors = Vec::new();
    let mut projects = BTreeMap::new();
    let mut clients = Clients {
        docker: None,
        systemd: None,
    };
    if let Some((rows, error, group_projects, client)) = compose? {
        services.extend(rows);
        errors.extend(error);
        projects = group_projects;
        clients.docker = Some(client);
    }
    if let Some((rows, error, client)) = systemd {
        services.extend(rows);
        errors.extend(error);
        clients.systemd = Some(client);
    }
    // Keep catalog order: groups as listed, services as each group lists them.
    let order: Vec<&str> = groups.iter().map(|group| group.name.as_str()).collect();
    services.sort_by_key(|service| order.iter().position(|name| *name == service.group));
    Ok((
        Snapshot {
            services,
            errors,
            projects,
            groups,
        },
        clients,
    ))
}

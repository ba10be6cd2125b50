//! A compose group as `status` shows it: one row per service declared in the
//! compose files in use, plus any container of the project that no file
//! declares. One-off containers and other projects' containers are not rows.

use super::docker::{Container, DockerClient};
use super::docker_state::observe_container;
use super::error::BackendError;
use super::state::{Handle, Observation, ServiceStatus};
use crate::catalog::{BackendKind, Group};
use crate::compose::{ComposeError, ComposeProject, FileSet};
use std::path::PathBuf;
use std::time::Duration;

/// What a compose group looks like now.
pub struct ComposeReport {
    pub rows: Vec<ServiceStatus>,
    pub project: ComposeProject,
    pub error: Option<BackendError>,
}

/// The compose files a group uses: those its containers were created from
/// (a console runs one product, so one of its two files), else every listed
/// file that exists.
pub fn files_in_use(group: &Group, containers: &[Container]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = Vec::new();
    for container in containers {
        for file in &container.config_files {
            if file.exists() && !files.contains(file) {
                files.push(file.clone());
            }
        }
    }
    if files.is_empty() {
        files = group
            .files
            .iter()
            .filter(|file| file.exists())
            .cloned()
            .collect();
    }
    files
}

/// The profiles `docker compose up` would activate (`COMPOSE_PROFILES`).
fn active_profiles() -> Vec<String> {
    std::env::var("COMPOSE_PROFILES")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|profile| !profile.is_empty())
        .map(String::from)
        .collect()
}

fn has_own_healthcheck(container: &Container) -> bool {
    container
        .inspect
        .config
        .as_ref()
        .and_then(|config| config.healthcheck.as_ref())
        .and_then(|healthcheck| healthcheck.test.as_ref())
        .is_some_and(|test| test.first().is_some_and(|word| word != "NONE"))
}

/// The worst of a service's containers decides its row (scaled services).
fn worst(containers: &[&Container]) -> Observation {
    let observations: Vec<Observation> = containers
        .iter()
        .map(|container| observe_container(&container.inspect, Some(&container.status_text)))
        .collect();
    let mut chosen = observations
        .iter()
        .find(|observation| !observation.is_ok())
        .unwrap_or(&observations[0])
        .clone();
    if observations.len() > 1 {
        chosen.detail = format!(
            "{} (+{} more containers)",
            chosen.detail,
            observations.len() - 1
        );
    }
    chosen
}

/// Asks Docker about a compose group and reads its compose files.
pub async fn compose_group(
    client: Result<&DockerClient, &BackendError>,
    group: &Group,
    timeout: Duration,
) -> Result<ComposeReport, ComposeError> {
    let project_name = group.project.clone().unwrap_or_default();
    // Read the compose files while Docker lists the containers.
    let candidates: Vec<PathBuf> = group
        .files
        .iter()
        .filter(|file| file.exists())
        .cloned()
        .collect();
    let read_ahead = tokio::task::spawn_blocking(move || FileSet::read(&candidates));
    let (containers, error) = match client {
        Ok(client) => match client.project_containers(&project_name, timeout).await {
            Ok(containers) => (containers, None),
            Err(error) => (Vec::new(), Some(error)),
        },
        Err(error) => (Vec::new(), Some(error.clone())),
    };
    let mut files = read_ahead.await.unwrap_or_default();
    let project = files.project(&files_in_use(group, &containers))?;
    let profiles = active_profiles();
    let mut rows = Vec::new();
    let handle = |service: &str, container: Option<&Container>| Handle::Container {
        project: project_name.clone(),
        service: service.to_string(),
        id: container.map(|container| container.id.clone()),
    };
    let mut declared: Vec<&str> = Vec::new();
    for service in project.enabled_services(&profiles) {
        declared.push(&service.name);
        let own: Vec<&Container> = containers
            .iter()
            .filter(|container| container.service == service.name)
            .collect();
        let observation = match (&error, own.is_empty()) {
            (Some(_), _) => Observation::unknown("Docker could not be asked"),
            (None, true) => Observation::missing("no container"),
            (None, false) => worst(&own),
        };
        let mut row = ServiceStatus::new(
            &service.name,
            &group.name,
            BackendKind::Compose,
            handle(&service.name, own.first().copied()),
            observation,
        );
        row.has_healthcheck = service.has_healthcheck;
        rows.push(row);
    }
    // Containers of the project that the files in use do not declare.
    let mut extra: Vec<&str> = containers
        .iter()
        .map(|container| container.service.as_str())
        .filter(|service| !service.is_empty() && !declared.contains(service))
        .collect();
    extra.dedup();
    extra.sort_unstable();
    extra.dedup();
    for service in extra {
        let own: Vec<&Container> = containers
            .iter()
            .filter(|container| container.service == service)
            .collect();
        let mut row = ServiceStatus::new(
            service,
            &group.name,
            BackendKind::Compose,
            handle(service, own.first().copied()),
            worst(&own),
        );
        row.has_healthcheck = own.iter().any(|container| has_own_healthcheck(container));
        rows.push(row);
    }
    Ok(ComposeReport {
        rows,
        project,
        error,
    })
}

//! A compose group as `status` shows it: one row per service declared in the
//! compose files in use, plus any container of the project that no file
//! declares. One-off containers and other projects' containers are not rows.

use super::docker::DockerClient;
use super::docker_containers::Container;
use super::docker_state::observe_container;
use crate::backend::error::BackendError;
use crate::catalog::Group;
use crate::compose::{ComposeError, ComposeProject, FileSet, RememberedProject};
use crate::model::{BackendKind, Handle, Observation, ServiceStatus};
use std::collections::{HashMap, HashSet};
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
    let mut seen: HashSet<&PathBuf> = HashSet::new();
    for container in containers {
        for file in &container.config_files {
            if seen.insert(file) && file.exists() {
                files.push(file.clone());
            }
        }
    }
    if files.is_empty() {
        files = group.existing_files();
    }
    files
}

/// The profiles `docker compose up` would activate (`COMPOSE_PROFILES`).
fn active_profiles() -> Vec<String> {
    crate::settings::get().compose_profiles.clone()
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
    let candidates = group.existing_files();
    // A project remembered from an earlier run is used while its files are
    // unchanged; else the files are read while Docker lists the containers.
    let remembered = RememberedProject::load(&group.name);
    let read_ahead = remembered
        .is_none()
        .then(|| tokio::task::spawn_blocking(move || FileSet::read(&candidates)));
    let (containers, error) = match client {
        Ok(client) => match client.project_containers(&project_name, timeout).await {
            Ok(containers) => (containers, None),
            Err(error) => (Vec::new(), Some(error)),
        },
        Err(error) => (Vec::new(), Some(error.clone())),
    };
    let in_use = files_in_use(group, &containers);
    let project = match remembered {
        Some(remembered) if remembered.files == in_use => remembered.project,
        _ => {
            let mut files = match read_ahead {
                Some(reading) => reading.await.unwrap_or_default(),
                None => FileSet::default(),
            };
            let project = files.project(&in_use)?;
            RememberedProject::store(&group.name, &in_use, &files.read_paths(), &project);
            project
        }
    };
    let profiles = active_profiles();
    let mut rows = Vec::new();
    let handle = |service: &str, container: Option<&Container>| {
        Handle::new(BackendKind::Compose, service)
            .within(project_name.clone())
            .run_by(container.map(|container| container.id.clone()))
    };
    let mut by_service: HashMap<&str, Vec<&Container>> = HashMap::new();
    for container in &containers {
        by_service
            .entry(container.service.as_str())
            .or_default()
            .push(container);
    }
    let mut declared: HashSet<&str> = HashSet::new();
    for service in project.enabled_services(&profiles) {
        declared.insert(&service.name);
        let own: &[&Container] = by_service
            .get(service.name.as_str())
            .map_or(&[], Vec::as_slice);
        let observation = match (&error, own.is_empty()) {
            (Some(_), _) => Observation::unknown("Docker could not be asked"),
            (None, true) => Observation::missing("no container"),
            (None, false) => worst(own),
        };
        rows.push(ServiceStatus::new(
            &service.name,
            &group.name,
            handle(&service.name, own.first().copied()),
            observation,
        ));
    }
    // Containers of the project that the files in use do not declare.
    let mut extra: Vec<(&str, &Vec<&Container>)> = by_service
        .iter()
        .filter(|(service, _)| !service.is_empty() && !declared.contains(*service))
        .map(|(service, own)| (*service, own))
        .collect();
    extra.sort_unstable_by_key(|(service, _)| *service);
    for (service, own) in extra {
        rows.push(ServiceStatus::new(
            service,
            &group.name,
            handle(service, own.first().copied()),
            worst(own),
        ));
    }
    Ok(ComposeReport {
        rows,
        project,
        error,
    })
}

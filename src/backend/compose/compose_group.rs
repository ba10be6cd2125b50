//! A compose group as `status` shows it: one row per service declared in the
//! compose files in use, plus any container of the project that no file
//! declares. One-off containers and other projects' containers are not rows.
//! When the files cannot be read (a bad edit), the rows are the project's
//! containers as Docker lists them, each marked so, and the report says why.

use super::compose_settings::ComposeSettings;
use super::docker::DockerClient;
use super::docker_containers::Container;
use super::docker_state::observe_container;
use crate::backend::error::BackendError;
use crate::catalog::Group;
use crate::compose_file::{ComposeError, ComposeProject, FileSet, RememberedProject};
use crate::model::{Handle, Observation, ServiceStatus};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

/// What a compose group looks like now.
pub struct ComposeReport {
    pub rows: Vec<ServiceStatus>,
    /// The project its files declare, or why they could not be read.
    pub project: Result<ComposeProject, ComposeError>,
    pub error: Option<BackendError>,
}

/// The DETAIL of a container shown without its compose file.
const UNREAD_MARK: &str = "(compose file unreadable)";

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

/// Asks Docker about a compose group and reads its compose files; files that
/// cannot be read leave the rows to Docker's labels.
pub async fn compose_group(
    client: Result<&DockerClient, &BackendError>,
    group: &Group,
    timeout: Duration,
    settings: &ComposeSettings,
) -> ComposeReport {
    let project_name = group.project.clone().unwrap_or_default();
    // Read the compose files while Docker lists the containers.
    let candidates = group.existing_files();
    // A project remembered from an earlier run is used while its files are
    // unchanged; else the files are read while Docker lists the containers.
    let remembered = RememberedProject::load(&settings.cache_dir, &group.name);
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
    let project = project_in_use(group, &in_use, remembered, read_ahead, settings).await;
    let rows = RowSource {
        group,
        project_name: &project_name,
        containers: &containers,
        project: &project,
        docker_answered: error.is_none(),
    }
    .rows(&settings.profiles);
    ComposeReport {
        rows,
        project,
        error,
    }
}

/// The project the files in use declare: the remembered one while those files
/// are the ones it was read from, else the files read ahead (remembered for
/// the next run when they parse).
async fn project_in_use(
    group: &Group,
    in_use: &[PathBuf],
    remembered: Option<RememberedProject>,
    read_ahead: Option<tokio::task::JoinHandle<FileSet>>,
    settings: &ComposeSettings,
) -> Result<ComposeProject, ComposeError> {
    if let Some(remembered) = remembered
        && remembered.files == in_use
    {
        return Ok(remembered.project);
    }
    let mut files = match read_ahead {
        Some(reading) => reading.await.unwrap_or_default(),
        None => FileSet::default(),
    };
    let project = files.project(in_use);
    if let Ok(project) = &project {
        RememberedProject::store(
            &settings.cache_dir,
            &group.name,
            in_use,
            &files.read_paths(),
            project,
        );
    }
    project
}

/// What a group's rows are made from: Docker's containers of the project and
/// the services its files declare.
struct RowSource<'a> {
    group: &'a Group,
    project_name: &'a str,
    containers: &'a [Container],
    project: &'a Result<ComposeProject, ComposeError>,
    docker_answered: bool,
}

impl RowSource<'_> {
    /// One row per declared service (enabled by `profiles`), then one per
    /// service of the project's containers that no file declares.
    fn rows(&self, profiles: &[String]) -> Vec<ServiceStatus> {
        let mut by_service: HashMap<&str, Vec<&Container>> = HashMap::new();
        for container in self.containers {
            by_service
                .entry(container.service.as_str())
                .or_default()
                .push(container);
        }
        let mut rows = Vec::new();
        let mut declared: HashSet<&str> = HashSet::new();
        let services = self
            .project
            .as_ref()
            .map(|project| project.enabled_services(profiles).collect::<Vec<_>>())
            .unwrap_or_default();
        for service in services {
            declared.insert(&service.name);
            let own: &[&Container] = by_service
                .get(service.name.as_str())
                .map_or(&[], Vec::as_slice);
            let observation = match (self.docker_answered, own.is_empty()) {
                (false, _) => Observation::unknown("Docker could not be asked"),
                (true, true) => Observation::missing("no container"),
                (true, false) => worst(own),
            };
            rows.push(self.row(&service.name, own, observation));
        }
        // Containers of the project that the files in use do not declare.
        let mut extra: Vec<(&str, &Vec<&Container>)> = by_service
            .iter()
            .filter(|(service, _)| !service.is_empty() && !declared.contains(*service))
            .map(|(service, own)| (*service, own))
            .collect();
        extra.sort_unstable_by_key(|(service, _)| *service);
        for (service, own) in extra {
            let mut observation = worst(own);
            if self.project.is_err() {
                observation.detail = format!("{} {UNREAD_MARK}", observation.detail);
            }
            rows.push(self.row(service, own, observation));
        }
        rows
    }

    /// A service's row, its handle naming its first container.
    fn row(&self, service: &str, own: &[&Container], observation: Observation) -> ServiceStatus {
        let handle = Handle::compose(
            self.project_name.to_string(),
            service,
            own.first().map(|container| container.id.clone()),
        );
        ServiceStatus::new(service, &self.group.name, handle, observation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::model::BackendKind;
    use crate::settings::Settings;

    /// What observing a group whose one compose file is `text` finds,
    /// Docker being absent, and the group.
    async fn observed(text: &str) -> (ComposeReport, Group) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("docker-compose-hyperbdr.yml");
        std::fs::write(&file, text).unwrap();
        let mut group = Catalog::builtin().group("console").unwrap().clone();
        group.name = "unread-test".into();
        group.files = vec![file];
        let absent = BackendError::Unreachable {
            backend: BackendKind::Compose,
            endpoint: "unix:///nonexistent".into(),
            detail: "no such socket".into(),
        };
        let settings = ComposeSettings::from(&Settings::for_test(dir.path()));
        let report = compose_group(Err(&absent), &group, Duration::from_secs(1), &settings).await;
        (report, group)
    }

    #[tokio::test]
    async fn a_file_that_does_not_parse_is_reported_not_raised() {
        let (report, group) = observed("services:\n  plain:\n    image: [unclosed\n").await;
        let Err(error) = &report.project else {
            panic!("the file parsed")
        };
        assert_eq!(error.file(), group.files[0].as_path());
        assert!(error.to_string().contains("line 3"), "{error}");
        assert!(
            report.rows.is_empty(),
            "no file, no Docker: nothing to show"
        );
        assert!(report.error.is_some(), "Docker's absence is still said");
    }

    #[tokio::test]
    async fn a_file_that_parses_declares_its_services() {
        let (report, _) = observed("services:\n  plain: {image: x}\n").await;
        assert!(report.project.is_ok());
        assert_eq!(report.rows.len(), 1);
        assert_eq!(report.rows[0].name, "plain");
    }
}

//! The Compose backend: groups of Docker containers described by compose
//! files. It reads the Docker API (with its fast paths: the raw container
//! list, the inspect cache, the remembered compose parse) and runs the
//! Compose CLI only to create or recreate a container from the files.

mod compose_cli;
mod compose_generation;
mod compose_group;
mod compose_settings;
mod container_zone;
mod details;
mod docker;
mod docker_containers;
mod docker_events;
mod docker_list;
mod docker_output;
mod docker_ping;
mod docker_state;
mod inspect_cache;
mod module;
mod restart_policy;

use super::{
    BackendError, EventWindow, EventsRead, GroupsReport, OutputLine, OutputSource, ServiceBackend,
    Verdict, WriterZones,
};
use crate::catalog::Group;
use crate::compose_file::ComposeProject;
use crate::exit::Failure;
use crate::model::{
    Action, AutoStart, BackendKind, Details, EventSource, Handle, Observation, ServiceEvent,
    ServiceStatus, Step,
};
use compose_group::compose_group;
use compose_settings::ComposeSettings;
use docker::{CALL_MARGIN, DockerClient, label, short};
use docker_state::observe_container;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How long one look at a service may take.
const OBSERVE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `docker compose up` of one service may take.
const CREATE_TIMEOUT: Duration = Duration::from_secs(300);
/// How long `docker compose config --hash` may take.
const HASH_TIMEOUT: Duration = Duration::from_secs(60);

/// A connection to Docker, or why there is none.
pub struct Compose {
    client: Result<DockerClient, BackendError>,
    /// What this kind reads of the settings it was connected by.
    settings: ComposeSettings,
}

impl Compose {
    fn docker(&self) -> Result<&DockerClient, BackendError> {
        self.client.as_ref().map_err(Clone::clone)
    }

    /// The id of the container that runs `handle`'s service now.
    async fn container_of(&self, handle: &Handle) -> Result<String, BackendError> {
        if let Some(id) = &handle.instance {
            return Ok(id.clone());
        }
        let (Some(project), service) = (&handle.scope, &handle.name) else {
            return Err(no_container(&handle.name));
        };
        self.docker()?
            .service_container(project, service, self.settings.daemon_timeout)
            .await?
            .and_then(|inspect| inspect.id)
            .ok_or_else(|| no_container(service))
    }
}

fn no_container(service: &str) -> BackendError {
    BackendError::Refused {
        backend: BackendKind::Compose,
        action: format!("change the restart policy of {service}"),
        detail: "it has no container".into(),
    }
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

/// Compares one service's container with its image tag and compose hash.
async fn verdict(
    docker: &DockerClient,
    service: &ServiceStatus,
    hashes: &HashMap<String, String>,
) -> Result<Verdict, Failure> {
    let Some(id) = &service.handle.instance else {
        return Ok(Verdict::Current(
            "no container (use `hmctl start` to create it)".into(),
        ));
    };
    let inspect = docker
        .inspect(id, OBSERVE_TIMEOUT)
        .await
        .map_err(BackendError::into_failure)?;
    let config = inspect.config.unwrap_or_default();
    let tag = config.image.unwrap_or_default();
    let running = inspect.image.unwrap_or_default();
    if let Some(now) = docker
        .image_id(&tag, OBSERVE_TIMEOUT)
        .await
        .map_err(BackendError::into_failure)?
        && now != running
    {
        return Ok(Verdict::Outdated(format!(
            "{tag} is now {} (the container runs {})",
            short(&now),
            short(&running)
        )));
    }
    let label_hash = config
        .labels
        .unwrap_or_default()
        .get(label::CONFIG_HASH)
        .cloned();
    if let (Some(wanted), Some(has)) = (hashes.get(&service.name), label_hash)
        && *wanted != has
    {
        return Ok(Verdict::Outdated(
            "its compose configuration changed".into(),
        ));
    }
    Ok(Verdict::Current(format!(
        "current ({tag} {})",
        short(&running)
    )))
}

/// Sends (when following) or collects a byte stream's lines.
async fn read_lines(
    mut stream: impl futures_util::Stream<Item = Result<Vec<u8>, BackendError>> + Unpin,
    name: &str,
    follow: Option<&mpsc::UnboundedSender<OutputLine>>,
) -> Result<Vec<Vec<u8>>, Failure> {
    let mut lines = Vec::new();
    let mut partial = Vec::new();
    while let Some(chunk) = stream.next().await {
        partial.extend(chunk.map_err(BackendError::into_failure)?);
        while let Some(end) = partial.iter().position(|byte| *byte == b'\n') {
            let mut line: Vec<u8> = partial.drain(..=end).collect();
            line.pop();
            match follow {
                Some(sender) => {
                    let _ = sender.send(OutputLine {
                        source: name.to_string(),
                        text: line,
                    });
                }
                None => lines.push(line),
            }
        }
    }
    Ok(lines)
}

impl ServiceBackend for Compose {
    async fn observe_groups(
        &self,
        groups: &[Group],
        deadline: Instant,
    ) -> Result<GroupsReport, Failure> {
        let mut report = GroupsReport::default();
        for group in groups {
            let found = compose_group(
                self.client.as_ref(),
                group,
                remaining(deadline),
                &self.settings,
            )
            .await;
            report.add(found.rows, found.error);
            match found.project {
                Ok(project) => {
                    report.projects.insert(group.name.clone(), project);
                }
                Err(error) => report.unread.push(super::UnreadFiles {
                    group: group.name.clone(),
                    error,
                }),
            }
        }
        Ok(report)
    }

    async fn observe(&self, handle: &Handle) -> Result<Observation, BackendError> {
        let (Some(project), service) = (&handle.scope, &handle.name) else {
            return Ok(Observation::missing("not a compose service"));
        };
        match self
            .docker()?
            .service_container(project, service, OBSERVE_TIMEOUT)
            .await?
        {
            Some(inspect) => Ok(observe_container(&inspect, None)),
            None => Ok(Observation::missing("no container")),
        }
    }

    async fn act(
        &self,
        step: &Step,
        _wait_for_job: bool,
        _job_timeout: Duration,
    ) -> Result<Option<String>, BackendError> {
        let Handle {
            scope: Some(project),
            name: service,
            instance: id,
            ..
        } = &step.handle
        else {
            return Ok(None);
        };
        let docker = self.docker()?;
        match (step.action, id) {
            (Action::Create | Action::Recreate, _) => {
                let force = step.action == Action::Recreate;
                compose_cli::up(
                    project,
                    &step.compose_files,
                    service,
                    force,
                    CREATE_TIMEOUT,
                    &self.settings,
                )
                .await?;
            }
            (Action::Start, Some(id)) => docker.start(id, OBSERVE_TIMEOUT + CALL_MARGIN).await?,
            (Action::Stop, Some(id)) => docker.stop(id, step.stop_grace).await?,
            (Action::Restart, Some(id)) => docker.restart(id, step.stop_grace).await?,
            (Action::Start | Action::Stop | Action::Restart, None) => {
                return Err(BackendError::Refused {
                    backend: BackendKind::Compose,
                    action: format!("{} {service}", step.action.as_str()),
                    detail: "it has no container".into(),
                });
            }
            (Action::Wait | Action::Skip | Action::Impossible, _) => {}
        }
        Ok(None)
    }

    async fn auto_start(&self, handle: &Handle) -> Result<AutoStart, BackendError> {
        let id = self.container_of(handle).await?;
        self.docker()?
            .restart_policy(&id, self.settings.daemon_timeout)
            .await
    }

    async fn set_auto_start(
        &self,
        handle: &Handle,
        wanted: &AutoStart,
    ) -> Result<(), BackendError> {
        let id = self.container_of(handle).await?;
        self.docker()?
            .set_restart_policy(&id, wanted, self.settings.daemon_timeout)
            .await
    }

    async fn output(
        &self,
        source: &OutputSource<'_>,
        lines: usize,
        follow: Option<mpsc::UnboundedSender<OutputLine>>,
    ) -> Result<Vec<Vec<u8>>, Failure> {
        let docker = self.docker().map_err(BackendError::into_failure)?;
        let project = source.group.project.clone().unwrap_or_default();
        let inspect = docker
            .service_container(&project, source.name, self.settings.daemon_timeout)
            .await
            .map_err(BackendError::into_failure)?
            .ok_or_else(|| {
                Failure::usage(format!("{} has no log file and no container", source.name))
            })?;
        let id = inspect.id.unwrap_or_default();
        let stream = docker
            .output(&id, lines, follow.is_some())
            .await
            .map_err(BackendError::into_failure)?;
        read_lines(Box::pin(stream), source.name, follow.as_ref()).await
    }

    async fn verdicts(
        &self,
        group: &Group,
        project: Option<&ComposeProject>,
        services: &[&ServiceStatus],
    ) -> Result<HashMap<String, Verdict>, Failure> {
        let docker = self.docker().map_err(BackendError::into_failure)?;
        // Without the hashes, images alone decide.
        let hashes = match (&group.project, project) {
            (Some(name), Some(project)) => {
                compose_cli::config_hashes(name, &project.files, HASH_TIMEOUT, &self.settings)
                    .await
                    .unwrap_or_default()
            }
            _ => HashMap::new(),
        };
        let mut verdicts = HashMap::new();
        for service in services {
            verdicts.insert(
                format!("{}/{}", service.group, service.name),
                verdict(docker, service, &hashes).await?,
            );
        }
        Ok(verdicts)
    }

    async fn describe(&self, group: &Group) -> Option<String> {
        let containers = self
            .docker()
            .ok()?
            .project_containers(
                group.project.as_deref().unwrap_or_default(),
                Duration::from_secs(10),
            )
            .await
            .ok()?;
        let inspected: Vec<_> = containers
            .iter()
            .map(|container| &container.inspect)
            .collect();
        serde_json::to_string_pretty(&inspected).ok()
    }

    /// Each container's zone; files no container claims are in the zone all
    /// the group's containers share, else in UTC (Docker's default).
    async fn writer_zones(&self, group: &Group, timeout: Duration) -> WriterZones {
        let project = group.project.as_deref().unwrap_or_default();
        let asked = match self.docker() {
            Ok(docker) => docker.project_zones(project, timeout).await,
            Err(error) => Err(error),
        };
        match asked {
            Ok(services) => WriterZones {
                others: container_zone::zone_of_unclaimed(&services),
                services,
                unasked: None,
            },
            Err(error) => WriterZones {
                unasked: Some(error.to_string()),
                ..WriterZones::all_in(jiff::tz::TimeZone::UTC)
            },
        }
    }

    async fn details(&self, handle: &Handle, timeout: Duration) -> Result<Details, BackendError> {
        let Some(id) = &handle.instance else {
            return Ok(Details::default());
        };
        let docker = self.docker()?;
        let (inspect, output) = tokio::join!(
            docker.inspect(id, timeout),
            details::last_output(docker, id, timeout)
        );
        Ok(Details {
            output,
            ..details::of_container(&inspect?)
        })
    }

    async fn events(
        &self,
        groups: &[Group],
        window: EventWindow,
        timeout: Duration,
        follow: Option<mpsc::UnboundedSender<ServiceEvent>>,
    ) -> EventsRead {
        match self.docker() {
            Ok(docker) => project_events(docker, groups, window, timeout, follow.as_ref()).await,
            Err(error) => {
                let mut read = EventsRead::default();
                read.add(EventSource::DockerEvents, Err(error));
                read
            }
        }
    }
}

/// Docker's events of `groups`' projects, and (reading a window) each
/// container's last start and finish within it.
async fn project_events(
    docker: &DockerClient,
    groups: &[Group],
    window: EventWindow,
    timeout: Duration,
    follow: Option<&mpsc::UnboundedSender<ServiceEvent>>,
) -> EventsRead {
    let projects: Vec<(&str, &str)> = groups
        .iter()
        .filter_map(|group| Some((group.project.as_deref()?, group.name.as_str())))
        .collect();
    let streams = projects.iter().map(|(project, group)| {
        let bounds = (window.since, window.until);
        docker.project_events(project, group, bounds, timeout, follow)
    });
    // A window's states are read while Docker streams its events.
    let states = async {
        if follow.is_some() {
            return None;
        }
        let states = projects
            .iter()
            .map(|(project, group)| docker.project_states(project, group, timeout));
        Some(futures_util::future::join_all(states).await)
    };
    let (streamed, states) = tokio::join!(futures_util::future::join_all(streams), states);
    let mut read = EventsRead::default();
    let streamed: Result<Vec<Vec<ServiceEvent>>, BackendError> = streamed.into_iter().collect();
    read.add(
        EventSource::DockerEvents,
        streamed.map(|events| events.concat()),
    );
    if let Some(states) = states {
        let states: Result<Vec<Vec<ServiceEvent>>, BackendError> = states.into_iter().collect();
        read.add(
            EventSource::ContainerState,
            states.map(|events| {
                events
                    .into_iter()
                    .flatten()
                    .filter(|event| window.contains(event.time))
                    .collect()
            }),
        );
    }
    read
}

/// A recorded `docker inspect` answer from `fixtures/`, for the tests of the
/// pure functions that read it.
#[cfg(test)]
fn fixture(name: &str) -> bollard::models::ContainerInspectResponse {
    let path = format!(
        "{}/src/backend/compose/fixtures/docker-inspect-{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

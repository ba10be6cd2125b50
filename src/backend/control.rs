//! Carrying out a plan's steps on the real daemons: the Docker API for
//! existing containers, the Compose CLI for missing ones, systemd jobs for
//! units.

use super::compose_cli;
use super::docker::{CALL_MARGIN, DockerClient};
use super::docker_state::observe_container;
use super::error::BackendError;
use super::state::{Handle, Observation};
use super::systemd::{SystemdClient, UnitAction};
use super::systemd_state::observe_unit;
use crate::ops::execute::Control;
use crate::ops::plan::{Action, Step};
use std::time::Duration;

/// How long one look at a service may take while waiting.
const OBSERVE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `docker compose up` of one service may take.
const CREATE_TIMEOUT: Duration = Duration::from_secs(300);

/// The connected daemons.
pub struct Daemons {
    pub docker: Option<DockerClient>,
    pub systemd: Option<SystemdClient>,
    /// How long a systemd job may take.
    pub job_timeout: Duration,
}

fn not_connected(daemon: &'static str) -> BackendError {
    BackendError::Unreachable {
        daemon,
        endpoint: match daemon {
            "Docker" => super::docker::endpoint(),
            _ => super::systemd::endpoint(),
        },
        detail: "not connected".into(),
    }
}

impl Daemons {
    fn docker(&self) -> Result<&DockerClient, BackendError> {
        self.docker.as_ref().ok_or_else(|| not_connected("Docker"))
    }

    fn systemd(&self) -> Result<&SystemdClient, BackendError> {
        self.systemd
            .as_ref()
            .ok_or_else(|| not_connected("systemd"))
    }
}

impl Control for Daemons {
    async fn act(&self, step: &Step, wait_for_job: bool) -> Result<Option<String>, BackendError> {
        match &step.handle {
            Handle::Container {
                project,
                service,
                id,
            } => {
                let docker = self.docker()?;
                match (step.action, id) {
                    (Action::Create, _) => {
                        compose_cli::create(project, &step.compose_files, service, CREATE_TIMEOUT)
                            .await?;
                    }
                    (Action::Recreate, _) => {
                        compose_cli::recreate(
                            project,
                            &step.compose_files,
                            service,
                            CREATE_TIMEOUT,
                        )
                        .await?;
                    }
                    (Action::Start, Some(id)) => {
                        docker.start(id, OBSERVE_TIMEOUT + CALL_MARGIN).await?
                    }
                    (Action::Stop, Some(id)) => docker.stop(id, step.stop_grace).await?,
                    (Action::Restart, Some(id)) => docker.restart(id, step.stop_grace).await?,
                    (Action::Start | Action::Stop | Action::Restart, None) => {
                        return Err(BackendError::Refused {
                            daemon: "Docker",
                            action: format!("{} {service}", step.action.as_str()),
                            detail: "it has no container".into(),
                        });
                    }
                    (Action::Wait | Action::Skip | Action::Impossible, _) => {}
                }
                Ok(None)
            }
            Handle::Unit { name } => {
                let action = match step.action {
                    Action::Start | Action::Create | Action::Recreate => UnitAction::Start,
                    Action::Stop => UnitAction::Stop,
                    Action::Restart => UnitAction::Restart,
                    Action::Wait | Action::Skip | Action::Impossible => return Ok(None),
                };
                let timeout = self.job_timeout.max(step.stop_grace + CALL_MARGIN);
                let result = self
                    .systemd()?
                    .act(name, action, wait_for_job, timeout)
                    .await?;
                Ok(match result.as_str() {
                    "done" | "queued" => None,
                    _ => Some(result),
                })
            }
        }
    }

    async fn observe(&self, step: &Step) -> Result<Observation, BackendError> {
        match &step.handle {
            Handle::Container {
                project, service, ..
            } => {
                match self
                    .docker()?
                    .service_container(project, service, OBSERVE_TIMEOUT)
                    .await?
                {
                    Some(inspect) => Ok(observe_container(&inspect, None)),
                    None => Ok(Observation::missing("no container")),
                }
            }
            Handle::Unit { name } => Ok(observe_unit(
                &self.systemd()?.unit(name, OBSERVE_TIMEOUT).await?,
            )),
        }
    }
}

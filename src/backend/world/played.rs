//! The world playing one kind of daemon behind the seam ([`ServiceBackend`]):
//! what `ops` is handed in place of Docker or systemd. A daemon scripted as
//! refused answers every call with the error a refused connection gives; a
//! hung one answers nothing, so each call ends when the caller's timeout
//! passes (at once under tokio's paused clock).

use super::{Acted, Daemon, Service, World, handle_of};
use crate::backend::{
    BackendError, GroupDefinition, GroupsReport, OutputLine, OutputSource, ServiceBackend, Verdict,
    WriterZones,
};
use crate::catalog::{Group, service_name_of_unit};
use crate::exit::Failure;
use crate::model::{
    AutoStart, BackendKind, Details, Handle, Observation, RestartPolicyName, ServiceStatus, Step,
    UNIT_ENABLED,
};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// The world, as the daemon of one kind.
#[derive(Debug)]
pub struct Played {
    world: World,
    kind: BackendKind,
    /// Why it could not be connected, if it could not.
    connection: Option<BackendError>,
    /// How long each call may wait for an answer.
    timeout: Duration,
}

impl Played {
    pub(super) fn new(
        world: World,
        kind: BackendKind,
        daemon: Daemon,
        timeout: Duration,
    ) -> Played {
        let connection = match daemon {
            Daemon::Up => None,
            Daemon::Refused => Some(refused(kind)),
            Daemon::Hung => Some(hung(kind, timeout)),
        };
        Played {
            world,
            kind,
            connection,
            timeout,
        }
    }

    /// The kind it plays.
    pub fn kind(&self) -> BackendKind {
        self.kind
    }

    /// Why it could not be connected, if it could not.
    pub fn connection_error(&self) -> Option<&BackendError> {
        self.connection.as_ref()
    }

    /// Waits for the daemon's answer until `deadline`: nothing when it
    /// answers, else why not (a hung daemon's when the deadline passes).
    async fn reached(&self, deadline: Instant) -> Result<(), BackendError> {
        if let Some(error) = &self.connection {
            return Err(error.clone());
        }
        match self.world.daemon(self.kind) {
            Daemon::Up => Ok(()),
            Daemon::Refused => Err(refused(self.kind)),
            Daemon::Hung => {
                let after = deadline.saturating_duration_since(Instant::now());
                tokio::time::sleep_until(deadline).await;
                Err(hung(self.kind, after))
            }
        }
    }

    /// [`Played::reached`] within this backend's own timeout.
    async fn answers(&self) -> Result<(), BackendError> {
        self.reached(Instant::now() + self.timeout).await
    }

    /// The rows of `group`: as the world holds them, or unknown with `error`.
    fn rows(&self, group: &Group, error: Option<&BackendError>) -> Vec<ServiceStatus> {
        let inner = self.world.lock();
        let now = Instant::now();
        inner
            .services_of(&group.name)
            .map(|placed| {
                let observation = match error {
                    Some(_) => {
                        Observation::unknown(format!("{} could not be asked", self.kind.daemon()))
                    }
                    None => {
                        let service = placed.service.at(now);
                        let since = service.since.map(|since| inner.wall(since));
                        service.observation(since)
                    }
                };
                ServiceStatus::new(
                    &placed.name,
                    &group.name,
                    handle_of(self.kind, &group.name, &placed.name),
                    observation,
                )
            })
            .collect()
    }

    /// The world's name of the service `handle` reaches.
    fn name_of(handle: &Handle) -> &str {
        service_name_of_unit(&handle.name)
    }

    /// The service `handle` reaches as it is now, and since when (wall
    /// clock), or the daemon's word that it has none such.
    fn now_of(&self, handle: &Handle) -> Result<(Service, Option<jiff::Timestamp>), BackendError> {
        let inner = self.world.lock();
        let placed = inner
            .services
            .iter()
            .find(|placed| placed.name == Played::name_of(handle))
            .ok_or_else(|| self.missing(handle))?;
        let service = placed.service.at(Instant::now());
        let since = service.since.map(|since| inner.wall(since));
        Ok((service, since))
    }

    fn missing(&self, handle: &Handle) -> BackendError {
        BackendError::Refused {
            backend: self.kind,
            action: "find the service".into(),
            detail: format!("no such service {:?}", handle.name),
        }
    }
}

/// Where the world's daemon of `kind` is, for messages.
fn endpoint(kind: BackendKind) -> String {
    format!("the world's {}", kind.daemon())
}

/// What a refused connection says.
fn refused(kind: BackendKind) -> BackendError {
    BackendError::Unreachable {
        backend: kind,
        endpoint: endpoint(kind),
        detail: "connection refused".into(),
    }
}

/// What a daemon that did not answer within `after` says.
fn hung(kind: BackendKind, after: Duration) -> BackendError {
    BackendError::Timeout {
        backend: kind,
        endpoint: endpoint(kind),
        after,
    }
}

impl ServiceBackend for Played {
    async fn observe_groups(
        &self,
        groups: &[Group],
        deadline: Instant,
    ) -> Result<GroupsReport, Failure> {
        let error = self.reached(deadline).await.err();
        let mut report = GroupsReport::default();
        for group in groups {
            report.add(self.rows(group, error.as_ref()), error.clone());
            if self.kind == BackendKind::Compose {
                report
                    .definitions
                    .insert(group.name.clone(), self.world.project(group).into());
            }
        }
        Ok(report)
    }

    async fn observe(&self, handle: &Handle) -> Result<Observation, BackendError> {
        self.answers().await?;
        let (service, since) = self.now_of(handle)?;
        Ok(service.observation(since))
    }

    async fn act(
        &self,
        step: &Step,
        _wait_for_job: bool,
        job_timeout: Duration,
    ) -> Result<Option<String>, BackendError> {
        self.reached(Instant::now() + job_timeout).await?;
        let mut inner = self.world.lock();
        let now = Instant::now();
        let pid = inner.next_pid;
        inner.next_pid += 1;
        let placed = inner
            .services
            .iter_mut()
            .find(|placed| placed.name == Played::name_of(&step.handle))
            .ok_or_else(|| self.missing(&step.handle))?;
        if let Some((action, why)) = &placed.service.refuses
            && *action == step.action
        {
            return Err(BackendError::Refused {
                backend: self.kind,
                action: format!("{} {}", step.action.as_str(), step.service),
                detail: why.clone(),
            });
        }
        placed.service = placed.service.at(now);
        placed.service.act(step.action, now, pid);
        let service = placed.name.clone();
        inner.acted.push(Acted {
            service,
            action: step.action,
            at: now,
        });
        Ok(None)
    }

    async fn auto_start(&self, handle: &Handle) -> Result<AutoStart, BackendError> {
        self.answers().await?;
        let usual = match self.kind {
            BackendKind::Compose => AutoStart::RestartPolicy {
                name: RestartPolicyName::UnlessStopped,
                maximum_retry_count: 0,
            },
            // The world plays an init script's service as it plays a unit.
            BackendKind::Systemd | BackendKind::Sysv | BackendKind::Upstart => {
                AutoStart::UnitFile {
                    state: UNIT_ENABLED.into(),
                }
            }
        };
        Ok(self.now_of(handle)?.0.auto_start.unwrap_or(usual))
    }

    async fn set_auto_start(
        &self,
        handle: &Handle,
        wanted: &AutoStart,
    ) -> Result<(), BackendError> {
        self.answers().await?;
        self.world
            .change(Played::name_of(handle), |service| Service {
                auto_start: Some(wanted.clone()),
                ..service
            });
        Ok(())
    }

    async fn output(
        &self,
        _source: &OutputSource<'_>,
        _lines: usize,
        _follow: Option<mpsc::UnboundedSender<OutputLine>>,
    ) -> Result<Vec<Vec<u8>>, Failure> {
        self.answers().await.map_err(BackendError::into_failure)?;
        Ok(Vec::new())
    }

    async fn verdicts(
        &self,
        _group: &Group,
        _definition: Option<&GroupDefinition>,
        services: &[&ServiceStatus],
    ) -> Result<HashMap<String, Verdict>, Failure> {
        self.answers().await.map_err(BackendError::into_failure)?;
        let inner = self.world.lock();
        Ok(services
            .iter()
            .filter_map(|status| {
                let placed = inner
                    .services
                    .iter()
                    .find(|placed| placed.name == status.name)?;
                let verdict = if placed.service.outdated {
                    Verdict::Outdated("its definition changed".into())
                } else {
                    Verdict::Current("runs its definition".into())
                };
                Some((format!("{}/{}", status.group, status.name), verdict))
            })
            .collect())
    }

    async fn describe(&self, group: &Group) -> Option<String> {
        self.answers().await.ok()?;
        Some(format!("the world's group {}", group.name))
    }

    async fn writer_zones(&self, _group: &Group, _timeout: Duration) -> WriterZones {
        WriterZones::all_in(jiff::tz::TimeZone::UTC)
    }

    async fn details(&self, handle: &Handle, timeout: Duration) -> Result<Details, BackendError> {
        self.reached(Instant::now() + timeout).await?;
        Ok(self.now_of(handle)?.0.details())
    }
}

//! The systemd backend: groups of units, asked over systemd's D-Bus API; a
//! unit's own output is its journal. A service may be installed under
//! alternative unit names; whichever is present is the service.

mod client;
mod details;
mod enablement;
mod init_system;
mod journal_events;
mod private_socket;
mod route;
mod systemd_state;
mod unit_group;

use super::{
    BackendError, BackendModule, Declared, EventWindow, EventsRead, GroupsReport, Installed,
    OutputLine, OutputSource, ServiceBackend,
};
use crate::catalog::{Catalog, Group, UnitChoice, service_name_of_unit};
use crate::exit::{Exit, Failure};
use crate::model::{
    Action, AutoStart, BackendKind, Details, EventSource, Handle, Observation, ServiceEvent, State,
    Step,
};
use crate::settings::{Daemons, Settings};
use client::{SystemdClient, UnitAction};
use std::sync::Arc;
use std::time::Duration;
use systemd_state::{observe_unit, starts_at_boot};
use tokio::sync::mpsc;
use tokio::time::Instant;
use unit_group::unit_group;

/// How long one look at a unit may take.
const OBSERVE_TIMEOUT: Duration = Duration::from_secs(10);
/// How much longer than the stop grace a job may take.
const JOB_MARGIN: Duration = Duration::from_secs(30);

/// A connection to systemd's bus, or why there is none.
pub struct Systemd {
    client: Result<SystemdClient, BackendError>,
    /// How long each answer may take (the settings' `daemon_timeout`).
    daemon_timeout: Duration,
}

/// Every name an operator may use for a unit choice: the unit names, with
/// and without `.service`.
pub fn aliases_of(choice: &UnitChoice) -> Vec<String> {
    choice
        .alternatives
        .iter()
        .flat_map(|unit| [unit.clone(), service_name_of_unit(unit).to_string()])
        .collect()
}

/// Whether a unit choice shares a unit with those already `seen`; if not,
/// its units are seen from now on. A unit shared by two groups
/// (`hyper_exporter` of the agent and the gateway) belongs to the first.
fn first_sighting(choice: &UnitChoice, seen: &mut Vec<String>) -> bool {
    if choice.alternatives.iter().any(|unit| seen.contains(unit)) {
        return false;
    }
    seen.extend(choice.alternatives.iter().cloned());
    true
}

/// The unit names (the alternatives) of the service `source` names, as its
/// group lists them; the service's own unit name when the group does not.
fn units_of(source: &OutputSource<'_>) -> Vec<String> {
    source
        .group
        .units
        .iter()
        .find(|choice| service_name_of_unit(choice.primary()) == source.name)
        .map_or_else(
            || vec![format!("{}.service", source.name)],
            |choice| choice.alternatives.clone(),
        )
}

impl BackendModule for Systemd {
    async fn connect(settings: &Settings, _catalog: &Arc<Catalog>) -> Systemd {
        Systemd {
            client: SystemdClient::connect(&settings.daemons, settings.daemon_timeout).await,
            daemon_timeout: settings.daemon_timeout,
        }
    }

    /// A unit's journal is read by `journalctl`, not over the bus.
    async fn for_output(settings: &Settings, _catalog: &Arc<Catalog>) -> Systemd {
        Systemd::offline(settings)
    }

    fn output_name(source: &OutputSource<'_>) -> String {
        format!("the journal of {}", units_of(source).join(", "))
    }

    /// The units of a group, as its configuration names them.
    fn installed(group: &Group, seen_units: &mut Vec<String>) -> Result<Vec<Installed>, Failure> {
        Ok(group
            .units
            .iter()
            .filter(|choice| first_sighting(choice, seen_units))
            .map(|choice| Installed {
                name: service_name_of_unit(choice.primary()).to_string(),
                group: group.name.clone(),
                backend: BackendKind::Systemd,
                aliases: aliases_of(choice),
            })
            .collect())
    }

    async fn declared(
        group: &Group,
        connected: Option<&Systemd>,
    ) -> Result<super::DeclaredGroup, Failure> {
        Ok(match connected {
            Some(systemd) => systemd.declared(group).await,
            None => Systemd::offline_declared(group),
        }
        .into())
    }

    fn endpoint(daemons: &Daemons) -> String {
        client::endpoint(daemons)
    }

    fn hint(error: &BackendError) -> Option<String> {
        match error {
            BackendError::Unreachable { .. } => Some(
                "is systemd running with its D-Bus system bus? DBUS_SYSTEM_BUS_ADDRESS selects another bus".into(),
            ),
            BackendError::PermissionDenied { .. } => Some("run as root (sudo hmctl ...)".into()),
            BackendError::Timeout { .. } => {
                Some(
                "systemd is not answering on its bus: check `journalctl -b` and dbus; on a busy host, wait longer with --daemon-timeout SECS"
                    .into(),
            )
            }
            BackendError::NotOnThisHost { .. }
            | BackendError::Refused { .. }
            | BackendError::Blocked { .. }
            | BackendError::Unreadable { .. } => None,
        }
    }

    fn connection_error(&self) -> Option<&BackendError> {
        self.client.as_ref().err()
    }
}

impl Systemd {
    /// A backend that does not talk to systemd (it reads journals only).
    pub fn offline(settings: &Settings) -> Systemd {
        Systemd {
            client: Err(BackendError::Unreachable {
                backend: BackendKind::Systemd,
                endpoint: client::endpoint(&settings.daemons),
                detail: "not connected".into(),
            }),
            daemon_timeout: settings.daemon_timeout,
        }
    }

    fn systemd(&self) -> Result<&SystemdClient, BackendError> {
        self.client.as_ref().map_err(Clone::clone)
    }

    /// `hmctl list` of a unit group whose daemon could not be asked, or of
    /// a group that is not present: the primary names, presence unknown.
    pub fn offline_declared(group: &Group) -> Vec<Declared> {
        group
            .units
            .iter()
            .map(|choice| Declared {
                name: service_name_of_unit(choice.primary()).to_string(),
                present: if group.is_present() {
                    None
                } else {
                    Some(false)
                },
                unit: Some(choice.alternatives.join(" | ")),
            })
            .collect()
    }

    /// `hmctl list` of a unit group: of each service's alternative names, the
    /// installed one (or the primary name when none is).
    pub async fn declared(&self, group: &Group) -> Vec<Declared> {
        let Ok(client) = self.systemd() else {
            return Systemd::offline_declared(group);
        };
        let mut services = Vec::new();
        for choice in &group.units {
            let mut found = None;
            let mut asked = true;
            for unit in &choice.alternatives {
                match client.unit(unit, self.daemon_timeout).await {
                    Ok(properties) if observe_unit(&properties).state != State::Missing => {
                        found = Some(unit.clone());
                        break;
                    }
                    Ok(_) => {}
                    Err(_) => asked = false,
                }
            }
            let unit = found
                .clone()
                .unwrap_or_else(|| choice.primary().to_string());
            services.push(Declared {
                name: service_name_of_unit(&unit).to_string(),
                present: asked.then_some(found.is_some()),
                unit: Some(choice.alternatives.join(" | ")),
            });
        }
        services
    }
}

/// Whose each unit of `groups` is (every alternative name, as the journal
/// names units: with its `.service`).
fn unit_owners(groups: &[Group]) -> journal_events::Owners {
    let mut owners = journal_events::Owners::new();
    for group in groups {
        for choice in &group.units {
            let service = service_name_of_unit(choice.primary()).to_string();
            for unit in &choice.alternatives {
                let unit = if unit.contains('.') {
                    unit.clone()
                } else {
                    format!("{unit}.service")
                };
                owners
                    .entry(unit)
                    .or_insert_with(|| (group.name.clone(), service.clone()));
            }
        }
    }
    owners
}

/// The `journalctl` of `units`: the last `count` lines, and on with `follow`.
fn journal_command(units: &[String], count: usize, follow: bool) -> tokio::process::Command {
    let mut command = tokio::process::Command::new("journalctl");
    command.args([
        "--no-pager",
        "--output",
        "short-iso",
        "--lines",
        &count.to_string(),
    ]);
    for unit in units {
        command.arg("--unit").arg(unit);
    }
    if follow {
        command.arg("--follow");
    }
    command
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    command
}

/// Sends the journal's new lines until it ends.
async fn follow_journal(
    source: &OutputSource<'_>,
    sender: mpsc::UnboundedSender<OutputLine>,
) -> Result<Vec<Vec<u8>>, Failure> {
    use tokio::io::AsyncBufReadExt;
    let mut command = journal_command(&units_of(source), 0, true);
    command.stdout(std::process::Stdio::piped());
    let Ok(mut child) = command.spawn() else {
        return Ok(Vec::new());
    };
    let Some(stdout) = child.stdout.take() else {
        return Ok(Vec::new());
    };
    let mut reader = tokio::io::BufReader::new(stdout).lines();
    while let Ok(Some(line)) = reader.next_line().await {
        let _ = sender.send(OutputLine {
            source: source.name.to_string(),
            text: line.into_bytes(),
        });
    }
    drop(child);
    Ok(Vec::new())
}

impl ServiceBackend for Systemd {
    async fn observe_groups(
        &self,
        groups: &[Group],
        deadline: Instant,
    ) -> Result<GroupsReport, Failure> {
        let mut seen = Vec::new();
        let by_group: Vec<(&Group, Vec<UnitChoice>)> = groups
            .iter()
            .map(|group| {
                let units = group
                    .units
                    .iter()
                    .filter(|choice| first_sighting(choice, &mut seen))
                    .cloned()
                    .collect();
                (group, units)
            })
            .collect();
        let timeout = deadline.saturating_duration_since(Instant::now());
        let reports = futures_util::future::join_all(
            by_group
                .iter()
                .map(|(group, units)| unit_group(self.client.as_ref(), group, units, timeout)),
        )
        .await;
        let mut report = GroupsReport::default();
        for found in reports {
            report.add(found.rows, found.error);
        }
        Ok(report)
    }

    async fn observe(&self, handle: &Handle) -> Result<Observation, BackendError> {
        let client = self.systemd()?;
        let properties = client.unit(&handle.name, OBSERVE_TIMEOUT).await?;
        let mut observation = observe_unit(&properties);
        observation.started_on_demand_by = client
            .active_triggers(&properties.triggered_by, OBSERVE_TIMEOUT)
            .await;
        Ok(observation)
    }

    async fn act(
        &self,
        step: &Step,
        wait_for_job: bool,
        job_timeout: Duration,
    ) -> Result<Option<String>, BackendError> {
        let name = &step.handle.name;
        let action = match step.action {
            Action::Start | Action::Create | Action::Recreate => UnitAction::Start,
            Action::Stop => UnitAction::Stop,
            Action::Restart => UnitAction::Restart,
            Action::Wait | Action::Skip | Action::Impossible => return Ok(None),
        };
        let timeout = job_timeout.max(step.stop_grace + JOB_MARGIN);
        let result = self
            .systemd()?
            .act(name, action, wait_for_job, timeout)
            .await?;
        Ok(match result.as_str() {
            "done" | "queued" => None,
            _ => Some(result),
        })
    }

    async fn auto_start(&self, handle: &Handle) -> Result<AutoStart, BackendError> {
        self.systemd()?
            .enablement(&handle.name, self.daemon_timeout)
            .await
    }

    async fn set_auto_start(
        &self,
        handle: &Handle,
        wanted: &AutoStart,
    ) -> Result<(), BackendError> {
        self.systemd()?
            .set_enablement(&handle.name, wanted, self.daemon_timeout)
            .await
    }

    async fn output(
        &self,
        source: &OutputSource<'_>,
        lines: usize,
        follow: Option<mpsc::UnboundedSender<OutputLine>>,
    ) -> Result<Vec<Vec<u8>>, Failure> {
        if let Some(sender) = follow {
            return follow_journal(source, sender).await;
        }
        let output = journal_command(&units_of(source), lines, false)
            .output()
            .await
            .map_err(|error| {
                Failure::new(
                    Exit::OperationFailed,
                    format!(
                        "{} has no log file, and journalctl cannot be run: {error}",
                        source.name
                    ),
                )
            })?;
        Ok(output
            .stdout
            .split(|byte| *byte == b'\n')
            .filter(|line| !line.is_empty())
            .map(<[u8]>::to_vec)
            .collect())
    }

    async fn details(&self, handle: &Handle, timeout: Duration) -> Result<Details, BackendError> {
        let name = &handle.name;
        let journal = async {
            let command =
                journal_command(std::slice::from_ref(name), details::JOURNAL_LINES, false).output();
            match tokio::time::timeout(timeout, command).await {
                Ok(Ok(output)) => details::journal_text(&output.stdout),
                _ => Vec::new(),
            }
        };
        let (properties, journal) = tokio::join!(self.systemd()?.unit(name, timeout), journal);
        let properties = properties?;
        let observed = observe_unit(&properties);
        Ok(Details {
            exit_code: observed.exit_code,
            restarts: observed.restarts,
            enabled: starts_at_boot(&properties),
            result: Some(properties.result).filter(|result| !result.is_empty()),
            journal,
            ..Details::default()
        })
    }

    /// systemd's messages about the units, from the journal (no bus needed).
    async fn events(
        &self,
        groups: &[Group],
        window: EventWindow,
        timeout: Duration,
        follow: Option<mpsc::UnboundedSender<ServiceEvent>>,
    ) -> EventsRead {
        let owners = unit_owners(groups);
        let read = journal_events::read(
            &owners,
            (window.since, window.until),
            timeout,
            follow.as_ref(),
        )
        .await;
        let mut events = EventsRead::default();
        events.add(EventSource::Journal, read);
        events
    }
}

//! `hmctl status [TARGET...]`: the truth about every selected service, the
//! host checks, and the exit code that sums them up (0 / 3 / 4).

use super::checks::{Check, CheckTarget, run_checks};
use super::snapshot::{self, BACKEND_DEADLINE, Snapshot};
use crate::backend::BackendError;
use crate::catalog::{Catalog, resolve};
use crate::exit::{Exit, Failure};
use crate::model::{BackendKind, ServiceStatus};
use serde::Serialize;
use std::time::Duration;

/// How long the disk-usage walks may take in all.
pub const WALK_BUDGET: Duration = Duration::from_millis(1500);
/// How long a port may take to accept a connection.
pub const PORT_TIMEOUT: Duration = Duration::from_secs(1);

/// A daemon that could not be asked, in the JSON `errors[]`.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorEntry {
    pub backend: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// The `status --json` document (schema 1 of the contract).
#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub schema: u32,
    pub host: String,
    pub ok: bool,
    pub services: Vec<ServiceStatus>,
    pub checks: Vec<Check>,
    pub errors: Vec<ErrorEntry>,
    /// The groups present on this host, with what makes each absent one absent.
    #[serde(skip)]
    pub absent_groups: Vec<(String, String)>,
    #[serde(skip)]
    pub exit: Exit,
}

impl StatusReport {
    /// The `status --json` document, with its final newline (also the
    /// support bundle's `status.json`).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_else(|error| {
            format!("{{\"schema\": 1, \"ok\": false, \"errors\": [{{\"backend\": \"hmctl\", \"message\": \"{error}\"}}]}}")
        });
        text.push('\n');
        text
    }
}

/// This host's name, as the JSON `host`.
pub fn host_name() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

/// The exit code for a set of rows and the daemons that failed them.
pub fn exit_for(services: &[ServiceStatus], unavailable: &[BackendKind]) -> Exit {
    let backend_down = services
        .iter()
        .any(|service| unavailable.contains(&service.backend()));
    if backend_down {
        Exit::BackendUnavailable
    } else if services.iter().all(|service| service.ok) {
        Exit::Success
    } else {
        Exit::NotRunning
    }
}

/// Builds the report for `targets` (none: every service of every present group).
pub async fn status(catalog: &Catalog, targets: &[String]) -> Result<StatusReport, Failure> {
    let check_targets: Vec<CheckTarget> = catalog
        .present_groups()
        .into_iter()
        .map(|group| CheckTarget {
            group: group.name.clone(),
            log_dir: group.log_dir.clone(),
            program_dir: group.program_dir.clone(),
            ports: group.ports.clone(),
        })
        .collect();
    let checks = async {
        if check_targets.is_empty() {
            return Vec::new();
        }
        let targets = check_targets.clone();
        tokio::task::spawn_blocking(move || run_checks(&targets, WALK_BUDGET, PORT_TIMEOUT))
            .await
            .unwrap_or_default()
    };
    let (taken, checks) = tokio::join!(snapshot::take(catalog, BACKEND_DEADLINE), checks);
    let (snapshot, _backends) = taken?;
    report(catalog, targets, snapshot, checks)
}

/// Selects the targets' rows and checks from a snapshot.
pub fn report(
    catalog: &Catalog,
    targets: &[String],
    snapshot: Snapshot,
    checks: Vec<Check>,
) -> Result<StatusReport, Failure> {
    let selected = resolve(targets, &snapshot.services, catalog)?;
    let Snapshot {
        services,
        errors,
        groups,
        ..
    } = snapshot;
    let services: Vec<ServiceStatus> = services
        .into_iter()
        .enumerate()
        .filter(|(index, _)| selected.contains(index))
        .map(|(_, service)| service)
        .collect();
    let selected_groups: Vec<&str> = services
        .iter()
        .map(|service| service.group.as_str())
        .collect();
    let checks = checks
        .into_iter()
        .filter(|check| {
            targets.is_empty()
                || check
                    .group
                    .as_deref()
                    .is_some_and(|group| selected_groups.contains(&group))
        })
        .collect();
    let unavailable: Vec<BackendKind> = errors
        .iter()
        .filter(|error| error.is_unavailable())
        .map(BackendError::backend)
        .collect();
    let exit = exit_for(&services, &unavailable);
    let absent_groups = catalog
        .groups
        .iter()
        .filter(|group| !groups.iter().any(|present| present.name == group.name))
        .map(|group| (group.name.clone(), group.presence_rule()))
        .collect();
    Ok(StatusReport {
        schema: 1,
        host: host_name(),
        ok: exit == Exit::Success,
        services,
        checks,
        errors: errors
            .iter()
            .map(|error| ErrorEntry {
                backend: error.backend().daemon_id(),
                message: error.to_string(),
                hint: error.hint(),
            })
            .collect(),
        absent_groups,
        exit,
    })
}

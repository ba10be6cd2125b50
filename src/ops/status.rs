//! `hmctl status [TARGET...]`: the truth about every selected service, the
//! host checks, and the exit code that sums them up (0 / 3 / 4).

use super::host::checks::{Check, CheckTarget, run_checks};
use super::snapshot::{self, Snapshot};
use crate::backend::{BackendError, Backends, UnreadFiles};
use crate::catalog::Catalog;
use crate::exit::{Exit, Failure};
use crate::model::{BackendKind, ServiceStatus};
use crate::settings::Settings;
use serde::Serialize;
use std::time::Duration;

/// How long the disk-usage walks may take in all.
pub const WALK_BUDGET: Duration = Duration::from_millis(1500);
/// How long a port may take to accept a connection.
pub const PORT_TIMEOUT: Duration = Duration::from_secs(1);

/// A daemon that could not be asked, or a group's file that could not be
/// read, in the JSON `errors[]`.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorEntry {
    /// The daemon (`docker`, `systemd`), or for a file the kind of its group.
    pub backend: &'static str,
    /// The group whose file could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The file that could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<std::path::PathBuf>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl ErrorEntry {
    /// Whether a daemon could not be asked (not a file that could not be read).
    pub fn is_daemon(&self) -> bool {
        self.file.is_none()
    }

    /// A group's files that could not be read.
    pub fn unread(unread: &UnreadFiles) -> ErrorEntry {
        ErrorEntry {
            backend: UnreadFiles::BACKEND.as_str(),
            group: Some(unread.group.clone()),
            file: Some(unread.error.file().to_path_buf()),
            message: unread.message(),
            hint: Some(unread.hint()),
        }
    }
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
            serde_json::json!({
                "schema": 1,
                "ok": false,
                "errors": [{"backend": "hmctl", "message": error.to_string()}],
            })
            .to_string()
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
/// `backends` says how each daemon is reached.
pub async fn status(
    catalog: &Catalog,
    settings: &Settings,
    targets: &[String],
    backends: &Backends,
) -> Result<StatusReport, Failure> {
    Ok(status_with_backends(catalog, settings, targets, backends)
        .await?
        .0)
}

/// The report, and the daemons it asked (for asking them more).
pub async fn status_with_backends(
    catalog: &Catalog,
    settings: &Settings,
    targets: &[String],
    backends: &Backends,
) -> Result<(StatusReport, Backends), Failure> {
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
        let cache_dir = settings.cache_dir.clone();
        tokio::task::spawn_blocking(move || {
            run_checks(&targets, &cache_dir, WALK_BUDGET, PORT_TIMEOUT)
        })
        .await
        .unwrap_or_default()
    };
    let (taken, checks) = tokio::join!(snapshot::take(catalog, settings, backends), checks);
    let (mut snapshot, backends) = taken?;
    // Read again, not reused from start-up: crash recovery may have rewritten it since.
    let marked =
        super::maintenance::held::mark_from_register(&settings.state_dir, &mut snapshot.services);
    let mut report = report(catalog, targets, snapshot, checks)?;
    if let Err(failure) = marked {
        report.errors.push(ErrorEntry {
            backend: "hmctl",
            group: None,
            file: Some(super::maintenance::register::path_in(&settings.state_dir)),
            message: failure.message,
            hint: failure.hint,
        });
    }
    let now = jiff::Timestamp::now();
    let actions =
        super::history::actions::recent(&settings.state_dir, now - super::last_change::RECENT);
    super::last_change::fill(&mut report.services, &actions, now);
    Ok((report, backends))
}

/// Selects the targets' rows and checks from a snapshot.
pub fn report(
    catalog: &Catalog,
    targets: &[String],
    snapshot: Snapshot,
    checks: Vec<Check>,
) -> Result<StatusReport, Failure> {
    let selected = snapshot.resolve(targets, catalog)?;
    let Snapshot {
        services,
        errors,
        groups,
        unread,
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
    // A group read without its files may have services declared and never
    // created that no row shows: not all is well, whatever the rows say.
    let unread: Vec<_> = unread
        .iter()
        .filter(|unread| targets.is_empty() || selected_groups.contains(&unread.group.as_str()))
        .collect();
    let exit = match exit_for(&services, &unavailable) {
        Exit::Success if !unread.is_empty() => Exit::NotRunning,
        exit => exit,
    };
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
                group: None,
                file: None,
                message: error.to_string(),
                hint: error.hint(),
            })
            .chain(unread.iter().map(|unread| ErrorEntry::unread(unread)))
            .collect(),
        absent_groups,
        exit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose_file::ComposeError;
    use crate::model::{Handle, Health, Observation, Readiness, State};

    fn running(name: &str, group: &str, kind: BackendKind) -> ServiceStatus {
        ServiceStatus::new(
            name,
            group,
            Handle::example(kind, name),
            Observation {
                state: State::Running,
                health: Health::None,
                detail: "Up 5 minutes".into(),
                since: None,
                restarts: Some(0),
                exit_code: None,
                pid: Some(42),
                reason: None,
                readiness: Readiness::Started,
                last_exit: None,
                started_on_demand_by: Vec::new(),
            },
        )
    }

    fn snapshot() -> Snapshot {
        let catalog = Catalog::builtin();
        Snapshot {
            services: vec![
                running("plain", "console", BackendKind::Compose),
                running("s3block", "gateway", BackendKind::Systemd),
            ],
            errors: vec![],
            definitions: std::collections::BTreeMap::new(),
            unread: vec![UnreadFiles {
                group: "console".into(),
                error: ComposeError::Invalid {
                    path: "/opt/c.yml".into(),
                    message: "line 3 column 12: unclosed".into(),
                },
            }],
            groups: catalog.groups,
        }
    }

    #[test]
    fn an_unread_compose_file_is_exit_3_and_an_error_naming_it_not_a_daemon_down() {
        let report = report(&Catalog::builtin(), &[], snapshot(), vec![]).unwrap();
        assert_eq!(report.exit, Exit::NotRunning, "every row is running");
        assert!(!report.ok);
        assert_eq!(report.services.len(), 2, "no row is hidden");
        let [error] = report.errors.as_slice() else {
            panic!("{:?}", report.errors)
        };
        assert_eq!(error.backend, "compose");
        assert_eq!(error.group.as_deref(), Some("console"));
        assert_eq!(
            error.file.as_deref(),
            Some(std::path::Path::new("/opt/c.yml"))
        );
        assert!(!error.is_daemon());
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["errors"][0]["file"], "/opt/c.yml");
    }

    #[test]
    fn targets_outside_the_unread_group_are_not_held_to_its_file() {
        let report = report(
            &Catalog::builtin(),
            &["s3block".to_string()],
            snapshot(),
            vec![],
        )
        .unwrap();
        assert_eq!(report.exit, Exit::Success);
        assert!(report.errors.is_empty());
    }

    #[test]
    fn a_target_the_guides_place_in_the_unread_group_is_its_failure() {
        for target in ["porter-api", "owl-api"] {
            let Err(failure) = report(
                &Catalog::builtin(),
                &[target.to_string()],
                snapshot(),
                vec![],
            ) else {
                panic!("{target} matches no row")
            };
            assert_eq!(failure.exit, Exit::OperationFailed, "{target}");
            assert!(
                failure.message.starts_with(&format!(
                    "{target} cannot be found (nothing was changed): group console is read without its compose file: invalid compose file /opt/c.yml"
                )),
                "{}",
                failure.message
            );
        }
    }

    #[test]
    fn a_target_the_unread_file_alone_may_declare_says_so() {
        let Err(failure) = report(
            &Catalog::builtin(),
            &["never-created".to_string()],
            snapshot(),
            vec![],
        ) else {
            panic!("an unknown target")
        };
        assert_eq!(failure.exit, Exit::Usage);
        assert_eq!(
            failure.hint.as_deref(),
            Some(
                "group console is read without its compose file /opt/c.yml, so a service only that file declares is not known; fix the file"
            )
        );
    }
}

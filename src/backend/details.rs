//! What Docker or systemd can say about a service that is not well, beyond
//! its status line: the health-check runs Docker keeps (up to five), the exit
//! code, an OOM kill, the restart count; a unit's `Result`, exit status and
//! its last journal lines. `diagnose` shows it under the state of each
//! unhealthy service. Every call is bounded in time.

use super::BackendError;
use super::docker::DockerClient;
use super::systemd::SystemdClient;
use bollard::models::ContainerInspectResponse;
use serde::Serialize;
use std::time::Duration;

/// Journal lines kept per unit.
pub const JOURNAL_LINES: usize = 10;

/// One health-check run, as Docker recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthRun {
    pub end: Option<String>,
    pub exit_code: i64,
    pub output: String,
}

/// The details of one service that is not well.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Details {
    /// Docker's last health-check runs, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub health_checks: Vec<HealthRun>,
    pub oom_killed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restarts: Option<u64>,
    /// Docker's `State.Error`, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// systemd's `Service.Result` (`exit-code`, `signal`, `timeout`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The unit's last journal lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub journal: Vec<String>,
}

/// The details of a container, from its inspect answer.
pub fn of_container(inspect: &ContainerInspectResponse) -> Details {
    let state = inspect.state.clone().unwrap_or_default();
    let health_checks = state
        .health
        .as_ref()
        .and_then(|health| health.log.as_ref())
        .map(|log| {
            log.iter()
                .map(|run| HealthRun {
                    end: run.end.clone(),
                    exit_code: run.exit_code.unwrap_or(-1),
                    output: run.output.as_deref().unwrap_or("").trim().to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    Details {
        health_checks,
        oom_killed: state.oom_killed == Some(true),
        exit_code: state.exit_code,
        restarts: inspect
            .restart_count
            .and_then(|count| u64::try_from(count).ok()),
        error: state.error.filter(|error| !error.trim().is_empty()),
        ..Details::default()
    }
}

/// Inspects a container for its details.
pub async fn container(
    client: &DockerClient,
    id: &str,
    timeout: Duration,
) -> Result<Details, BackendError> {
    Ok(of_container(&client.inspect(id, timeout).await?))
}

/// A unit's result and exit status, and its last journal lines.
pub async fn unit(
    client: &SystemdClient,
    name: &str,
    timeout: Duration,
) -> Result<Details, BackendError> {
    let (properties, journal) =
        tokio::join!(client.unit(name, timeout), journal_lines(name, timeout));
    let properties = properties?;
    let observed = super::systemd_state::observe_unit(&properties);
    Ok(Details {
        exit_code: observed.exit_code,
        restarts: observed.restarts,
        result: Some(properties.result).filter(|result| !result.is_empty()),
        journal,
        ..Details::default()
    })
}

/// The last lines `journalctl` has for a unit (none when it cannot say in time).
pub async fn journal_lines(unit: &str, timeout: Duration) -> Vec<String> {
    let mut command = tokio::process::Command::new("journalctl");
    command
        .args(["--no-pager", "--quiet", "--output", "short-iso", "--lines"])
        .arg(JOURNAL_LINES.to_string())
        .arg("--unit")
        .arg(unit)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    match tokio::time::timeout(timeout, command.output()).await {
        Ok(Ok(output)) => journal_text(&output.stdout),
        _ => Vec::new(),
    }
}

/// journalctl's output as lines, its "-- No entries --" markers left out.
pub fn journal_text(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with("-- "))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> ContainerInspectResponse {
        let path = format!(
            "{}/src/backend/fixtures/docker-inspect-{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn an_unhealthy_container_keeps_its_health_check_runs() {
        let details = of_container(&fixture("sick"));
        assert!(!details.health_checks.is_empty());
        assert!(details.health_checks.iter().all(|run| run.exit_code == 1));
        assert!(!details.oom_killed);
    }

    #[test]
    fn an_oom_killed_container_says_so() {
        let mut inspect = fixture("dead");
        if let Some(state) = inspect.state.as_mut() {
            state.oom_killed = Some(true);
            state.exit_code = Some(137);
        }
        let details = of_container(&inspect);
        assert!(details.oom_killed);
        assert_eq!(details.exit_code, Some(137));
        assert_eq!(details.restarts, Some(0));
    }

    #[test]
    fn journal_markers_are_left_out() {
        assert_eq!(journal_text(b"-- No entries --\n"), Vec::<String>::new());
        assert_eq!(
            journal_text(b"2026-11-24T10:00:00+0000 gw s3block[12]: boom\n\n"),
            vec!["2026-11-24T10:00:00+0000 gw s3block[12]: boom"]
        );
    }
}

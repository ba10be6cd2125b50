//! A container's details for `diagnose` and for a start that failed, from
//! its inspect answer: the health-check runs Docker keeps, the exit code, an
//! OOM kill, the restart count and Docker's own error; and its last output lines.

use super::docker::DockerClient;
use crate::model::{Details, HealthRun};
use bollard::models::ContainerInspectResponse;
use futures_util::StreamExt;
use std::time::Duration;

/// Output lines kept per container.
pub const OUTPUT_LINES: usize = 10;

/// The container's last output lines (stdout and stderr), within `timeout`;
/// none when Docker cannot give them.
pub async fn last_output(docker: &DockerClient, id: &str, timeout: Duration) -> Vec<String> {
    let read = async {
        let stream = docker.output(id, OUTPUT_LINES, false).await.ok()?;
        let chunks: Vec<_> = stream.collect().await;
        let bytes: Vec<u8> = chunks.into_iter().flatten().flatten().collect();
        Some(output_lines(&bytes))
    };
    tokio::time::timeout(timeout, read)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Output bytes as its non-empty lines.
fn output_lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    use crate::backend::compose::fixture;

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
}

//! A container's details for `diagnose` and for a start that failed, from
//! its inspect answer: the health-check runs Docker keeps, the exit code, an
//! OOM kill, the restart count and Docker's own error; and its last output lines.

use super::docker::DockerClient;
use crate::model::{Details, HealthCheckTiming, HealthRun};
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

/// Docker's defaults for a health check that does not set them.
const DEFAULT_INTERVAL_SECONDS: u64 = 30;

/// When Docker runs the container's health check, if it has one (Docker
/// gives nanoseconds; 0 or none is its default).
fn health_timing(inspect: &ContainerInspectResponse) -> Option<HealthCheckTiming> {
    let check = inspect.config.as_ref()?.healthcheck.as_ref()?;
    let disabled = check
        .test
        .as_ref()
        .is_some_and(|test| test.first().is_some_and(|word| word == "NONE"));
    if disabled {
        return None;
    }
    let seconds = |nanoseconds: Option<i64>| {
        nanoseconds
            .and_then(|value| u64::try_from(value).ok())
            .map_or(0, |value| value.div_ceil(1_000_000_000))
    };
    let interval = seconds(check.interval);
    Some(HealthCheckTiming {
        interval_seconds: if interval == 0 {
            DEFAULT_INTERVAL_SECONDS
        } else {
            interval
        },
        start_period_seconds: seconds(check.start_period),
    })
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
        health_timing: health_timing(inspect),
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
    fn a_health_check_says_when_it_runs() {
        let mut inspect = fixture("sick");
        let timing = of_container(&inspect).health_timing.unwrap();
        assert_eq!(timing.interval_seconds, 1);
        if let Some(check) = inspect
            .config
            .as_mut()
            .and_then(|config| config.healthcheck.as_mut())
        {
            check.interval = None;
            check.start_period = Some(45_000_000_000);
        }
        let timing = of_container(&inspect).health_timing.unwrap();
        assert_eq!(
            (timing.interval_seconds, timing.start_period_seconds),
            (30, 45)
        );
        assert_eq!(timing.grace_seconds(), 45);
        assert_eq!(of_container(&fixture("dead")).health_timing, None);
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

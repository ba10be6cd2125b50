//! A container's details for `diagnose`, from its inspect answer: the
//! health-check runs Docker keeps, the exit code, an OOM kill, the restart
//! count and Docker's own error.

use crate::model::{Details, HealthRun};
use bollard::models::ContainerInspectResponse;

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

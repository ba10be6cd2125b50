//! Docker's answer about a container, in hmctl's vocabulary. Pure functions,
//! tested on answers recorded from a real dockerd (`fixtures/docker-*.json`).

use super::inspect_cache::human_duration;
use crate::model::{Health, LastExit, Observation, Readiness, State};
use bollard::models::{ContainerInspectResponse, ContainerStateStatusEnum, HealthStatusEnum};

/// Docker resets a container's restart backoff once it has stayed up this long
/// after a restart; before that, a restart by its policy is not yet a success.
pub const RESTART_SETTLE_SECONDS: i64 = 10;

/// Docker's zero time, written for "never".
fn parse_time(text: Option<&str>) -> Option<jiff::Timestamp> {
    let text = text?;
    if text.starts_with("0001-01-01") {
        return None;
    }
    text.parse().ok()
}

/// The health Docker's last checks give.
fn health_of(record: Option<&bollard::models::Health>) -> Health {
    match record.and_then(|health| health.status) {
        Some(HealthStatusEnum::HEALTHY) => Health::Healthy,
        Some(HealthStatusEnum::UNHEALTHY) => Health::Unhealthy,
        Some(HealthStatusEnum::STARTING) => Health::Starting,
        _ => Health::None,
    }
}

/// Since when the container is in its status: its start while it runs,
/// its creation before it ever ran, else its finish.
fn since_of(
    inspect: &ContainerInspectResponse,
    container_state: &bollard::models::ContainerState,
    status: ContainerStateStatusEnum,
) -> Option<jiff::Timestamp> {
    match status {
        ContainerStateStatusEnum::RUNNING | ContainerStateStatusEnum::PAUSED => {
            parse_time(container_state.started_at.as_deref())
        }
        ContainerStateStatusEnum::CREATED => parse_time(inspect.created.as_deref()),
        _ => parse_time(container_state.finished_at.as_deref())
            .or_else(|| parse_time(container_state.started_at.as_deref())),
    }
}

/// The observation of one container. `status_text` is the list endpoint's
/// `Status` (`Up 3 hours (healthy)`); without it, hmctl writes Docker-like words.
pub fn observe_container(
    inspect: &ContainerInspectResponse,
    status_text: Option<&str>,
) -> Observation {
    let container_state = inspect.state.clone().unwrap_or_default();
    let status = container_state
        .status
        .unwrap_or(ContainerStateStatusEnum::EMPTY);
    let health_record = container_state.health.as_ref();
    let state = state_of(status);
    // A stopped container's health is stale: report none.
    let health = if matches!(state, State::Running) {
        health_of(health_record)
    } else {
        Health::None
    };
    let exit_code = match state {
        State::Exited | State::Restarting | State::Failed => container_state.exit_code,
        _ => None,
    };
    let since = since_of(inspect, &container_state, status);
    let pid = container_state
        .pid
        .filter(|pid| *pid > 0)
        .and_then(|pid| u32::try_from(pid).ok());
    let restarts = inspect
        .restart_count
        .and_then(|count| u64::try_from(count).ok());
    // Up for a moment between two crashes: still crash-looping, not running.
    let settling = state == State::Running
        && restarts.unwrap_or(0) > 0
        && since.is_some_and(|since| {
            jiff::Timestamp::now().as_second() - since.as_second() < RESTART_SETTLE_SECONDS
        });
    let state = if settling { State::Restarting } else { state };
    // The list and the inspect are two answers a moment apart: a container
    // that died between them is listed `Up` and inspected `exited`. The
    // inspect is the later truth, so the list's words are kept only when they
    // name the same status.
    let mut detail = match status_text {
        Some(text) if words_name_status(text, status) => text.to_string(),
        _ => docker_words(status, health, &container_state, jiff::Timestamp::now()),
    };
    // Docker's words give the code, not why: an OOM kill is said after them.
    if container_state.oom_killed == Some(true)
        && matches!(state, State::Exited | State::Restarting | State::Failed)
    {
        detail.push_str(" (OOM killed)");
    }
    let reason = match (state, health) {
        (State::Restarting, _) if settling => Some(format!(
            "restarted by Docker {} times, up for less than {RESTART_SETTLE_SECONDS} s",
            restarts.unwrap_or(0)
        )),
        (State::Running, Health::Unhealthy | Health::Starting) => {
            health_record.and_then(health_check_reason)
        }
        (State::Exited | State::Restarting | State::Failed, _) => {
            Some(exit_reason(&container_state))
        }
        _ => None,
    };
    // A container that never ended has Docker's zero time as FinishedAt; a
    // running one had its ExitCode reset to 0 when Docker started it again,
    // so only one that is not running says how it ended.
    let ended = !matches!(
        status,
        ContainerStateStatusEnum::RUNNING | ContainerStateStatusEnum::PAUSED
    );
    let finished_at = parse_time(container_state.finished_at.as_deref()).filter(|_| ended);
    let last_exit = finished_at.map(|at| LastExit {
        at: Some(at),
        code: container_state.exit_code.unwrap_or(0),
        oom_killed: container_state.oom_killed == Some(true),
    });
    Observation {
        state,
        health,
        detail,
        since,
        restarts,
        exit_code,
        pid,
        reason,
        last_exit,
        started_on_demand_by: Vec::new(),
        // A health check that passed is the service's own word that it serves.
        readiness: if health == Health::Healthy {
            Readiness::Declared
        } else {
            Readiness::Started
        },
    }
}

/// hmctl's state for Docker's container status.
fn state_of(status: ContainerStateStatusEnum) -> State {
    match status {
        ContainerStateStatusEnum::RUNNING => State::Running,
        ContainerStateStatusEnum::RESTARTING => State::Restarting,
        ContainerStateStatusEnum::EXITED => State::Exited,
        ContainerStateStatusEnum::DEAD => State::Failed,
        ContainerStateStatusEnum::CREATED
        | ContainerStateStatusEnum::PAUSED
        | ContainerStateStatusEnum::REMOVING
        | ContainerStateStatusEnum::STOPPING => State::Stopped,
        ContainerStateStatusEnum::EMPTY => State::Unknown,
    }
}

/// What the last run of a container's health check said, if it ran.
fn health_check_reason(health: &bollard::models::Health) -> Option<String> {
    let last = health.log.as_ref()?.last()?;
    let output = last.output.as_deref().unwrap_or("").trim();
    let code = last.exit_code.unwrap_or(-1);
    Some(if output.is_empty() {
        format!("health check exited with {code}")
    } else {
        format!("health check exited with {code}: {}", last_line(output))
    })
}

/// Why a container that ran is down: its exit code, whether it ran out of
/// memory, and Docker's error.
fn exit_reason(container_state: &bollard::models::ContainerState) -> String {
    let error = container_state.error.as_deref().unwrap_or("").trim();
    let code = container_state.exit_code.unwrap_or(0);
    let oom = if container_state.oom_killed == Some(true) {
        " (out of memory)"
    } else {
        ""
    };
    if error.is_empty() {
        format!("exited with code {code}{oom}")
    } else {
        format!("exited with code {code}{oom}: {error}")
    }
}

fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or(text)
        .trim()
}

/// Whether the list endpoint's words (`Up 3 hours`, `Exited (1) 2 minutes
/// ago`) name the status the inspect found.
fn words_name_status(text: &str, status: ContainerStateStatusEnum) -> bool {
    let first_word = match status {
        ContainerStateStatusEnum::RUNNING | ContainerStateStatusEnum::PAUSED => "Up",
        ContainerStateStatusEnum::RESTARTING => "Restarting",
        ContainerStateStatusEnum::EXITED => "Exited",
        ContainerStateStatusEnum::CREATED => "Created",
        ContainerStateStatusEnum::DEAD => "Dead",
        ContainerStateStatusEnum::REMOVING => "Removal",
        ContainerStateStatusEnum::STOPPING => "Stopping",
        ContainerStateStatusEnum::EMPTY => return false,
    };
    text.split_whitespace().next() == Some(first_word)
}

/// How long ago a Docker time was, in Docker's words (` 3 minutes`), or
/// nothing for Docker's zero time or an unreadable one.
fn ago(time: Option<&str>, now: jiff::Timestamp) -> String {
    parse_time(time).map_or_else(String::new, |then| {
        let seconds = (now.as_nanosecond() - then.as_nanosecond()).max(0) as f64 / 1e9;
        format!(" {}", human_duration(seconds))
    })
}

/// Docker's words, as its list endpoint writes them, from an inspect: for a
/// container the list has not seen, or has seen in another status.
fn docker_words(
    status: ContainerStateStatusEnum,
    health: Health,
    container_state: &bollard::models::ContainerState,
    now: jiff::Timestamp,
) -> String {
    let code = container_state.exit_code.unwrap_or(0);
    let uptime = ago(container_state.started_at.as_deref(), now);
    let finished = ago(container_state.finished_at.as_deref(), now);
    match status {
        ContainerStateStatusEnum::RUNNING => match health {
            Health::None => format!("Up{uptime}"),
            Health::Starting => format!("Up{uptime} (health: starting)"),
            other => format!("Up{uptime} ({})", other.as_str()),
        },
        ContainerStateStatusEnum::RESTARTING | ContainerStateStatusEnum::EXITED => {
            let word = if status == ContainerStateStatusEnum::EXITED {
                "Exited"
            } else {
                "Restarting"
            };
            if finished.is_empty() {
                format!("{word} ({code})")
            } else {
                format!("{word} ({code}){finished} ago")
            }
        }
        ContainerStateStatusEnum::PAUSED => format!("Up{uptime} (Paused)"),
        ContainerStateStatusEnum::CREATED => "Created".to_string(),
        ContainerStateStatusEnum::DEAD => "Dead".to_string(),
        ContainerStateStatusEnum::REMOVING => "Removal In Progress".to_string(),
        ContainerStateStatusEnum::STOPPING => "Stopping".to_string(),
        ContainerStateStatusEnum::EMPTY => "unknown".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::backend::compose::fixture;

    #[test]
    fn an_oom_killed_container_says_so_after_dockers_words_and_keeps_its_last_exit() {
        let mut inspect = fixture("dead");
        if let Some(state) = inspect.state.as_mut() {
            state.oom_killed = Some(true);
            state.exit_code = Some(137);
        }
        let observed = observe_container(&inspect, Some("Exited (137) 4 minutes ago"));
        assert_eq!(observed.detail, "Exited (137) 4 minutes ago (OOM killed)");
        let exit = observed.last_exit.unwrap();
        assert_eq!((exit.code, exit.oom_killed), (137, true));
        assert!(exit.at.is_some());
        let never = observe_container(&fixture("created"), None);
        assert_eq!(never.last_exit, None, "Docker's zero FinishedAt is no exit");
        // Restarted by its policy: Docker keeps FinishedAt but resets ExitCode to 0.
        let mut restarted = fixture("healthy");
        if let Some(state) = restarted.state.as_mut() {
            state.finished_at = Some("2026-12-04T22:42:54.795149309Z".into());
            state.exit_code = Some(0);
        }
        assert_eq!(observe_container(&restarted, None).last_exit, None);
    }

    /// The list said `Up` a moment before the inspect found the container
    /// killed (seen on CI: a container killed by its memory limit within a
    /// second of starting): the row says what the inspect found, not the
    /// list's `Up Less than a second` beside `exited`.
    #[test]
    fn a_container_that_died_between_the_list_and_the_inspect_is_said_as_inspected() {
        let mut inspect = fixture("dead");
        let finished = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(3);
        if let Some(state) = inspect.state.as_mut() {
            state.exit_code = Some(137);
            state.oom_killed = Some(true);
            state.finished_at = Some(finished.to_string());
        }
        let observed = observe_container(&inspect, Some("Up Less than a second"));
        assert_eq!(observed.state, State::Exited);
        assert_eq!(observed.detail, "Exited (137) 3 seconds ago (OOM killed)");
        // Words that agree with the inspect are Docker's own, kept as they are.
        let agreeing = observe_container(&inspect, Some("Exited (137) 2 seconds ago"));
        assert_eq!(agreeing.detail, "Exited (137) 2 seconds ago (OOM killed)");
        assert!(words_name_status(
            "Up 2 hours (healthy)",
            ContainerStateStatusEnum::RUNNING
        ));
        assert!(!words_name_status(
            "Up 2 hours",
            ContainerStateStatusEnum::EXITED
        ));
        assert!(!words_name_status("", ContainerStateStatusEnum::RUNNING));
    }

    #[test]
    fn healthy_running_container() {
        let observed = observe_container(&fixture("healthy"), Some("Up 5 minutes (healthy)"));
        assert_eq!(
            (observed.state, observed.health),
            (State::Running, Health::Healthy)
        );
        assert!(observed.is_ok());
        assert_eq!(observed.detail, "Up 5 minutes (healthy)");
        assert!(observed.pid.is_some());
        assert!(observed.since.is_some());
        assert_eq!(observed.exit_code, None);
    }

    #[test]
    fn unhealthy_container_says_why() {
        let observed = observe_container(&fixture("sick"), None);
        assert_eq!(
            (observed.state, observed.health),
            (State::Running, Health::Unhealthy)
        );
        assert!(!observed.is_ok());
        assert!(
            observed.detail.starts_with("Up ") && observed.detail.ends_with(" (unhealthy)"),
            "{}",
            observed.detail
        );
        assert_eq!(
            observed.reason.as_deref(),
            Some("health check exited with 1")
        );
    }

    #[test]
    fn crash_looping_container_is_restarting_with_its_count() {
        let observed = observe_container(&fixture("loop"), Some("Restarting (3) 2 seconds ago"));
        assert_eq!(observed.state, State::Restarting);
        assert_eq!(observed.exit_code, Some(3));
        assert!(observed.restarts.unwrap() > 0);
        assert_eq!(observed.pid, None);
    }

    #[test]
    fn a_crash_looping_container_up_for_a_moment_is_still_restarting() {
        let mut inspect = fixture("healthy");
        inspect.restart_count = Some(4);
        if let Some(state) = inspect.state.as_mut() {
            state.started_at = Some(jiff::Timestamp::now().to_string());
            state.health = None;
        }
        let observed = observe_container(&inspect, Some("Up Less than a second"));
        assert_eq!(observed.state, State::Restarting);
        assert!(!observed.is_ok());
        assert!(
            observed
                .reason
                .unwrap()
                .contains("restarted by Docker 4 times")
        );
        // Long up after its last restart: running.
        if let Some(state) = inspect.state.as_mut() {
            state.started_at = Some("2026-11-23T08:00:00Z".into());
        }
        assert_eq!(observe_container(&inspect, None).state, State::Running);
    }

    #[test]
    fn exited_container_keeps_its_code() {
        let observed = observe_container(&fixture("dead"), Some("Exited (7) 5 minutes ago"));
        assert_eq!(observed.state, State::Exited);
        assert_eq!(observed.exit_code, Some(7));
        assert_eq!(observed.reason.as_deref(), Some("exited with code 7"));
        assert_eq!(observed.restarts, Some(0));
    }

    #[test]
    fn created_and_paused_containers_are_stopped() {
        let created = observe_container(&fixture("created"), None);
        assert_eq!(
            (created.state, created.detail.as_str()),
            (State::Stopped, "Created")
        );
        assert!(created.since.is_some());
        let paused = observe_container(&fixture("paused"), None);
        assert_eq!(
            (paused.state, paused.health),
            (State::Stopped, Health::None)
        );
        assert!(
            paused.detail.starts_with("Up ") && paused.detail.ends_with(" days (Paused)"),
            "{}",
            paused.detail
        );
    }

    #[test]
    fn a_stopped_service_is_exited_with_its_code() {
        let observed = observe_container(&fixture("porter-api"), None);
        assert_eq!(observed.state, State::Exited);
        assert_eq!(observed.exit_code, Some(0));
    }
}

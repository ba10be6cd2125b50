//! What happened to a compose project's containers, for `hmctl events`:
//! Docker's own events (start, die with its exit code, kill with its signal,
//! oom, health changes, stop, restart), read for a window with `since` and
//! `until` so the stream ends by itself, or followed live; and each
//! container's last start and finish from its state, which outlive a dockerd
//! restart that empties the events' ring.

use super::docker::{DAEMON, DockerClient, label};
use crate::backend::EventSink;
use crate::backend::error::{BackendError, root_message};
use crate::model::{EventSource, Happening, ServiceEvent, signal_name};
use bollard::models::{ContainerInspectResponse, EventMessage};
use futures_util::StreamExt;
use jiff::Timestamp;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;

/// Docker's form of an instant for `since` / `until`: seconds and nanoseconds.
fn docker_time(time: Timestamp) -> String {
    format!(
        "{}.{:09}",
        time.as_second(),
        time.subsec_nanosecond().max(0)
    )
}

/// What one of Docker's container events says happened, and to which
/// compose service; `None` for what the timeline leaves out (create,
/// attach, exec_* of health checks, ...).
pub fn event_of_message(message: &EventMessage, group: &str) -> Option<ServiceEvent> {
    let actor = message.actor.as_ref()?;
    let attributes = actor.attributes.as_ref()?;
    let service = attributes.get(label::SERVICE)?;
    let action = message.action.as_deref()?;
    let happening = match action {
        "start" => Happening::Started,
        "die" => Happening::Exited {
            code: attributes.get("exitCode")?.parse().ok()?,
        },
        "kill" => Happening::Killed {
            signal: signal_name(attributes.get("signal")?),
        },
        "oom" => Happening::Oom,
        "stop" => Happening::Stopped,
        "restart" => Happening::Restarted { count: None },
        _ => Happening::Health {
            from: None,
            to: action.strip_prefix("health_status: ")?.trim().to_string(),
        },
    };
    let time = match (message.time_nano, message.time) {
        (Some(nanos), _) => Timestamp::from_nanosecond(i128::from(nanos)).ok()?,
        (None, Some(seconds)) => Timestamp::from_second(seconds).ok()?,
        (None, None) => return None,
    };
    Some(ServiceEvent {
        time,
        group: group.to_string(),
        service: service.clone(),
        happening,
        source: EventSource::DockerEvents,
    })
}

/// A time of a container's state, `None` for Docker's "never" (`0001-01-01`).
fn state_time(text: Option<&String>) -> Option<Timestamp> {
    let time: Timestamp = text?.parse().ok()?;
    (time.as_second() > 0).then_some(time)
}

/// A container's last start and last finish, as its state keeps them: a
/// start after restarts by its policy is a restart (with the count); a
/// finish is its exit code, and an OOM kill when the kernel's OOM killer
/// ended it.
pub fn events_of_state(
    inspect: &ContainerInspectResponse,
    group: &str,
    service: &str,
) -> Vec<ServiceEvent> {
    let Some(state) = &inspect.state else {
        return Vec::new();
    };
    let event = |time, happening| ServiceEvent {
        time,
        group: group.to_string(),
        service: service.to_string(),
        happening,
        source: EventSource::ContainerState,
    };
    let mut events = Vec::new();
    if let Some(started) = state_time(state.started_at.as_ref()) {
        let restarts = inspect
            .restart_count
            .and_then(|count| u64::try_from(count).ok())
            .filter(|count| *count > 0);
        events.push(event(
            started,
            match restarts {
                Some(count) => Happening::Restarted { count: Some(count) },
                None => Happening::Started,
            },
        ));
    }
    let running = state.running == Some(true) || state.restarting == Some(true);
    if let (Some(finished), false) = (state_time(state.finished_at.as_ref()), running) {
        if state.oom_killed == Some(true) {
            events.push(event(finished, Happening::Oom));
        }
        events.push(event(
            finished,
            Happening::Exited {
                code: state.exit_code.unwrap_or_default(),
            },
        ));
    }
    events
}

impl DockerClient {
    /// The container events of compose project `project` (`group`'s) from
    /// `since` to `until`, or, when `follow` is given, from `since` on, sent
    /// there as they come until the stream ends. A window is read within
    /// `timeout`; following has no end.
    pub async fn project_events(
        &self,
        project: &str,
        group: &str,
        window: (Option<Timestamp>, Option<Timestamp>),
        timeout: Duration,
        follow: Option<&mpsc::UnboundedSender<ServiceEvent>>,
    ) -> Result<Vec<ServiceEvent>, BackendError> {
        let filters = HashMap::from([
            ("type".to_string(), vec!["container".to_string()]),
            (
                "label".to_string(),
                vec![format!("{}={project}", label::PROJECT)],
            ),
        ]);
        let (since, until) = window;
        let options = bollard::query_parameters::EventsOptions {
            since: since.map(docker_time),
            until: until.map(docker_time),
            filters: Some(filters),
        };
        let docker = self.api(timeout).await?.clone();
        // A followed stream has no end: the client-wide timeout must not cut it.
        let docker = match follow {
            Some(_) => docker.with_timeout(Duration::from_secs(u64::from(u32::MAX))),
            None => docker,
        };
        let mut stream = docker.events(Some(options));
        let mut sink = EventSink::new(follow);
        let read = async {
            while let Some(message) = stream.next().await {
                let message = message.map_err(|error| BackendError::Unreachable {
                    backend: DAEMON,
                    endpoint: self.endpoint.clone(),
                    detail: root_message(&error),
                })?;
                if let Some(event) = event_of_message(&message, group)
                    && !sink.take(event)
                {
                    break;
                }
            }
            Ok::<(), BackendError>(())
        };
        if follow.is_some() {
            read.await?;
        } else {
            tokio::time::timeout(timeout, read)
                .await
                .map_err(|_| self.timed_out(timeout))??;
        }
        Ok(sink.collected)
    }

    /// Each container of `project` (`group`'s): its last start and finish
    /// within the window, from its state.
    pub async fn project_states(
        &self,
        project: &str,
        group: &str,
        timeout: Duration,
    ) -> Result<Vec<ServiceEvent>, BackendError> {
        Ok(self
            .project_containers(project, timeout)
            .await?
            .iter()
            .flat_map(|container| events_of_state(&container.inspect, group, &container.service))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Docker's events recorded from a real dockerd (`docker events --format
    /// '{{json .}}'`): a health check that failed then passed, a `docker kill
    /// -s KILL`, a container that died with 137.
    fn recorded() -> Vec<EventMessage> {
        let path = format!(
            "{}/src/backend/compose/fixtures/docker-events.jsonl",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    #[test]
    fn docker_events_become_happenings_of_compose_services() {
        let events: Vec<(String, Happening)> = recorded()
            .iter()
            .filter_map(|message| event_of_message(message, "console"))
            .map(|event| (event.service, event.happening))
            .collect();
        let health = |to: &str| Happening::Health {
            from: None,
            to: to.into(),
        };
        assert_eq!(
            events,
            [
                ("probe".into(), Happening::Started),
                ("probe".into(), health("unhealthy")),
                ("probe".into(), health("healthy")),
                (
                    "probe".into(),
                    Happening::Killed {
                        signal: "SIGKILL".into()
                    }
                ),
                ("probe".into(), Happening::Exited { code: 137 }),
                ("oom".into(), Happening::Started),
                ("oom".into(), Happening::Oom),
                ("oom".into(), Happening::Exited { code: 137 }),
            ]
        );
        let first = recorded()
            .iter()
            .find_map(|message| event_of_message(message, "console"))
            .unwrap();
        assert_eq!(first.time.to_string(), "2026-12-04T22:17:30.929627612Z");
        assert_eq!(first.source, EventSource::DockerEvents);
    }

    #[test]
    fn a_containers_state_tells_its_last_start_and_finish() {
        let mut inspect: ContainerInspectResponse = serde_json::from_str(
            r#"{"RestartCount": 0, "State": {"Status": "exited", "Running": false, "OOMKilled": true,
                "ExitCode": 137, "StartedAt": "2026-12-04T10:00:00.5Z", "FinishedAt": "2026-12-04T10:05:00Z"}}"#,
        )
        .unwrap();
        let happenings = |inspect: &ContainerInspectResponse| -> Vec<Happening> {
            events_of_state(inspect, "console", "porter-api")
                .into_iter()
                .map(|event| event.happening)
                .collect()
        };
        assert_eq!(
            happenings(&inspect),
            [
                Happening::Started,
                Happening::Oom,
                Happening::Exited { code: 137 }
            ]
        );
        inspect.restart_count = Some(3);
        let state = inspect.state.as_mut().unwrap();
        state.running = Some(true);
        state.finished_at = Some("0001-01-01T00:00:00Z".into());
        assert_eq!(
            happenings(&inspect),
            [Happening::Restarted { count: Some(3) }]
        );
        assert_eq!(
            docker_time("2026-12-04T10:00:00.5Z".parse().unwrap()),
            "1796378400.500000000"
        );
    }
}

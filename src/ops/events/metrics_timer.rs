//! The fourth source: the transitions the metrics timer recorded between two
//! snapshots (a state or health change, a restart count that rose), read from
//! `ops::transitions` and turned into events here, with the source
//! [`EventSource::MetricsTimer`] — observed at the snapshot's time, not the
//! daemon's, which the timeline says by that source. What a daemon still
//! tells itself is left to the daemon (its time is the true one); the timer's
//! record is what remains after dockerd restarted or the journal was lost.

use crate::backend::EventWindow;
use crate::model::{EventSource, Happening, Health, ServiceEvent, State};
use crate::ops::transitions::record::Transition;
use std::path::Path;

/// How long before its snapshot a recorded change may have happened: the
/// timer runs every minute, so the change fell after the previous snapshot,
/// at most about this long before. A daemon's own report of the same kind
/// of happening within it is the same happening, told with its true time.
const SNAPSHOT_INTERVAL_NANOSECONDS: i128 = 120 * 1_000_000_000;

/// The transitions recorded in `window` as events of this source, oldest
/// first; `None` when the timer never recorded any on this host (no file:
/// not a source that answered).
/// (The timer keeps its file in hmctl's state directory `state_dir`.)
pub fn read(
    state_dir: &Path,
    window: EventWindow,
) -> Result<Option<Vec<ServiceEvent>>, (String, String)> {
    let file = crate::ops::transitions::FILE;
    if [file.name, file.rotated]
        .iter()
        .all(|name| std::fs::symlink_metadata(state_dir.join(name)).is_err())
    {
        return Ok(None);
    }
    let reading = crate::ops::transitions::read(state_dir, window.since, window.until).map_err(
        |(path, error)| {
            (
                format!(
                    "cannot read the metrics timer's transitions {}: {error}",
                    path.display()
                ),
                format!(
                    "hmctl reads {} as root; check its owner and mode (0600, root)",
                    path.display()
                ),
            )
        },
    )?;
    let events = reading.records.iter().flat_map(events_of).collect();
    Ok(Some(events_of_transitions(events, window)))
}

/// What one recorded transition tells, at its snapshot's time: a death with
/// its exit code (and OOM when the daemon said so), a start, a stop, a
/// restart count that rose, a health verdict that changed.
pub fn events_of(transition: &Transition) -> Vec<ServiceEvent> {
    let (from, to) = (transition.from, transition.to);
    let mut happenings = Vec::new();
    if transition.oom_killed == Some(true) {
        happenings.push(Happening::Oom);
    }
    if transition.is_death()
        && let Some(code) = transition.exit_code
    {
        happenings.push(Happening::Exited { code });
    } else if from.state != to.state {
        let was_up = matches!(from.state, State::Running | State::Starting);
        match to.state {
            State::Running | State::Starting if !was_up => happenings.push(Happening::Started),
            State::Stopped | State::Exited | State::Maintenance if was_up => {
                happenings.push(Happening::Stopped);
            }
            State::Failed => happenings.push(Happening::Failed {
                result: "failed".to_string(),
            }),
            _ => {}
        }
    }
    if to.restarts.unwrap_or(0) > from.restarts.unwrap_or(0) {
        happenings.push(Happening::Restarted { count: to.restarts });
    }
    if from.health != to.health && to.health != Health::None {
        happenings.push(Happening::Health {
            from: (from.health != Health::None).then(|| from.health.as_str().to_string()),
            to: to.health.as_str().to_string(),
        });
    }
    happenings
        .into_iter()
        .map(|happening| ServiceEvent {
            time: transition.observed_at,
            group: transition.group.clone(),
            service: transition.service.clone(),
            happening,
            source: EventSource::MetricsTimer,
        })
        .collect()
}

/// Whether the daemons already told `timer`'s happening: the same service
/// and kind of happening, at most one snapshot interval before it.
pub fn told_by_a_daemon(timer: &ServiceEvent, events: &[ServiceEvent]) -> bool {
    events.iter().any(|event| {
        matches!(
            event.source,
            EventSource::DockerEvents | EventSource::ContainerState | EventSource::Journal
        ) && (event.group.as_str(), event.service.as_str())
            == (timer.group.as_str(), timer.service.as_str())
            && event.happening.class() == timer.happening.class()
            && (0..=SNAPSHOT_INTERVAL_NANOSECONDS)
                .contains(&(timer.time.as_nanosecond() - event.time.as_nanosecond()))
    })
}

/// The timer's transitions, already turned into events, as this source's
/// events (within the window).
pub fn events_of_transitions(
    transitions: Vec<ServiceEvent>,
    window: EventWindow,
) -> Vec<ServiceEvent> {
    transitions
        .into_iter()
        .filter(|event| window.contains(event.time))
        .map(|event| ServiceEvent {
            source: EventSource::MetricsTimer,
            ..event
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::transitions::record::Seen;

    #[test]
    fn the_timers_transitions_are_its_own_source_within_the_window() {
        let at = |time: &str| ServiceEvent {
            time: time.parse().unwrap(),
            group: "console".into(),
            service: "porter-api".into(),
            happening: Happening::Restarted { count: Some(4) },
            source: EventSource::DockerEvents,
        };
        let window = EventWindow {
            since: Some("2026-12-04T10:00:00Z".parse().unwrap()),
            until: None,
        };
        let kept = events_of_transitions(
            vec![at("2026-12-04T09:59:45Z"), at("2026-12-04T10:00:15Z")],
            window,
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].source, EventSource::MetricsTimer);
    }

    fn transition(from: Seen, to: Seen, exit_code: Option<i64>, oom: Option<bool>) -> Transition {
        Transition {
            schema: 1,
            observed_at: "2026-12-04T10:01:00Z".parse().unwrap(),
            group: "console".into(),
            service: "porter-api".into(),
            backend: "compose".into(),
            from,
            to,
            exit_code,
            oom_killed: oom,
            last_lines: Vec::new(),
        }
    }

    fn seen(state: State, health: Health, restarts: u64) -> Seen {
        Seen {
            state,
            health,
            restarts: Some(restarts),
        }
    }

    #[test]
    fn a_transition_tells_its_death_restart_and_health() {
        let killed = transition(
            seen(State::Running, Health::Healthy, 2),
            seen(State::Running, Health::Starting, 3),
            Some(137),
            Some(true),
        );
        let happenings: Vec<Happening> = events_of(&killed)
            .into_iter()
            .map(|event| event.happening)
            .collect();
        assert_eq!(
            happenings,
            vec![
                Happening::Oom,
                Happening::Exited { code: 137 },
                Happening::Restarted { count: Some(3) },
                Happening::Health {
                    from: Some("healthy".into()),
                    to: "starting".into()
                },
            ]
        );
        let stopped = transition(
            seen(State::Running, Health::None, 0),
            seen(State::Exited, Health::None, 0),
            None,
            None,
        );
        assert_eq!(events_of(&stopped)[0].happening, Happening::Stopped);
        let started = transition(
            seen(State::Exited, Health::None, 0),
            seen(State::Running, Health::None, 0),
            None,
            None,
        );
        assert_eq!(events_of(&started)[0].happening, Happening::Started);
        assert!(
            events_of(&started)
                .iter()
                .all(|event| event.source == EventSource::MetricsTimer
                    && event.time == started.observed_at)
        );
    }

    #[test]
    fn a_death_a_daemon_told_within_the_interval_is_the_daemons() {
        let timer = events_of(&transition(
            seen(State::Running, Health::None, 0),
            seen(State::Exited, Health::None, 0),
            Some(137),
            None,
        ))
        .remove(0);
        let daemon = |at: &str, happening: Happening| ServiceEvent {
            time: at.parse().unwrap(),
            group: "console".into(),
            service: "porter-api".into(),
            happening,
            source: EventSource::DockerEvents,
        };
        let killed = Happening::Killed {
            signal: "SIGKILL".into(),
        };
        assert!(told_by_a_daemon(
            &timer,
            &[daemon("2026-12-04T10:00:20Z", killed.clone())]
        ));
        // Long before the snapshot interval: another death.
        assert!(!told_by_a_daemon(
            &timer,
            &[daemon("2026-12-04T09:50:00Z", killed)]
        ));
        // Another kind of happening.
        assert!(!told_by_a_daemon(
            &timer,
            &[daemon("2026-12-04T10:00:20Z", Happening::Started)]
        ));
    }
}

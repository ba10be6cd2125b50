//! What changed between two snapshots, service by service: pure, so each
//! case (a state change, a health flip, a restart count that rose, a service
//! new or gone, a daemon that could not be asked) is tested without daemons.

use super::record::{SCHEMA, Seen, Transition, is_death};
use crate::model::{ServiceStatus, State};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One service in the saved snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub group: String,
    pub service: String,
    pub backend: String,
    pub seen: Seen,
}

impl Row {
    /// The row of a service as status saw it.
    pub fn of(service: &ServiceStatus) -> Row {
        Row {
            group: service.group.clone(),
            service: service.name.clone(),
            backend: service.backend().as_str().to_string(),
            seen: Seen {
                state: service.state,
                health: service.health,
                restarts: service.restarts,
            },
        }
    }
}

/// The rows to keep for the next comparison: the services seen now, and the
/// last known row of each whose daemon could not be asked (so its change is
/// seen once the daemon answers again, not lost to an `unknown` in between).
pub fn next_rows(previous: &[Row], current: &[ServiceStatus]) -> Vec<Row> {
    current
        .iter()
        .map(|service| match previous_of(previous, service) {
            Some(row) if service.state == State::Unknown => row.clone(),
            _ => Row::of(service),
        })
        .collect()
}

fn previous_of<'a>(previous: &'a [Row], service: &ServiceStatus) -> Option<&'a Row> {
    previous
        .iter()
        .find(|row| row.service == service.name && row.group == service.group)
}

/// The services whose state or health changed or whose restart count rose
/// since `previous`, each as a transition observed at `now` (without its
/// last lines: those are asked of the daemon for deaths only). A service the
/// previous snapshot did not have, or whose daemon could not be asked now,
/// has no transition.
pub fn changes(previous: &[Row], current: &[ServiceStatus], now: Timestamp) -> Vec<Transition> {
    let mut found = Vec::new();
    for service in current {
        if service.state == State::Unknown {
            continue;
        }
        let Some(before) = previous_of(previous, service) else {
            continue;
        };
        let to = Row::of(service).seen;
        let from = before.seen;
        let rose = to.restarts.unwrap_or(0) > from.restarts.unwrap_or(0);
        if from.state == to.state && from.health == to.health && !rose {
            continue;
        }
        let death = is_death(from, to).then_some(service.last_exit).flatten();
        found.push(Transition {
            schema: SCHEMA,
            observed_at: now,
            group: service.group.clone(),
            service: service.name.clone(),
            backend: service.backend().as_str().to_string(),
            from,
            to,
            exit_code: death.map(|exit| exit.code),
            oom_killed: death.map(|exit| exit.oom_killed),
            last_lines: Vec::new(),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Handle, Health, LastExit, Observation};

    fn now() -> Timestamp {
        "2026-12-04T10:05:00Z".parse().unwrap()
    }

    fn service(state: State, health: Health, restarts: u64) -> ServiceStatus {
        let mut observation = Observation::missing("");
        observation.state = state;
        observation.health = health;
        observation.restarts = Some(restarts);
        observation.last_exit = Some(LastExit {
            at: None,
            code: 137,
            oom_killed: true,
        });
        ServiceStatus::new(
            "rabbitmq",
            "console",
            Handle::compose("test", "rabbitmq", None),
            observation,
        )
    }

    fn before(state: State, health: Health, restarts: u64) -> Vec<Row> {
        vec![Row::of(&service(state, health, restarts))]
    }

    #[test]
    fn nothing_changed_is_no_record() {
        let previous = before(State::Running, Health::Healthy, 0);
        let current = [service(State::Running, Health::Healthy, 0)];
        assert!(changes(&previous, &current, now()).is_empty());
    }

    #[test]
    fn a_death_carries_its_exit_code_and_oom_kill() {
        let previous = before(State::Running, Health::Healthy, 0);
        let current = [service(State::Exited, Health::None, 0)];
        let found = changes(&previous, &current, now());
        assert_eq!(found.len(), 1);
        let transition = &found[0];
        assert_eq!(transition.from.state, State::Running);
        assert_eq!(transition.to.state, State::Exited);
        assert_eq!(
            (transition.exit_code, transition.oom_killed),
            (Some(137), Some(true))
        );
        assert!(transition.is_death());
        assert_eq!(transition.observed_at, now());
        assert_eq!(
            (transition.group.as_str(), transition.backend.as_str()),
            ("console", "compose")
        );
    }

    #[test]
    fn a_restart_count_that_rose_is_a_death_even_when_running_again() {
        let previous = before(State::Running, Health::Healthy, 2);
        let found = changes(
            &previous,
            &[service(State::Running, Health::Healthy, 3)],
            now(),
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].is_death());
        assert_eq!(found[0].exit_code, Some(137));
        // A count that fell (the container was made anew) is no change.
        let previous = before(State::Running, Health::Healthy, 3);
        assert!(
            changes(
                &previous,
                &[service(State::Running, Health::Healthy, 0)],
                now()
            )
            .is_empty()
        );
    }

    #[test]
    fn a_health_flip_is_recorded_without_an_exit() {
        let previous = before(State::Running, Health::Healthy, 0);
        let found = changes(
            &previous,
            &[service(State::Running, Health::Unhealthy, 0)],
            now(),
        );
        assert_eq!(found.len(), 1);
        assert!(!found[0].is_death());
        assert_eq!((found[0].exit_code, found[0].oom_killed), (None, None));
    }

    #[test]
    fn a_new_service_or_a_daemon_not_asked_is_no_record_and_keeps_its_last_row() {
        assert!(changes(&[], &[service(State::Running, Health::None, 0)], now()).is_empty());
        let previous = before(State::Running, Health::Healthy, 0);
        let unknown = [service(State::Unknown, Health::None, 0)];
        assert!(changes(&previous, &unknown, now()).is_empty());
        assert_eq!(next_rows(&previous, &unknown), previous);
        let exited = [service(State::Exited, Health::None, 0)];
        assert_eq!(next_rows(&previous, &exited)[0].seen.state, State::Exited);
    }
}

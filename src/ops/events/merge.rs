//! One timeline out of several sources: oldest first, a container's state
//! left out where Docker's own event already tells the same happening (its
//! state keeps only the last start and finish, its events every one), the
//! metrics timer's record left out where a daemon told it (with its true
//! time), and each health change given the verdict it changed from.

use crate::model::{EventSource, Happening, ServiceEvent};
use std::collections::{BTreeSet, HashMap};

/// Within this many nanoseconds two sources' reports of one happening are one.
const SAME_MOMENT_NANOSECONDS: i128 = 1_000_000_000;

/// Whose an event is.
fn owner(event: &ServiceEvent) -> (&str, &str) {
    (event.group.as_str(), event.service.as_str())
}

/// Whether `state` (from a container's state) repeats `event` (from Docker's
/// events): the same service, the same kind of happening, within a second.
fn repeats(state: &ServiceEvent, event: &ServiceEvent) -> bool {
    event.source == EventSource::DockerEvents
        && owner(state) == owner(event)
        && state.happening.class() == event.happening.class()
        && (state.time.as_nanosecond() - event.time.as_nanosecond()).abs()
            <= SAME_MOMENT_NANOSECONDS
}

/// The events of `services` (`(group, name)`; `None`: all), once each,
/// oldest first; `last_health` is each service's verdict before the first
/// (and is updated to the last).
pub fn timeline(
    events: Vec<ServiceEvent>,
    services: Option<&BTreeSet<(String, String)>>,
    last_health: &mut HashMap<(String, String), String>,
) -> Vec<ServiceEvent> {
    let mut kept: Vec<ServiceEvent> = events
        .into_iter()
        .filter(|event| {
            services.is_none_or(|services| {
                services.contains(&(event.group.clone(), event.service.clone()))
            })
        })
        .collect();
    let docker: Vec<ServiceEvent> = kept
        .iter()
        .filter(|event| event.source == EventSource::DockerEvents)
        .cloned()
        .collect();
    kept.retain(|event| {
        event.source != EventSource::ContainerState
            || !docker.iter().any(|told| repeats(event, told))
    });
    // The metrics timer's record of what a daemon told itself is the daemon's.
    let (timer, mut kept): (Vec<ServiceEvent>, Vec<ServiceEvent>) = kept
        .into_iter()
        .partition(|event| event.source == EventSource::MetricsTimer);
    let untold: Vec<ServiceEvent> = timer
        .into_iter()
        .filter(|event| !super::metrics_timer::told_by_a_daemon(event, &kept))
        .collect();
    kept.extend(untold);
    kept.sort_by(|a, b| a.time.cmp(&b.time).then(a.source.cmp(&b.source)));
    kept.dedup();
    for event in &mut kept {
        fill_health_from(event, last_health);
    }
    kept
}

/// Gives a health change the verdict before it, when one is known.
pub fn fill_health_from(
    event: &mut ServiceEvent,
    last_health: &mut HashMap<(String, String), String>,
) {
    if let Happening::Health { from, to } = &mut event.happening {
        let key = (event.group.clone(), event.service.clone());
        if from.is_none() {
            from.clone_from(&last_health.get(&key).cloned());
        }
        last_health.insert(key, to.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(at: &str, service: &str, happening: Happening, source: EventSource) -> ServiceEvent {
        ServiceEvent {
            time: at.parse().unwrap(),
            group: "console".into(),
            service: service.into(),
            happening,
            source,
        }
    }

    fn health(to: &str) -> Happening {
        Happening::Health {
            from: None,
            to: to.into(),
        }
    }

    #[test]
    fn the_timers_record_of_what_a_daemon_told_is_left_to_the_daemon() {
        use EventSource::{DockerEvents, MetricsTimer};
        let exited = Happening::Exited { code: 137 };
        let events = vec![
            event("2026-12-04T10:05:30Z", "api", exited.clone(), MetricsTimer),
            event("2026-12-04T10:05:00Z", "api", exited.clone(), DockerEvents),
            // A death no daemon remembers: the timer's record tells it.
            event("2026-12-04T10:05:30Z", "db", exited.clone(), MetricsTimer),
        ];
        let kept = timeline(events, None, &mut HashMap::new());
        let told: Vec<(&str, EventSource)> = kept
            .iter()
            .map(|event| (event.service.as_str(), event.source))
            .collect();
        assert_eq!(told, [("api", DockerEvents), ("db", MetricsTimer)]);
    }

    #[test]
    fn the_timeline_is_oldest_first_each_happening_once() {
        use EventSource::{ContainerState, DockerEvents, HmctlHistory};
        let exited = Happening::Exited { code: 137 };
        let events = vec![
            // The container's state repeats Docker's event of its death...
            event(
                "2026-12-04T10:05:00.9Z",
                "api",
                exited.clone(),
                ContainerState,
            ),
            event(
                "2026-12-04T10:05:00.4Z",
                "api",
                exited.clone(),
                DockerEvents,
            ),
            // ...but not its start, which Docker's ring no longer holds.
            event(
                "2026-12-04T10:00:00Z",
                "api",
                Happening::Started,
                ContainerState,
            ),
            event(
                "2026-12-04T10:01:00Z",
                "api",
                health("healthy"),
                DockerEvents,
            ),
            event(
                "2026-12-04T10:03:00Z",
                "api",
                health("unhealthy"),
                DockerEvents,
            ),
            // Another service's same second is another happening.
            event(
                "2026-12-04T10:05:00.9Z",
                "db",
                exited.clone(),
                ContainerState,
            ),
            event(
                "2026-12-04T10:04:00Z",
                "api",
                Happening::OperatorAction {
                    verb: "restart".into(),
                    user: "alice".into(),
                    via: "pts/1".into(),
                    result: "done".into(),
                },
                HmctlHistory,
            ),
            event(
                "2026-12-04T09:00:00Z",
                "other",
                Happening::Stopped,
                DockerEvents,
            ),
        ];
        let selected = BTreeSet::from([
            ("console".to_string(), "api".to_string()),
            ("console".to_string(), "db".to_string()),
        ]);
        let mut last_health = HashMap::new();
        let kept = timeline(events, Some(&selected), &mut last_health);
        let seen: Vec<(String, &str, EventSource)> = kept
            .iter()
            .map(|event| {
                (
                    event.time.to_string(),
                    event.happening.class(),
                    event.source,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("2026-12-04T10:00:00Z".into(), "start", ContainerState),
                ("2026-12-04T10:01:00Z".into(), "health", DockerEvents),
                ("2026-12-04T10:03:00Z".into(), "health", DockerEvents),
                ("2026-12-04T10:04:00Z".into(), "operator", HmctlHistory),
                ("2026-12-04T10:05:00.4Z".into(), "end", DockerEvents),
                ("2026-12-04T10:05:00.9Z".into(), "end", ContainerState),
            ]
        );
        assert_eq!(kept[5].service, "db");
        assert_eq!(
            kept[2].happening,
            Happening::Health {
                from: Some("healthy".into()),
                to: "unhealthy".into()
            }
        );
        assert_eq!(kept[1].happening, health("healthy"));
        assert_eq!(
            last_health.get(&("console".to_string(), "api".to_string())),
            Some(&"unhealthy".to_string())
        );
    }
}

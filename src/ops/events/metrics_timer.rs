//! The fourth source's place: the transitions the metrics timer recorded
//! between two snapshots (a state or health change, a restart count that
//! rose). Its recorder is built apart; once its records can be read, they are
//! turned into events here and added by `gather` beside the others, with the
//! source [`EventSource::MetricsTimer`] — observed at the snapshot's time,
//! not the daemon's, which the timeline says by that source.

use crate::backend::EventWindow;
use crate::model::{EventSource, ServiceEvent};

/// The timer's transitions, already read and turned into events by its
/// recorder's reader, as this source's events (within the window).
#[allow(dead_code)] // called by `gather` once the recorder's reader lands
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
    use crate::model::Happening;

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
}

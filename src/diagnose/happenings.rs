//! What happened to the services in the window, beside their logs: the
//! operators' changes (hmctl's history), the deaths the daemons remember (a
//! container's or unit's last exit) and those the metrics timer saw
//! (`transitions`). They are evidence, and when a service's first error
//! comes right after one of them — an operator's stop of what it needs, its
//! own restart or crash — the verdict says so: "rabbitmq was stopped by
//! alice via hmctl at 10:02:11; porter-api's errors begin at 10:02:12".

use super::event::Event;
use super::happening::{Happening, Source};
use super::report::{CauseGroup, ServiceState};
use super::window::Window;
use crate::ops::history::actions::Action;
use crate::ops::transitions::record::Transition;
use jiff::{SignedDuration, Timestamp};

/// How soon after a happening a first error is taken to follow from it.
pub const FOLLOWS_WITHIN: SignedDuration = SignedDuration::from_secs(60);

/// How soon after a death the daemon dates the metrics timer's record of it
/// is taken to be the same death (the timer runs every 15 s).
const SAME_DEATH: SignedDuration = SignedDuration::from_secs(120);

/// The happenings within `window`, oldest first.
pub fn happenings(
    actions: &[Action],
    transitions: &[Transition],
    states: &[ServiceState],
    window: &Window,
) -> Vec<Happening> {
    let mut found: Vec<Happening> = actions
        .iter()
        .filter(|action| window.contains(action.began) || window.contains(action.ended))
        .map(|action| Happening {
            time: window.local(action.began),
            service: action.service.clone(),
            what: action.clause(),
            source: Source::History,
            at: action.began,
            over: action.ended,
            took_down: action.takes_down(),
        })
        .collect();
    for state in states {
        let Some(exit) = state.status.last_exit else {
            continue;
        };
        let Some(at) = exit.at.filter(|at| window.contains(*at)) else {
            continue;
        };
        found.push(death(
            &state.status.name,
            exit.words(),
            at,
            Source::State,
            window,
        ));
    }
    for transition in transitions
        .iter()
        .filter(|transition| transition.is_death())
    {
        let told = found.iter().any(|known| {
            known.source == Source::State
                && known.service == transition.service
                && known.at <= transition.observed_at
                && transition.observed_at <= known.at + SAME_DEATH
        });
        if told || !window.contains(transition.observed_at) {
            continue;
        }
        let what = match (transition.exit_code, transition.oom_killed) {
            (Some(code), oom) => crate::model::LastExit {
                at: None,
                code,
                oom_killed: oom == Some(true),
            }
            .words(),
            (None, _) => format!("went {}", transition.to.state.as_str()),
        };
        let seen = format!("{what} (seen by the metrics timer)");
        found.push(death(
            &transition.service,
            seen,
            transition.observed_at,
            Source::Transitions,
            window,
        ));
    }
    found.sort_by_key(|happening| happening.at);
    found
}

fn death(service: &str, what: String, at: Timestamp, source: Source, window: &Window) -> Happening {
    Happening {
        time: window.local(at),
        service: service.to_string(),
        what,
        source,
        at,
        over: at,
        took_down: true,
    }
}

/// When the verdict's group's first errors follow right after something
/// that took one of its services down — the service failing first, or what
/// the errors fail through — the sentence that says so. An operator's change
/// is preferred to a death the daemon saw.
pub fn began_with(
    group: &CauseGroup,
    events: &[Event],
    happenings: &[Happening],
    window: &Window,
) -> Option<String> {
    let mut involved: Vec<&String> = group.affected.iter().collect();
    involved.push(&group.service);
    let first_errors: Vec<&Event> = involved
        .iter()
        .filter_map(|service| {
            events
                .iter()
                .filter(|event| &event.service == *service && event.level.is_some())
                .min_by_key(|event| event.time)
        })
        .collect();
    let follows = |happening: &Happening, error: &Event| {
        happening.at <= error.time && error.time <= happening.over + FOLLOWS_WITHIN
    };
    let mut candidates: Vec<(&Happening, &Event)> = happenings
        .iter()
        .filter(|happening| happening.took_down && involved.contains(&&happening.service))
        .flat_map(|happening| {
            first_errors
                .iter()
                .filter(move |error| follows(happening, error))
                .map(move |error| (happening, *error))
        })
        .collect();
    candidates.sort_by_key(|(happening, error)| {
        (
            happening.source != Source::History,
            error.time,
            happening.at,
        )
    });
    let (happening, error) = candidates.first()?;
    let clock = |at: Timestamp| {
        at.to_zoned(window.zone.clone())
            .strftime("%H:%M:%S")
            .to_string()
    };
    Some(format!(
        "{} {} at {}; {}'s errors begin at {}",
        happening.service,
        happening.what,
        clock(happening.at),
        error.service,
        clock(error.time)
    ))
}

#[cfg(test)]
mod tests;

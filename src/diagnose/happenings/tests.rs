//! The happenings of a window and the verdict's "began with" on hand-made
//! history, states and error events.

use super::*;
use crate::diagnose::event::Location;
use crate::diagnose::report::Verdict;
use crate::diagnose::rules::Side;
use crate::model::{Handle, LastExit, Observation, ServiceStatus, State};
use crate::ops::history::record::Activity;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn window() -> Window {
    Window {
        since: at("2026-12-04T10:00:00Z"),
        until: at("2026-12-04T10:30:00Z"),
        at: None,
        zone: jiff::tz::TimeZone::UTC,
    }
}

fn action(service: &str, activity: Activity, began: &str, ended: &str) -> Action {
    Action {
        service: service.into(),
        group: "console".into(),
        activity,
        who: "alice".into(),
        began: at(began),
        ended: at(ended),
    }
}

fn error(service: &str, time: &str) -> Event {
    Event {
        time: at(time),
        service: service.into(),
        location: Location {
            path: format!("/var/log/{service}.log"),
            line: Some(1),
        },
        level: Some(crate::diagnose::signature::Level::Error),
        first: "AMQP connection refused".into(),
        text: "AMQP connection refused".into(),
    }
}

fn group() -> CauseGroup {
    CauseGroup {
        id: 1,
        service: "rabbitmq".into(),
        causes: vec![1],
        symptoms: vec![2],
        affected: vec!["porter-api".into()],
        first_event: None,
        verdict: Verdict {
            side: Side::Product,
            rule: "middleware-unreachable".into(),
            cause: "rabbitmq is down".into(),
            advice: "start it".into(),
            next: None,
        },
        rank: 1,
    }
}

fn state(name: &str, exit: Option<(i64, bool, &str)>) -> ServiceState {
    let mut observation = Observation::missing("");
    observation.state = State::Exited;
    observation.last_exit = exit.map(|(code, oom_killed, when)| LastExit {
        at: Some(at(when)),
        code,
        oom_killed,
    });
    ServiceState {
        status: ServiceStatus::new(
            name,
            "console",
            Handle::compose("test", name, None),
            observation,
        ),
        details: None,
    }
}

#[test]
fn an_operator_stop_right_before_the_first_errors_begins_the_verdict() {
    let actions = [action(
        "rabbitmq",
        Activity::Stop,
        "2026-12-04T10:02:11Z",
        "2026-12-04T10:02:14Z",
    )];
    let states = [state("rabbitmq", Some((0, false, "2026-12-04T10:02:13Z")))];
    let found = happenings(&actions, &[], &states, &window());
    assert_eq!(found.len(), 2);
    assert_eq!(
        (
            found[0].time.as_str(),
            found[0].what.as_str(),
            found[0].source
        ),
        (
            "2026-12-04 10:02:11",
            "was stopped by alice via hmctl",
            Source::History
        )
    );
    assert_eq!(
        (found[1].what.as_str(), found[1].source),
        ("exited 0", Source::State)
    );
    let events = [
        error("porter-api", "2026-12-04T10:02:12Z"),
        error("porter-api", "2026-12-04T10:05:00Z"),
    ];
    assert_eq!(
        began_with(&group(), &events, &found, &window()).as_deref(),
        Some(
            "rabbitmq was stopped by alice via hmctl at 10:02:11; porter-api's errors begin at 10:02:12"
        )
    );
}

#[test]
fn errors_that_began_long_after_or_before_are_not_blamed_on_it() {
    let actions = [action(
        "rabbitmq",
        Activity::Stop,
        "2026-12-04T10:02:11Z",
        "2026-12-04T10:02:14Z",
    )];
    let found = happenings(&actions, &[], &[], &window());
    let late = [error("porter-api", "2026-12-04T10:03:15Z")];
    assert_eq!(began_with(&group(), &late, &found, &window()), None);
    let before = [
        error("porter-api", "2026-12-04T10:01:00Z"),
        error("porter-api", "2026-12-04T10:02:12Z"),
    ];
    assert_eq!(
        began_with(&group(), &before, &found, &window()),
        None,
        "the errors began before the stop"
    );
    // A start does not take anything down; another service's stop is not this group's.
    let started = happenings(
        &[action(
            "rabbitmq",
            Activity::Start,
            "2026-12-04T10:02:11Z",
            "2026-12-04T10:02:14Z",
        )],
        &[],
        &[],
        &window(),
    );
    assert_eq!(
        began_with(
            &group(),
            &[error("porter-api", "2026-12-04T10:02:12Z")],
            &started,
            &window()
        ),
        None
    );
    let elsewhere = happenings(
        &[action(
            "mysql",
            Activity::Stop,
            "2026-12-04T10:02:11Z",
            "2026-12-04T10:02:14Z",
        )],
        &[],
        &[],
        &window(),
    );
    assert_eq!(
        began_with(
            &group(),
            &[error("porter-api", "2026-12-04T10:02:12Z")],
            &elsewhere,
            &window()
        ),
        None
    );
}

#[test]
fn a_crash_right_before_its_own_errors_is_said_when_no_operator_acted() {
    let states = [state("rabbitmq", Some((137, true, "2026-12-04T10:10:00Z")))];
    let found = happenings(&[], &[], &states, &window());
    let events = [error("rabbitmq", "2026-12-04T10:10:30Z")];
    assert_eq!(
        began_with(&group(), &events, &found, &window()).as_deref(),
        Some("rabbitmq exited 137 (OOM killed) at 10:10:00; rabbitmq's errors begin at 10:10:30")
    );
}

#[test]
fn outside_the_window_nothing_is_a_happening() {
    let actions = [action(
        "rabbitmq",
        Activity::Stop,
        "2026-12-04T09:02:11Z",
        "2026-12-04T09:02:14Z",
    )];
    let states = [state("rabbitmq", Some((1, false, "2026-12-04T11:00:00Z")))];
    assert!(happenings(&actions, &[], &states, &window()).is_empty());
}

#[test]
fn a_death_the_daemon_dates_is_not_told_again_from_the_timers_record() {
    use crate::ops::transitions::record::{SCHEMA, Seen};
    let seen = |state| Seen {
        state,
        health: crate::model::Health::None,
        restarts: Some(0),
    };
    let record = |observed: &str| Transition {
        schema: SCHEMA,
        observed_at: at(observed),
        group: "console".into(),
        service: "rabbitmq".into(),
        backend: "compose".into(),
        from: seen(State::Running),
        to: seen(State::Exited),
        exit_code: Some(137),
        oom_killed: Some(false),
        last_lines: Vec::new(),
    };
    let states = [state(
        "rabbitmq",
        Some((137, false, "2026-12-04T10:10:00Z")),
    )];
    let transitions = [
        record("2026-12-04T10:10:12Z"),
        record("2026-12-04T10:20:00Z"),
    ];
    let found = happenings(&[], &transitions, &states, &window());
    let told: Vec<(&str, &str, Source)> = found
        .iter()
        .map(|happening| {
            (
                happening.time.as_str(),
                happening.what.as_str(),
                happening.source,
            )
        })
        .collect();
    assert_eq!(
        told,
        [
            ("2026-12-04 10:10:00", "exited 137", Source::State),
            (
                "2026-12-04 10:20:00",
                "exited 137 (seen by the metrics timer)",
                Source::Transitions
            ),
        ]
    );
}

//! The settle window: a service that came up is watched a little longer
//! before its start is called done, because "the job succeeded" says only
//! that a process was forked (systemd, `Type=simple`) or is running (Docker).
//! It must stay the same running process — same main PID, same start time,
//! no new restart, not unhealthy — to the end of the window.
//!
//! Where the daemon itself proved more, the window is shorter: a `Type=notify`,
//! `forking` or `dbus` unit, or a container whose health check passed, has
//! said it is ready, so a quarter of the window is kept only to catch a crash
//! right after readiness; a `oneshot` unit that remains active has finished
//! and left nothing to die, so it is not watched at all.
//!
//! Watching is a bounded poll (`Options::poll`, 250 ms): one observation per
//! tick per service in its window — a handful of calls a service, cheap next
//! to the start itself (see the CHANGELOG for what was measured).

use super::{Control, Options};
use crate::backend::BackendError;
use crate::model::{Health, Observation, Readiness, State, Step};
use crate::ops::interrupt::Interrupt;
use std::time::Duration;
use tokio::time::Instant;

/// The window a service is watched for, given what its daemon proved.
pub fn window_for(configured: Duration, readiness: Readiness) -> Duration {
    match readiness {
        Readiness::Started => configured,
        Readiness::Declared => configured / 4,
        Readiness::Finished => Duration::ZERO,
    }
}

/// How a service left its settle window.
#[derive(Debug)]
pub enum Settled {
    /// Still the same running service at the end: the step is done.
    Stayed(Observation),
    /// The operator interrupted: watching stopped, the service was up.
    Interrupted(Observation),
    /// It died, restarted or turned unhealthy: what was seen, in words.
    Fell {
        observation: Observation,
        why: String,
    },
    /// The daemon could not be asked any more.
    Unobservable(BackendError),
}

/// What changed between the service as it came up and as it is now, if
/// that means it did not stay up.
pub fn fall(up: &Observation, now: &Observation) -> Option<String> {
    let restarted = |before: Option<u64>, after: Option<u64>| match (before, after) {
        (Some(before), Some(after)) if after > before => Some(after - before),
        _ => None,
    };
    if let Some(count) = restarted(up.restarts, now.restarts) {
        return Some(format!(
            "crash-looping: restarted {count} time{} since it came up",
            if count == 1 { "" } else { "s" }
        ));
    }
    match (now.state, now.health) {
        (State::Restarting, _) => return Some("crash-looping".to_string()),
        (State::Running, Health::Unhealthy) => return Some("turned unhealthy".to_string()),
        (State::Running, _) => {}
        (State::Exited | State::Failed | State::Stopped | State::Maintenance, _) => {
            return Some(match now.exit_code {
                Some(code) => format!("it exited with code {code}"),
                None => "it stopped".to_string(),
            });
        }
        (State::Starting, _) => return Some("it is starting again".to_string()),
        (State::Missing, _) => return Some("it is gone".to_string()),
        (State::Unknown, _) => return None,
    }
    if up.pid.is_some() && now.pid.is_some() && up.pid != now.pid {
        return Some(format!(
            "its main process changed (PID {} → {})",
            up.pid.unwrap_or(0),
            now.pid.unwrap_or(0)
        ));
    }
    if up.since.is_some() && now.since.is_some() && up.since != now.since {
        return Some("it was started again".to_string());
    }
    None
}

/// Watches the step's service, which `up` saw up, for `window`.
pub async fn watch<C: Control>(
    step: &Step,
    control: &C,
    up: Observation,
    window: Duration,
    options: &Options,
    interrupt: &Interrupt,
) -> Settled {
    let end = Instant::now() + window;
    let mut last = up.clone();
    loop {
        let now = Instant::now();
        if now >= end {
            return Settled::Stayed(last);
        }
        let pause = options.poll.min(end - now);
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = interrupt.raised() => return Settled::Interrupted(last),
        }
        match control.observe(step).await {
            Ok(observation) => {
                if let Some(why) = fall(&up, &observation) {
                    return Settled::Fell { observation, why };
                }
                last = observation;
            }
            Err(error) => return Settled::Unobservable(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(pid: u32, restarts: u64) -> Observation {
        Observation {
            state: State::Running,
            health: Health::None,
            pid: Some(pid),
            restarts: Some(restarts),
            since: Some(jiff::Timestamp::from_second(1_800_000_000).unwrap()),
            ..Observation::missing("active (running)")
        }
    }

    #[test]
    fn the_same_running_process_stays() {
        assert_eq!(fall(&running(10, 0), &running(10, 0)), None);
        let mut unknown = running(10, 0);
        unknown.state = State::Unknown;
        assert_eq!(fall(&running(10, 0), &unknown), None, "not proof of a fall");
    }

    #[test]
    fn a_restart_a_new_pid_an_exit_or_ill_health_is_a_fall() {
        let up = running(10, 0);
        let words = |now: Observation| fall(&up, &now).unwrap();
        assert!(words(running(10, 2)).starts_with("crash-looping: restarted 2 times"));
        assert!(words(running(11, 0)).contains("PID 10 → 11"));
        let mut again = running(10, 0);
        again.since = Some(jiff::Timestamp::from_second(1_800_000_009).unwrap());
        assert_eq!(words(again), "it was started again");
        let mut exited = running(10, 0);
        exited.state = State::Failed;
        exited.exit_code = Some(1);
        assert_eq!(words(exited), "it exited with code 1");
        let mut looping = running(10, 0);
        looping.state = State::Restarting;
        assert_eq!(words(looping), "crash-looping");
        let mut sick = running(10, 0);
        sick.health = Health::Unhealthy;
        assert_eq!(words(sick), "turned unhealthy");
    }

    #[test]
    fn a_daemon_that_proved_readiness_shortens_the_window() {
        let two = Duration::from_secs(2);
        assert_eq!(window_for(two, Readiness::Started), two);
        assert_eq!(
            window_for(two, Readiness::Declared),
            Duration::from_millis(500)
        );
        assert_eq!(window_for(two, Readiness::Finished), Duration::ZERO);
        assert_eq!(
            window_for(Duration::ZERO, Readiness::Started),
            Duration::ZERO
        );
    }
}

//! What `status` says last happened to each service, when it was recent: the
//! death its daemon remembers (from the same answer status already has — no
//! extra question to the daemon) or an operator's change from the end of
//! hmctl's history, whichever came last. Not repeated when the backend's own
//! words already say it (Docker's `Exited (137) 4 minutes ago`).

use crate::model::{LastChange, ServiceStatus, State};
use crate::ops::history::actions::Action;
use jiff::{SignedDuration, Timestamp};

/// How long ago something may have happened for status to still say it.
pub const RECENT: SignedDuration = SignedDuration::from_hours(1);

/// Sets each service's `last_change` from its daemon's answer and `actions`.
pub fn fill(services: &mut [ServiceStatus], actions: &[Action], now: Timestamp) {
    for service in services {
        let operator = actions
            .iter()
            .filter(|action| action.service == service.name && action.group == service.group)
            .max_by_key(|action| action.ended)
            .map(|action| LastChange {
                at: action.ended,
                what: action.activity.past_tense().to_string(),
                by: Some(action.who.clone()),
            });
        let change = match (death(service), operator) {
            (Some(death), Some(operator)) if death.at > operator.at => Some(death),
            (_, Some(operator)) => Some(operator),
            (death, None) => death,
        };
        service.last_change = change.filter(|change| now.duration_since(change.at) <= RECENT);
    }
}

/// The service's last death, unless it is not one (a clean exit of a service
/// that runs again) or the backend's words already say it (Docker's
/// `Exited (137) 4 minutes ago (OOM killed)`).
fn death(service: &ServiceStatus) -> Option<LastChange> {
    let exit = service.last_exit?;
    let at = exit.at?;
    let running = matches!(
        service.state,
        State::Running | State::Starting | State::Restarting
    );
    let clean = exit.code == 0 && !exit.oom_killed;
    let said = service.detail.contains(&format!("({})", exit.code));
    if (running && clean) || said {
        return None;
    }
    Some(LastChange {
        at,
        what: exit.words(),
        by: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Handle, LastExit, Observation};
    use crate::ops::history::record::Activity;

    fn now() -> Timestamp {
        "2026-12-04T10:10:00Z".parse().unwrap()
    }

    fn service(state: State, detail: &str, exit: Option<(i64, bool, &str)>) -> ServiceStatus {
        let mut observation = Observation::missing(detail);
        observation.state = state;
        observation.last_exit = exit.map(|(code, oom_killed, at)| LastExit {
            at: Some(at.parse().unwrap()),
            code,
            oom_killed,
        });
        ServiceStatus::new(
            "rabbitmq",
            "console",
            Handle::compose("test", "rabbitmq", None),
            observation,
        )
    }

    fn stop_by(who: &str, ended: &str) -> Action {
        Action {
            service: "rabbitmq".into(),
            group: "console".into(),
            activity: Activity::Stop,
            who: who.into(),
            began: ended.parse().unwrap(),
            ended: ended.parse().unwrap(),
        }
    }

    fn words(services: &mut [ServiceStatus], actions: &[Action]) -> Option<String> {
        fill(services, actions, now());
        services[0]
            .last_change
            .as_ref()
            .map(|change| change.words(now()))
    }

    #[test]
    fn a_service_that_came_back_from_an_oom_kill_says_so() {
        let mut rows = [service(
            State::Running,
            "Up 3 minutes",
            Some((137, true, "2026-12-04T10:06:00Z")),
        )];
        assert_eq!(
            words(&mut rows, &[]).as_deref(),
            Some("exited 137 (OOM killed) 4 min ago")
        );
    }

    #[test]
    fn what_docker_already_says_is_not_said_again() {
        let mut rows = [service(
            State::Exited,
            "Exited (137) 4 minutes ago",
            Some((137, false, "2026-12-04T10:06:00Z")),
        )];
        assert_eq!(words(&mut rows, &[]), None);
        let mut rows = [service(
            State::Exited,
            "Exited (137) 4 minutes ago (OOM killed)",
            Some((137, true, "2026-12-04T10:06:00Z")),
        )];
        assert_eq!(words(&mut rows, &[]), None);
        let mut rows = [service(
            State::Running,
            "Up 3 minutes",
            Some((0, false, "2026-12-04T10:06:00Z")),
        )];
        assert_eq!(
            words(&mut rows, &[]),
            None,
            "a clean exit of a service that runs again"
        );
    }

    #[test]
    fn a_unit_that_failed_gets_its_code_and_time() {
        let mut rows = [service(
            State::Failed,
            "failed (Result: exit-code)",
            Some((1, false, "2026-12-04T10:09:30Z")),
        )];
        assert_eq!(words(&mut rows, &[]).as_deref(), Some("exited 1 30 s ago"));
    }

    #[test]
    fn the_later_of_a_death_and_an_operator_change_is_said() {
        let mut rows = [service(
            State::Exited,
            "Exited (0) 2 minutes ago",
            Some((143, false, "2026-12-04T10:08:00Z")),
        )];
        let stop = stop_by("alice", "2026-12-04T10:08:01Z");
        assert_eq!(
            words(&mut rows, &[stop]).as_deref(),
            Some("stopped by alice via hmctl 1 min ago")
        );
        let mut rows = [service(
            State::Running,
            "Up 1 minute",
            Some((137, true, "2026-12-04T10:09:00Z")),
        )];
        let stop = stop_by("alice", "2026-12-04T10:05:00Z");
        assert_eq!(
            words(&mut rows, &[stop]).as_deref(),
            Some("exited 137 (OOM killed) 1 min ago")
        );
    }

    #[test]
    fn what_happened_more_than_an_hour_ago_is_not_said() {
        let mut rows = [service(
            State::Running,
            "Up 2 hours",
            Some((137, true, "2026-12-04T08:00:00Z")),
        )];
        let stop = stop_by("alice", "2026-12-04T08:30:00Z");
        assert_eq!(words(&mut rows, &[stop]), None);
    }
}

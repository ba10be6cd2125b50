//! systemd's answer about a unit, in hmctl's vocabulary. Pure functions, tested
//! on properties recorded from a real systemd (the test container).

use crate::model::{Health, LastExit, Observation, Readiness, State};

/// The unit properties hmctl reads (`org.freedesktop.systemd1.Unit` / `.Service`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitProperties {
    pub load_state: String,
    pub active_state: String,
    pub sub_state: String,
    /// `UnitFileState`: `enabled`, `disabled`, `static`, `masked`, ...
    pub unit_file_state: String,
    /// `Service.Result`: `success`, `exit-code`, `signal`, `timeout`, ...
    pub result: String,
    /// µs since the epoch; 0 means never.
    pub state_change_timestamp: u64,
    pub main_pid: u32,
    pub restarts: u32,
    /// `ExecMainCode`: 1 exited, 2 killed, 3 dumped core (`CLD_*`).
    pub exec_main_code: i32,
    pub exec_main_status: i32,
    /// `Service.Type`: `simple`, `exec`, `notify`, `forking`, `oneshot`, `dbus`, ...
    pub service_type: String,
    /// `Service.RemainAfterExit`.
    pub remain_after_exit: bool,
    /// `Unit.TriggeredBy`: the sockets, paths and timers that start it on demand.
    pub triggered_by: Vec<String>,
}

/// What systemd proved when it ended a unit's start job: for `notify`,
/// `forking` and `dbus` units the job ends only once the service says it is
/// ready; a `oneshot` unit that remains active has finished its work; any
/// other type was only forked.
pub fn readiness(properties: &UnitProperties) -> Readiness {
    match properties.service_type.as_str() {
        "notify" | "notify-reload" | "forking" | "dbus" => Readiness::Declared,
        "oneshot" if properties.remain_after_exit => Readiness::Finished,
        _ => Readiness::Started,
    }
}

/// Whether systemd starts the unit at boot, by its `UnitFileState`; `None`
/// when that is not the unit file's to say (`static`, `transient`, ...).
pub fn starts_at_boot(properties: &UnitProperties) -> Option<bool> {
    match properties.unit_file_state.as_str() {
        "enabled" | "enabled-runtime" | "linked" | "linked-runtime" | "alias" => Some(true),
        "disabled" | "masked" | "masked-runtime" => Some(false),
        _ => None,
    }
}

/// The observation of one unit.
pub fn observe_unit(properties: &UnitProperties) -> Observation {
    if properties.load_state == "not-found" {
        return Observation::missing("unit not found");
    }
    let active = properties.active_state.as_str();
    let sub = properties.sub_state.as_str();
    let state = match (active, sub) {
        ("active" | "reloading", _) => State::Running,
        ("activating", "auto-restart") => State::Restarting,
        ("activating", _) => State::Starting,
        ("failed", _) => State::Failed,
        ("inactive" | "deactivating", _) => State::Stopped,
        _ => State::Unknown,
    };
    let failed_result = !properties.result.is_empty() && properties.result != "success";
    // systemctl's words: `active (running)`, `failed (Result: exit-code)`.
    let mut detail = if sub.is_empty() || sub == active {
        active.to_string()
    } else {
        format!("{active} ({sub})")
    };
    if properties.load_state == "masked" {
        detail.push_str(" (masked)");
    }
    if failed_result && matches!(state, State::Failed | State::Restarting) {
        detail.push_str(&format!(" (Result: {})", properties.result));
    }
    let exit_code = match (state, properties.exec_main_code) {
        (State::Running | State::Starting, _) | (_, 0) => None,
        (_, 1) => Some(i64::from(properties.exec_main_status)),
        // Killed by a signal: the shell's convention, 128 + signal.
        (_, _) => Some(128 + i64::from(properties.exec_main_status)),
    };
    // A unit caught between its death and its automatic restart can still say
    // `Result: success` (seen with Debian's redis-server): no reason at all
    // reads truer than that one.
    let reason = match (state, exit_code) {
        (State::Failed | State::Restarting, Some(code)) => Some(format!("exit status {code}")),
        (State::Failed | State::Restarting, None) if failed_result => {
            Some(format!("Result: {}", properties.result))
        }
        _ => None,
    };
    Observation {
        last_exit: last_exit(properties, state, exit_code),
        state,
        health: Health::None,
        detail,
        since: timestamp(properties.state_change_timestamp),
        restarts: Some(u64::from(properties.restarts)),
        exit_code,
        pid: (properties.main_pid > 0).then_some(properties.main_pid),
        reason,
        readiness: readiness(properties),
        started_on_demand_by: Vec::new(),
    }
}

/// How a unit that is not running ended: its main process's status and
/// `Result=oom-kill`, at its last state change. A running unit's
/// `ExecMain*` are its current process's, so it has none.
fn last_exit(
    properties: &UnitProperties,
    state: State,
    exit_code: Option<i64>,
) -> Option<LastExit> {
    let oom_killed = properties.result == "oom-kill";
    if matches!(state, State::Running | State::Starting) || (exit_code.is_none() && !oom_killed) {
        return None;
    }
    Some(LastExit {
        at: timestamp(properties.state_change_timestamp),
        code: exit_code.unwrap_or(128 + 9),
        oom_killed,
    })
}

fn timestamp(microseconds: u64) -> Option<jiff::Timestamp> {
    if microseconds == 0 {
        return None;
    }
    jiff::Timestamp::from_microsecond(i64::try_from(microseconds).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-23 12:05:24 UTC, as systemd reports it on the bus.
    const RECORDED: u64 = 1_795_435_524_000_000;

    /// Properties as `systemctl show` printed them for the sandbox's units.
    fn recorded(load: &str, active: &str, sub: &str, result: &str) -> UnitProperties {
        UnitProperties {
            load_state: load.into(),
            active_state: active.into(),
            sub_state: sub.into(),
            result: result.into(),
            ..UnitProperties::default()
        }
    }

    #[test]
    fn active_unit() {
        let observed = observe_unit(&UnitProperties {
            main_pid: 36,
            state_change_timestamp: RECORDED,
            ..recorded("loaded", "active", "running", "success")
        });
        assert_eq!(observed.state, State::Running);
        assert!(observed.is_ok());
        assert_eq!(observed.detail, "active (running)");
        assert_eq!(observed.pid, Some(36));
        assert_eq!(observed.since.unwrap().to_string(), "2026-11-23T12:05:24Z");
    }

    #[test]
    fn failed_unit() {
        let observed = observe_unit(&UnitProperties {
            exec_main_code: 1,
            exec_main_status: 1,
            state_change_timestamp: RECORDED,
            ..recorded("loaded", "failed", "failed", "exit-code")
        });
        assert_eq!(observed.state, State::Failed);
        assert_eq!(observed.detail, "failed (Result: exit-code)");
        assert_eq!(observed.exit_code, Some(1));
        assert_eq!(observed.reason.as_deref(), Some("exit status 1"));
    }

    #[test]
    fn a_unit_that_ended_keeps_how_and_when_a_running_one_has_no_last_exit() {
        let failed = observe_unit(&UnitProperties {
            exec_main_code: 1,
            exec_main_status: 3,
            state_change_timestamp: RECORDED,
            ..recorded("loaded", "failed", "failed", "exit-code")
        });
        let exit = failed.last_exit.unwrap();
        assert_eq!((exit.code, exit.oom_killed), (3, false));
        assert_eq!(exit.at.unwrap().to_string(), "2026-11-23T12:05:24Z");
        let killed = observe_unit(&UnitProperties {
            exec_main_code: 2,
            exec_main_status: 9,
            ..recorded("loaded", "failed", "failed", "oom-kill")
        });
        let exit = killed.last_exit.unwrap();
        assert_eq!((exit.code, exit.oom_killed), (137, true));
        let running = observe_unit(&UnitProperties {
            exec_main_code: 1,
            ..recorded("loaded", "active", "running", "success")
        });
        assert_eq!(running.last_exit, None);
    }

    #[test]
    fn a_unit_waiting_for_its_automatic_restart_never_says_result_success() {
        let observed = observe_unit(&recorded("loaded", "activating", "auto-restart", "success"));
        assert_eq!(observed.state, State::Restarting);
        assert_eq!(observed.detail, "activating (auto-restart)");
        assert_eq!(observed.reason, None);
        let observed = observe_unit(&recorded(
            "loaded",
            "activating",
            "auto-restart",
            "exit-code",
        ));
        assert_eq!(
            observed.detail,
            "activating (auto-restart) (Result: exit-code)"
        );
        assert_eq!(observed.reason.as_deref(), Some("Result: exit-code"));
    }

    #[test]
    fn inactive_unit() {
        let observed = observe_unit(&recorded("loaded", "inactive", "dead", "success"));
        assert_eq!(observed.state, State::Stopped);
        assert_eq!(observed.detail, "inactive (dead)");
        assert_eq!(observed.since, None);
        assert_eq!(observed.exit_code, None);
    }

    #[test]
    fn the_unit_file_says_whether_it_starts_at_boot() {
        let of = |state: &str| {
            starts_at_boot(&UnitProperties {
                unit_file_state: state.into(),
                ..recorded("loaded", "inactive", "dead", "success")
            })
        };
        assert_eq!(of("enabled"), Some(true));
        assert_eq!(of("disabled"), Some(false));
        assert_eq!(of("masked"), Some(false));
        assert_eq!(of("static"), None);
        assert_eq!(of(""), None);
    }

    #[test]
    fn readiness_follows_the_unit_type() {
        let of = |service_type: &str, remain_after_exit: bool| {
            readiness(&UnitProperties {
                service_type: service_type.into(),
                remain_after_exit,
                ..recorded("loaded", "active", "running", "success")
            })
        };
        assert_eq!(of("simple", false), Readiness::Started);
        assert_eq!(of("exec", true), Readiness::Started);
        assert_eq!(of("notify", false), Readiness::Declared);
        assert_eq!(of("forking", false), Readiness::Declared);
        assert_eq!(of("dbus", false), Readiness::Declared);
        assert_eq!(of("oneshot", true), Readiness::Finished);
        assert_eq!(of("oneshot", false), Readiness::Started);
        assert_eq!(
            of("", false),
            Readiness::Started,
            "an old systemd's silence"
        );
    }

    #[test]
    fn unit_not_found_is_missing() {
        let observed = observe_unit(&recorded("not-found", "inactive", "dead", "success"));
        assert_eq!(observed.state, State::Missing);
        assert_eq!(observed.detail, "unit not found");
    }

    #[test]
    fn crash_looping_unit_is_restarting() {
        let observed = observe_unit(&UnitProperties {
            restarts: 2,
            exec_main_code: 1,
            exec_main_status: 4,
            state_change_timestamp: RECORDED,
            ..recorded("loaded", "activating", "auto-restart", "exit-code")
        });
        assert_eq!(observed.state, State::Restarting);
        assert_eq!(observed.restarts, Some(2));
        assert_eq!(observed.exit_code, Some(4));
        assert_eq!(
            observed.detail,
            "activating (auto-restart) (Result: exit-code)"
        );
    }

    #[test]
    fn killed_by_a_signal() {
        let observed = observe_unit(&UnitProperties {
            exec_main_code: 2,
            exec_main_status: 9,
            ..recorded("loaded", "failed", "failed", "signal")
        });
        assert_eq!(observed.exit_code, Some(137));
    }
}

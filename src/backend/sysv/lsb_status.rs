//! What an init script's `status` means, in hmctl's states: the LSB exit
//! codes (Linux Standard Base, "Init Script Actions": 0 running, 1 dead with
//! a pid file, 2 dead with a lock file, 3 not running, 4 unknown), checked
//! against the process table — a script that says running while no process
//! of it exists is not believed.

use super::main_process::MainProcess;
use super::script::Answer;
use crate::model::{Observation, State};
use std::path::Path;

/// The service's state from its script's `status` answer and the main
/// process found (`pid_file`: the pid file that exists, if one does).
pub fn observe(
    answer: &Answer,
    process: Option<&MainProcess>,
    pid_file: Option<&Path>,
) -> Observation {
    let said = answer.line();
    let (state, meaning) = match answer.code {
        Some(0) if process.is_some() => (State::Running, None),
        Some(0) => (
            State::Unknown,
            Some(match pid_file {
                Some(file) => format!(
                    "its status says running (0), but no process of its pid file {} is alive",
                    file.display()
                ),
                None => "its status says running (0), but no process of it is found (no pid file, none by its name)".to_string(),
            }),
        ),
        Some(1) => (
            State::Failed,
            Some(match pid_file {
                Some(file) => format!("LSB status 1: dead, its pid file {} remains", file.display()),
                None => "LSB status 1: dead, its pid file remains".to_string(),
            }),
        ),
        Some(2) => (
            State::Failed,
            Some("LSB status 2: dead, its lock file remains".to_string()),
        ),
        Some(3) => (State::Stopped, None),
        Some(4) => (State::Unknown, Some("LSB status 4: unknown".to_string())),
        Some(code) => (
            State::Unknown,
            Some(format!("its status exited {code}, not an LSB status")),
        ),
        None => (
            State::Unknown,
            Some("its status was ended by a signal".to_string()),
        ),
    };
    let detail = match (said.is_empty(), &meaning) {
        (false, Some(meaning)) => format!("{said} — {meaning}"),
        (false, None) => said,
        (true, Some(meaning)) => meaning.clone(),
        (true, None) if state == State::Running => "running".to_string(),
        (true, None) => "not running".to_string(),
    };
    let running = state == State::Running;
    Observation {
        pid: process.filter(|_| running).map(|process| process.pid),
        since: process
            .filter(|_| running)
            .and_then(|process| process.since),
        reason: meaning,
        ..Observation {
            state,
            ..Observation::missing(detail)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(code: i32, words: &str) -> Answer {
        Answer {
            code: Some(code),
            words: words.to_string(),
        }
    }

    #[test]
    fn each_lsb_code_is_a_state() {
        let process = MainProcess {
            pid: 33,
            since: Some(jiff::Timestamp::from_second(1_800_000_000).unwrap()),
        };
        let running = observe(
            &answer(0, "egisplus-agent is running.\n"),
            Some(&process),
            None,
        );
        assert_eq!(
            (running.state, running.pid, running.detail.as_str()),
            (State::Running, Some(33), "egisplus-agent is running.")
        );
        assert_eq!(running.since, process.since);

        let stale = Path::new("/var/run/s3block.pid");
        let dead = observe(
            &answer(1, "s3block is not running ... failed!\n"),
            None,
            Some(stale),
        );
        assert_eq!(dead.state, State::Failed);
        assert_eq!(
            dead.reason.as_deref(),
            Some("LSB status 1: dead, its pid file /var/run/s3block.pid remains")
        );
        let locked = observe(
            &answer(2, "hyper_exporter dead but subsys locked\n"),
            None,
            None,
        );
        assert_eq!(locked.state, State::Failed);
        let stopped = observe(&answer(3, "hyper_exporter is stopped\n"), None, None);
        assert_eq!((stopped.state, stopped.reason), (State::Stopped, None));
        assert_eq!(
            observe(&answer(4, ""), None, None).detail,
            "LSB status 4: unknown"
        );
        assert_eq!(
            observe(&answer(127, ""), None, None).detail,
            "its status exited 127, not an LSB status"
        );
    }

    #[test]
    fn a_status_that_says_running_with_nothing_running_is_not_believed() {
        let lying = observe(&answer(0, "lying-status is running\n"), None, None);
        assert_eq!(lying.state, State::Unknown);
        assert_eq!(
            lying.detail,
            "lying-status is running — its status says running (0), but no process of it is found (no pid file, none by its name)"
        );
        assert_eq!(lying.pid, None);
        assert_eq!(
            lying.reason.as_deref(),
            Some(
                "its status says running (0), but no process of it is found (no pid file, none by its name)"
            )
        );
    }
}

//! What happened to units, for `hmctl events`: systemd's own messages about
//! them in the journal (started, stopped, main process exited with a code or
//! a signal, failed with a result, automatic restart scheduled), read with
//! `journalctl -o json` as a child process (an argument vector, never a
//! shell; bounded in time) and recognised by their `MESSAGE_ID`s from
//! systemd's message catalog, never by their English text.

use crate::backend::{BackendError, EventSink};
use crate::model::{BackendKind, EventSource, Happening, ServiceEvent, signal_name};
use jiff::Timestamp;
use std::collections::HashMap;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;
use tokio::sync::mpsc;

/// systemd's catalog: "A start job for unit @UNIT@ has finished successfully".
const STARTED: &str = "39f53479d3a045ac8e11786248231fbf";
/// "A stop job for unit @UNIT@ has finished".
const STOPPED: &str = "9d1aaa27d60140bd96365438aad20286";
/// "A start job for unit @UNIT@ has failed" (`JOB_RESULT`).
const START_FAILED: &str = "be02cf6855d2428ba40df7e9d022f03d";
/// "Unit failed" (`UNIT_RESULT`).
const UNIT_FAILED: &str = "d9b373ed55a64feb8242e02dbe79a49c";
/// "Unit process exited" (`EXIT_CODE`: exited, killed, dumped; `EXIT_STATUS`).
const PROCESS_EXITED: &str = "98e322203f7a4ed290d09fe03c09fe15";
/// "Automatic restarting of a unit has been scheduled" (`N_RESTARTS`).
const RESTART_SCHEDULED: &str = "5eb03494b6584870a536b337290809b3";

/// Whose a unit is: its group and its service's name.
pub type Owners = HashMap<String, (String, String)>;

/// The happening one journal entry (a line of `journalctl -o json`) tells of
/// one of `owners`' units; `None` for any other entry.
pub fn event_of_entry(line: &str, owners: &Owners) -> Option<ServiceEvent> {
    let entry: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).ok()?;
    let field = |name: &str| entry.get(name).and_then(serde_json::Value::as_str);
    let (group, service) = owners.get(field("UNIT")?)?;
    let happening = match field("MESSAGE_ID")? {
        STARTED => Happening::Started,
        STOPPED => Happening::Stopped,
        START_FAILED => Happening::Failed {
            result: format!("start-job-{}", field("JOB_RESULT").unwrap_or("failed")),
        },
        UNIT_FAILED => Happening::Failed {
            result: field("UNIT_RESULT").unwrap_or("failed").to_string(),
        },
        PROCESS_EXITED => match field("EXIT_CODE")? {
            "exited" => Happening::Exited {
                code: field("EXIT_STATUS")?.parse().ok()?,
            },
            _ => Happening::Killed {
                signal: signal_name(field("EXIT_STATUS")?),
            },
        },
        RESTART_SCHEDULED => Happening::Restarted {
            count: field("N_RESTARTS").and_then(|count| count.parse().ok()),
        },
        _ => return None,
    };
    let microseconds: i64 = field("__REALTIME_TIMESTAMP")?.parse().ok()?;
    Some(ServiceEvent {
        time: Timestamp::from_microsecond(microseconds).ok()?,
        group: group.clone(),
        service: service.clone(),
        happening,
        source: EventSource::Journal,
    })
}

/// journalctl's form of an instant: `@SECONDS.MICROSECONDS`.
fn journal_time(time: Timestamp) -> String {
    format!(
        "@{}.{:06}",
        time.as_second(),
        time.subsec_microsecond().max(0)
    )
}

/// `journalctl` for systemd's own messages (`_PID=1`) about `units` within
/// the window, or from `since` on and following.
pub fn command_args(
    units: &[&String],
    since: Option<Timestamp>,
    until: Option<Timestamp>,
    follow: bool,
) -> Vec<String> {
    let mut args: Vec<String> = ["--no-pager", "--quiet", "--output", "json"]
        .map(String::from)
        .to_vec();
    if let Some(since) = since {
        args.extend(["--since".to_string(), journal_time(since)]);
    }
    if let Some(until) = until {
        args.extend(["--until".to_string(), journal_time(until)]);
    }
    if follow {
        args.extend(["--follow".to_string(), "--lines=all".to_string()]);
    }
    args.push("_PID=1".to_string());
    args.extend(units.iter().map(|unit| format!("UNIT={unit}")));
    args
}

/// Why the journal could not be read.
fn unreadable(units: &[&String], detail: String, hint: &str) -> BackendError {
    let mut names: Vec<&str> = units.iter().map(|unit| unit.as_str()).collect();
    names.sort_unstable();
    BackendError::Unreadable {
        backend: BackendKind::Systemd,
        what: format!("the journal of {}", names.join(", ")),
        detail,
        hint: hint.to_string(),
    }
}

/// The events of `owners`' units in the window, or (with `follow`) from
/// `since` on, sent there as systemd writes them until journalctl ends. A
/// window is read within `timeout`.
pub async fn read(
    owners: &Owners,
    window: (Option<Timestamp>, Option<Timestamp>),
    timeout: Duration,
    follow: Option<&mpsc::UnboundedSender<ServiceEvent>>,
) -> Result<Vec<ServiceEvent>, BackendError> {
    let units: Vec<&String> = owners.keys().collect();
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let mut command = tokio::process::Command::new("journalctl");
    command
        .args(command_args(&units, window.0, window.1, follow.is_some()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(|error| {
        unreadable(
            &units,
            format!("cannot run journalctl: {error}"),
            "install journalctl (systemd), or ask for the services of other groups",
        )
    })?;
    let Some(stdout) = child.stdout.take() else {
        return Ok(Vec::new());
    };
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let mut sink = EventSink::new(follow);
    let reading = async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(event) = event_of_entry(&line, owners)
                && !sink.take(event)
            {
                break;
            }
        }
        child.wait_with_output().await
    };
    let finished = if follow.is_some() {
        reading.await
    } else {
        tokio::time::timeout(timeout, reading).await.map_err(|_| {
            unreadable(
                &units,
                format!(
                    "journalctl did not finish within {}",
                    crate::backend::error::humanize(timeout)
                ),
                "on a busy host, wait longer with --daemon-timeout SECS, or ask for a shorter window with --since",
            )
        })?
    };
    match finished {
        Ok(output) if !output.status.success() => {
            let said = String::from_utf8_lossy(&output.stderr);
            Err(unreadable(
                &units,
                format!(
                    "journalctl failed ({}): {}",
                    output.status,
                    said.lines().next().unwrap_or_default().trim()
                ),
                "journalctl must be able to read the system journal: run as root (sudo hmctl ...) or as a member of the systemd-journal group",
            ))
        }
        _ => Ok(sink.collected),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Recorded from the sandbox's systemd 252 (`journalctl -o json`): a unit
    /// with `Restart=on-failure` that exits 3 until its start limit, and one
    /// killed with SIGKILL.
    fn recorded() -> String {
        std::fs::read_to_string(format!(
            "{}/src/backend/systemd/fixtures/journal-transitions.jsonl",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn owners() -> Owners {
        Owners::from([
            (
                "evprobe-fail.service".to_string(),
                ("gateway".to_string(), "evprobe-fail".to_string()),
            ),
            (
                "evprobe-kill.service".to_string(),
                ("gateway".to_string(), "evprobe-kill".to_string()),
            ),
        ])
    }

    #[test]
    fn systemds_messages_become_happenings_by_their_message_ids() {
        let events: Vec<(String, Happening)> = recorded()
            .lines()
            .filter_map(|line| event_of_entry(line, &owners()))
            .map(|event| (event.service, event.happening))
            .collect();
        let fail = |happening| ("evprobe-fail".to_string(), happening);
        let kill = |happening| ("evprobe-kill".to_string(), happening);
        let failed = |result: &str| Happening::Failed {
            result: result.into(),
        };
        assert_eq!(
            events,
            [
                fail(Happening::Started),
                fail(Happening::Exited { code: 3 }),
                fail(failed("exit-code")),
                fail(Happening::Restarted { count: Some(1) }),
                fail(Happening::Stopped),
                fail(Happening::Started),
                fail(Happening::Exited { code: 3 }),
                fail(failed("exit-code")),
                fail(Happening::Restarted { count: Some(2) }),
                fail(Happening::Stopped),
                fail(failed("exit-code")),
                fail(failed("start-job-failed")),
                kill(Happening::Started),
                kill(Happening::Killed {
                    signal: "SIGKILL".into()
                }),
                kill(failed("signal")),
            ]
        );
        let first = recorded()
            .lines()
            .find_map(|line| event_of_entry(line, &owners()))
            .unwrap();
        assert_eq!(first.time.to_string(), "2026-12-04T22:16:13.762636Z");
        assert_eq!(first.group, "gateway");
        assert_eq!(first.source, EventSource::Journal);
    }

    #[test]
    fn other_units_and_unknown_messages_are_left_out() {
        let only_kill = Owners::from([(
            "evprobe-kill.service".to_string(),
            ("gateway".to_string(), "evprobe-kill".to_string()),
        )]);
        let count = recorded()
            .lines()
            .filter_map(|line| event_of_entry(line, &only_kill))
            .count();
        assert_eq!(count, 3);
        assert_eq!(event_of_entry("not json", &only_kill), None);
    }

    #[test]
    fn journalctl_is_asked_for_systemds_own_messages_in_the_window() {
        let unit = "s3block.service".to_string();
        let since: Timestamp = "2026-12-04T10:00:00.25Z".parse().unwrap();
        assert_eq!(
            command_args(&[&unit], Some(since), Some(since), false).join(" "),
            "--no-pager --quiet --output json --since @1796378400.250000 --until @1796378400.250000 _PID=1 UNIT=s3block.service"
        );
        assert_eq!(
            command_args(&[&unit], Some(since), None, true).join(" "),
            "--no-pager --quiet --output json --since @1796378400.250000 --follow --lines=all _PID=1 UNIT=s3block.service"
        );
    }
}

//! `hmctl events` as text (TIME GROUP SERVICE SOURCE WHAT, the time in the
//! operator's zone; a line per event, so followed events line up with the
//! window's) and as JSON Lines (UTC times; one object per line with
//! `schema` and `kind`: an `event`, or an `error` naming a source that could
//! not be read).

use crate::model::{Happening, ServiceEvent};
use crate::ops::events::{Timeline, Unread};
use jiff::tz::TimeZone;
use serde_json::json;

/// The JSON Lines' schema.
const SCHEMA: u32 = 1;

/// What happened, in words.
pub fn what(happening: &Happening) -> String {
    match happening {
        Happening::Started => "started".into(),
        Happening::Exited { code } => format!("exited {code}"),
        Happening::Killed { signal } => format!("killed ({signal})"),
        Happening::Oom => "OOM killed (memory limit reached)".into(),
        Happening::Health {
            from: Some(from),
            to,
        } => format!("health {from} -> {to}"),
        Happening::Health { from: None, to } => format!("health {to}"),
        Happening::Restarted { count: Some(count) } => format!("restarted (restart {count})"),
        Happening::Restarted { count: None } => "restarted".into(),
        Happening::Stopped => "stopped".into(),
        Happening::Failed { result } => format!("failed ({result})"),
        Happening::OperatorAction {
            verb,
            user,
            via,
            result,
        } => format!("{verb} by {user} ({via}) via hmctl: {result}"),
    }
}

/// The widths of the GROUP and SERVICE columns.
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    group: usize,
    service: usize,
}

impl Columns {
    /// Wide enough for `events` (and at least the headers, or a usual name).
    pub fn fitting(events: &[ServiceEvent]) -> Columns {
        let widest = |least: usize, width: &dyn Fn(&ServiceEvent) -> usize| {
            events.iter().map(width).max().unwrap_or(0).max(least)
        };
        Columns {
            group: widest(10, &|event| event.group.len()),
            service: widest(16, &|event| event.service.len()),
        }
    }
}

/// The header line.
pub fn header(columns: Columns) -> String {
    format!(
        "{:<19}  {:<group$}  {:<service$}  {:<15}  WHAT\n",
        "TIME",
        "GROUP",
        "SERVICE",
        "SOURCE",
        group = columns.group,
        service = columns.service,
    )
}

/// One event's line, its time in `zone`.
pub fn row(event: &ServiceEvent, zone: &TimeZone, columns: Columns) -> String {
    format!(
        "{}  {:<group$}  {:<service$}  {:<15}  {}\n",
        event
            .time
            .to_zoned(zone.clone())
            .strftime("%Y-%m-%d %H:%M:%S"),
        event.group,
        event.service,
        event.source.as_str(),
        what(&event.happening),
        group = columns.group,
        service = columns.service,
    )
}

/// The window's timeline as text.
pub fn human(timeline: &Timeline, zone: &TimeZone, columns: Columns) -> String {
    if timeline.events.is_empty() {
        return "no events for this selection in this window\n".to_string();
    }
    let mut text = header(columns);
    for event in &timeline.events {
        text.push_str(&row(event, zone, columns));
    }
    text
}

/// One event as a line of JSON.
pub fn json_event(event: &ServiceEvent) -> String {
    let mut value = serde_json::to_value(event).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.insert("schema".into(), json!(SCHEMA));
        object.insert("kind".into(), json!("event"));
    }
    format!("{value}\n")
}

/// A source that could not be read, as a line of JSON.
pub fn json_unread(unread: &Unread) -> String {
    let value = json!({
        "schema": SCHEMA,
        "kind": "error",
        "source": unread.source.as_str(),
        "message": unread.message,
        "hint": unread.hint,
    });
    format!("{value}\n")
}

/// The window's timeline as JSON Lines: the events, then the unread sources.
pub fn json(timeline: &Timeline) -> String {
    let events = timeline.events.iter().map(json_event);
    events
        .chain(timeline.unread.iter().map(json_unread))
        .collect()
}

/// The warning for a source that could not be read.
pub fn unread_warning(unread: &Unread) -> String {
    format!(
        "events from {} could not be read, the other sources are shown: {}",
        unread.source.as_str(),
        unread.message
    )
}

/// The warning for lines of the history that could not be read.
pub fn skipped_history(count: usize) -> String {
    super::history::skipped(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EventSource;

    fn event(happening: Happening, source: EventSource) -> ServiceEvent {
        ServiceEvent {
            time: "2026-12-04T10:02:11.5Z".parse().unwrap(),
            group: "console".into(),
            service: "rabbitmq".into(),
            happening,
            source,
        }
    }

    #[test]
    fn each_happening_is_said_in_words() {
        let said: Vec<String> = [
            Happening::Started,
            Happening::Exited { code: 3 },
            Happening::Killed {
                signal: "SIGKILL".into(),
            },
            Happening::Oom,
            Happening::Health {
                from: Some("healthy".into()),
                to: "unhealthy".into(),
            },
            Happening::Health {
                from: None,
                to: "healthy".into(),
            },
            Happening::Restarted { count: Some(2) },
            Happening::Restarted { count: None },
            Happening::Stopped,
            Happening::Failed {
                result: "exit-code".into(),
            },
            Happening::OperatorAction {
                verb: "stop".into(),
                user: "admin".into(),
                via: "ssh 10.0.0.5 pts/1".into(),
                result: "done".into(),
            },
        ]
        .iter()
        .map(what)
        .collect();
        assert_eq!(
            said,
            [
                "started",
                "exited 3",
                "killed (SIGKILL)",
                "OOM killed (memory limit reached)",
                "health healthy -> unhealthy",
                "health healthy",
                "restarted (restart 2)",
                "restarted",
                "stopped",
                "failed (exit-code)",
                "stop by admin (ssh 10.0.0.5 pts/1) via hmctl: done",
            ]
        );
    }

    #[test]
    fn the_table_shows_local_time_and_json_lines_utc() {
        let timeline = Timeline {
            events: vec![event(Happening::Stopped, EventSource::HmctlHistory)],
            unread: vec![Unread {
                source: EventSource::Journal,
                message: "cannot read the journal of s3block.service: cannot run journalctl: No such file or directory (os error 2)".into(),
                hint: Some("install journalctl (systemd), or ask for the services of other groups".into()),
            }],
            ..Timeline::default()
        };
        let zone = TimeZone::get("Asia/Shanghai").unwrap();
        let columns = Columns::fitting(&timeline.events);
        assert_eq!(
            human(&timeline, &zone, columns),
            "TIME                 GROUP       SERVICE           SOURCE           WHAT\n\
             2026-12-04 18:02:11  console     rabbitmq          hmctl-history    stopped\n"
        );
        let lines: Vec<serde_json::Value> = json(&timeline)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(
            lines[0],
            json!({"schema": 1, "kind": "event", "time": "2026-12-04T10:02:11.5Z",
                   "group": "console", "service": "rabbitmq", "what": "stopped",
                   "source": "hmctl-history"})
        );
        assert_eq!(lines[1]["kind"], "error");
        assert_eq!(lines[1]["source"], "journal");
        assert_eq!(
            unread_warning(&timeline.unread[0]),
            "events from journal could not be read, the other sources are shown: cannot read the journal of s3block.service: cannot run journalctl: No such file or directory (os error 2)"
        );
        let empty = Timeline::default();
        assert_eq!(
            human(&empty, &zone, Columns::fitting(&[])),
            "no events for this selection in this window\n"
        );
    }
}

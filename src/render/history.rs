//! `hmctl history` as text (BEGAN, WHO, FROM, COMMAND, RESULT, DURATION) and
//! as one JSON document.

use super::{Style, finish, table};
use crate::ops::history::History;
use crate::ops::history::query::{Run, Standing};
use comfy_table::Cell;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::json;

/// The RESULT column: the exit code and how the run ended, or that it has not.
pub fn result(run: &Run) -> String {
    match (&run.ended, run.standing) {
        (Some(ended), _) => format!("exit {}: {}", ended.exit, ended.summary),
        (None, standing) => standing.as_str().to_string(),
    }
}

/// The DURATION column.
fn duration(run: &Run, now: Timestamp) -> String {
    let seconds = |end: Timestamp| end.as_second() - run.began.at.as_second();
    match (&run.ended, run.standing) {
        (Some(ended), _) => super::duration::short(seconds(ended.at)),
        (None, Standing::Running) => format!("{} so far", super::duration::short(seconds(now))),
        (None, _) => "-".to_string(),
    }
}

pub fn human(history: &History, style: Style, zone: &TimeZone, now: Timestamp) -> String {
    if history.runs.is_empty() {
        return "no change by hmctl recorded for this selection\n".to_string();
    }
    let mut table = table(
        style,
        &["BEGAN", "WHO", "FROM", "COMMAND", "RESULT", "DURATION"],
    );
    for run in &history.runs {
        table.add_row(vec![
            Cell::new(
                run.began
                    .at
                    .to_zoned(zone.clone())
                    .strftime("%Y-%m-%d %H:%M:%S")
                    .to_string(),
            ),
            Cell::new(&run.began.who),
            Cell::new(&run.began.from),
            Cell::new(&run.began.command),
            Cell::new(result(run)),
            Cell::new(duration(run, now)),
        ]);
    }
    finish(&table)
}

/// The warning for lines of the file that could not be read.
pub fn skipped(count: usize) -> String {
    format!(
        "{count} line{} of the history could not be read (a record cut short when hmctl was killed while writing it) and {} left out",
        if count == 1 { "" } else { "s" },
        if count == 1 { "was" } else { "were" }
    )
}

pub fn json(history: &History, now: Timestamp) -> String {
    let runs: Vec<serde_json::Value> = history
        .runs
        .iter()
        .map(|run| {
            let began = &run.began;
            let ended = run.ended.as_ref();
            json!({
                "run": began.run,
                "pid": began.pid,
                "activity": began.activity,
                "began": began.at,
                "ended": ended.map(|ended| ended.at),
                "standing": run.standing,
                "who": began.who,
                "from": began.from,
                "command": began.command,
                "services": began.services,
                "steps": began.steps,
                "results": ended.map(|ended| ended.results.clone()).unwrap_or_default(),
                "exit_code": ended.map(|ended| ended.exit),
                "summary": ended.map(|ended| ended.summary.clone()),
                "duration_seconds": ended.map(|ended| ended.at).or_else(
                    || (run.standing == Standing::Running).then_some(now),
                ).map(|end| end.as_second() - began.at.as_second()),
                "package": began.package,
                "backup": ended.and_then(|ended| ended.backup.clone()),
            })
        })
        .collect();
    let document = json!({
        "schema": 1,
        "runs": runs,
        "unreadable_lines": history.skipped,
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::history::query::runs;
    use crate::ops::history::record::{Activity, Began, Ended, Record, Touched};

    fn history() -> History {
        let began = |run: &str, pid: u32, at: &str, command: &str| {
            Record::Began(Began {
                run: run.into(),
                pid,
                at: at.parse().unwrap(),
                who: "alice".into(),
                from: "ssh 10.0.0.5 pts/1".into(),
                command: command.into(),
                activity: Activity::Restart,
                services: vec![Touched {
                    name: "rabbitmq".into(),
                    group: "console".into(),
                    aliases: Vec::new(),
                }],
                steps: vec!["restart rabbitmq".into()],
                package: None,
            })
        };
        let records = vec![
            began("1", 10, "2026-12-04T10:02:11Z", "hmctl restart rabbitmq"),
            Record::Ended(Ended {
                run: "1".into(),
                at: "2026-12-04T10:02:45Z".parse().unwrap(),
                exit: 1,
                summary: "failed: rabbitmq".into(),
                results: Vec::new(),
                backup: None,
            }),
            began("2", 20, "2026-12-04T10:05:00Z", "hmctl stop rabbitmq"),
            began("3", 30, "2026-12-04T10:06:00Z", "hmctl start rabbitmq"),
        ];
        History {
            runs: runs(
                records,
                Some(crate::ops::lock::Holder {
                    pid: 30,
                    since: None,
                }),
            ),
            skipped: 0,
        }
    }

    #[test]
    fn the_table_names_who_from_where_and_how_each_run_ended() {
        let now: Timestamp = "2026-12-04T10:06:30Z".parse().unwrap();
        let text = human(&history(), Style::plain(), &TimeZone::UTC, now);
        let expected = " BEGAN                WHO    FROM                COMMAND                 RESULT                    DURATION
 2026-12-04 10:02:11  alice  ssh 10.0.0.5 pts/1  hmctl restart rabbitmq  exit 1: failed: rabbitmq  34s
 2026-12-04 10:05:00  alice  ssh 10.0.0.5 pts/1  hmctl stop rabbitmq     did not finish            -
 2026-12-04 10:06:00  alice  ssh 10.0.0.5 pts/1  hmctl start rabbitmq    running                   30s so far
";
        assert_eq!(text, expected);
        let empty = History {
            runs: Vec::new(),
            skipped: 0,
        };
        assert_eq!(
            human(&empty, Style::plain(), &TimeZone::UTC, now),
            "no change by hmctl recorded for this selection\n"
        );
        assert_eq!(
            skipped(1),
            "1 line of the history could not be read (a record cut short when hmctl was killed while writing it) and was left out"
        );
    }

    #[test]
    fn the_json_is_one_document_with_a_schema() {
        let now: Timestamp = "2026-12-04T10:06:30Z".parse().unwrap();
        let document: serde_json::Value = serde_json::from_str(&json(&history(), now)).unwrap();
        assert_eq!(document["schema"], 1);
        let runs = document["runs"].as_array().unwrap();
        assert_eq!(runs[0]["exit_code"], 1);
        assert_eq!(runs[0]["duration_seconds"], 34);
        assert_eq!(runs[0]["standing"], "finished");
        assert_eq!(runs[0]["services"][0]["name"], "rabbitmq");
        assert_eq!(runs[1]["standing"], "did-not-finish");
        assert_eq!(runs[1]["exit_code"], serde_json::Value::Null);
        assert_eq!(runs[2]["standing"], "running");
        assert_eq!(runs[2]["duration_seconds"], 30);
    }
}

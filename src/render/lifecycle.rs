//! Plans and results of start / stop / restart as text and JSON.

use super::{Style, finish, table};
use crate::model::{Action, Verb};
use crate::ops::execute::{Outcome, StepResult};
use crate::ops::lifecycle::Report;
use crate::ops::plan::Plan;
use comfy_table::{Cell, Color};
use serde::Serialize;

/// The plan as a table: what action, which service, what it waits for, how
/// long it must stay up, its state now.
pub fn plan(plan: &Plan, style: Style) -> String {
    let changing = plan
        .steps
        .iter()
        .filter(|step| step.action.changes())
        .count();
    let mut text = format!(
        "{} plan: {changing} service{} to change; each goes ahead once the services under AFTER {}\n",
        plan.verb.as_str(),
        if changing == 1 { "" } else { "s" },
        if plan.verb == Verb::Stop {
            "have stopped"
        } else {
            "are up, and is done once it has stayed up for its SETTLE window"
        },
    );
    let mut rows = table(
        style,
        &["ACTION", "SERVICE", "GROUP", "AFTER", "SETTLE", "NOW"],
    );
    for step in &plan.steps {
        let action = Cell::new(step.action.as_str());
        let action = match (style.color, step.action) {
            (true, Action::Impossible) => action.fg(Color::Red),
            (true, Action::Skip) => action.fg(Color::DarkGrey),
            _ => action,
        };
        rows.add_row(vec![
            action,
            Cell::new(&step.service),
            Cell::new(&step.group),
            Cell::new(if step.after.is_empty() {
                "-".to_string()
            } else {
                step.after.join(", ")
            }),
            Cell::new(match step.settle {
                Some(window) => format!("{:.1} s", window.as_secs_f64()),
                None => "-".to_string(),
            }),
            Cell::new(&step.now),
        ]);
    }
    text.push_str(&finish(&rows));
    text
}

fn outcome_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Done => "done",
        Outcome::Failed => "FAILED",
        Outcome::Skipped => "skipped",
        Outcome::NotDone => "NOT DONE",
    }
}

/// The results as a table.
pub fn results(results: &[StepResult], style: Style) -> String {
    let mut rows = table(style, &["SERVICE", "ACTION", "RESULT", "TIME", "DETAIL"]);
    for result in results {
        let word = Cell::new(outcome_word(result.outcome));
        let word = match (style.color, result.outcome) {
            (true, Outcome::Done) => word.fg(Color::Green),
            (true, Outcome::Failed | Outcome::NotDone) => word.fg(Color::Red),
            _ => word,
        };
        rows.add_row(vec![
            Cell::new(&result.service),
            Cell::new(result.action.as_str()),
            word,
            Cell::new(format!("{:.1} s", result.seconds)),
            Cell::new(&result.detail),
        ]);
    }
    let mut text = finish(&rows);
    text.push_str(&last_lines(results));
    text
}

/// Each failed service's own last lines, once, below the table.
fn last_lines(results: &[StepResult]) -> String {
    let mut text = String::new();
    for result in results
        .iter()
        .filter(|result| !result.last_lines.is_empty())
    {
        text.push_str(&format!("\nthe last lines of {}:\n", result.service));
        for line in &result.last_lines {
            text.push_str(&format!("  {line}\n"));
        }
    }
    text
}

/// What the operator can do about the failed steps, each hint once.
pub fn hints(results: &[StepResult]) -> Vec<String> {
    let mut hints: Vec<String> = Vec::new();
    for hint in results.iter().filter_map(|result| result.hint.as_ref()) {
        if !hints.contains(hint) {
            hints.push(hint.clone());
        }
    }
    hints
}

/// The sentence that sums up what did not work, for stderr.
pub fn failures(report: &Report) -> Option<String> {
    let results = report.results.as_ref()?;
    let bad: Vec<String> = results
        .iter()
        .filter(|result| matches!(result.outcome, Outcome::Failed | Outcome::NotDone))
        .map(|result| format!("{} ({})", result.service, result.detail))
        .collect();
    if bad.is_empty() {
        return None;
    }
    Some(format!(
        "{} of {} services did not {}: {}",
        bad.len(),
        results.len(),
        report.plan.verb.as_str(),
        bad.join("; ")
    ))
}

#[derive(Serialize)]
struct Document<'a> {
    schema: u32,
    verb: &'static str,
    dry_run: bool,
    ok: bool,
    interrupted: bool,
    plan: &'a Plan,
    #[serde(skip_serializing_if = "Option::is_none")]
    results: Option<&'a Vec<StepResult>>,
    /// After a start: the stopped services that need what it started.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    left_stopped: &'a [crate::ops::dependents::Dependent],
}

pub fn json(report: &Report) -> String {
    let document = Document {
        schema: 1,
        verb: report.plan.verb.as_str(),
        dry_run: report.results.is_none(),
        ok: report.exit == crate::exit::Exit::Success,
        interrupted: report.interrupted,
        plan: &report.plan,
        results: report.results.as_ref(),
        left_stopped: &report.left_down,
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Exit;

    fn failed(service: &str, last_lines: &[&str]) -> StepResult {
        StepResult {
            service: service.into(),
            group: "gateway".into(),
            action: Action::Restart,
            outcome: Outcome::Failed,
            detail: "it exited: failed (Result: exit-code)".into(),
            last_lines: last_lines.iter().map(ToString::to_string).collect(),
            hint: None,
            seconds: 0.4,
            settle_seconds: None,
            exit: Exit::OperationFailed,
        }
    }

    #[test]
    fn the_program_s_last_lines_come_once_below_the_table() {
        let text = results(
            &[
                failed("nginx", &["nginx: [emerg] unknown directive \"x\""]),
                failed("redis-server", &[]),
            ],
            Style::plain(),
        );
        let (table, below) = text.split_once("\nthe last lines of nginx:\n").unwrap();
        assert!(
            table.contains("it exited: failed (Result: exit-code)"),
            "{table}"
        );
        assert!(!table.contains("emerg"), "{table}");
        assert_eq!(below, "  nginx: [emerg] unknown directive \"x\"\n");
    }

    #[test]
    fn a_start_gives_what_it_left_stopped_as_data() {
        let mut report = Report::planned(Plan {
            verb: Verb::Start,
            steps: vec![],
        });
        let document: serde_json::Value = serde_json::from_str(&json(&report)).unwrap();
        assert!(document.get("left_stopped").is_none(), "{document:#}");
        report.left_down = vec![crate::ops::dependents::Dependent {
            service: "porter-api".into(),
            group: "console".into(),
            needs: vec!["mysql".into()],
        }];
        let document: serde_json::Value = serde_json::from_str(&json(&report)).unwrap();
        assert_eq!(
            document["left_stopped"],
            serde_json::json!([{"service": "porter-api", "group": "console", "needs": ["mysql"]}])
        );
    }

    #[test]
    fn each_hint_is_given_once() {
        let mut masked = failed("lateweb", &[]);
        masked.hint = Some("systemctl unmask lateweb".into());
        let results = [masked.clone(), masked, failed("nginx", &[])];
        assert_eq!(hints(&results), ["systemctl unmask lateweb"]);
    }
}

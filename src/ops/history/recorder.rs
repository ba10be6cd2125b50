//! Recording one run: its "began" record before it acts, its "ended" record
//! after, each appended to the history file and sent to the journal.
//! Recording never makes a change fail or wait: when the file cannot be
//! written (a full disk, a read-only state directory, a planted link) the
//! change goes ahead and the run ends with a warning naming the file.

use super::origin;
use super::record::{Activity, Began, Ended, Record, ServiceResult, Touched};
use super::store;
use super::system_journal::{self, Priority};
use crate::exit::Exit;
use crate::ops::execute::{Outcome, StepResult};
use crate::ops::plan::Plan;
use crate::settings::Settings;
use std::path::PathBuf;
use std::sync::Mutex;

/// What could not be recorded, said once at the end of the run.
static WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Takes the warnings recording left (for the caller to print).
pub fn take_warnings() -> Vec<String> {
    WARNINGS
        .lock()
        .map(|mut warnings| std::mem::take(&mut *warnings))
        .unwrap_or_default()
}

fn warn(message: String) {
    if let Ok(mut warnings) = WARNINGS.lock()
        && !warnings.contains(&message)
    {
        warnings.push(message);
    }
}

/// A run being recorded: end it with [`Recording::end`].
#[derive(Debug)]
pub struct Recording {
    began: Began,
    destination: Destination,
}

/// Where a run's records go (the settings' `state_dir` and `journal_socket`).
#[derive(Debug)]
struct Destination {
    state_dir: PathBuf,
    journal_socket: PathBuf,
}

/// What a run is about to do.
#[derive(Debug, Clone)]
pub struct Intent {
    pub activity: Activity,
    pub services: Vec<Touched>,
    pub steps: Vec<String>,
    pub package: Option<PathBuf>,
}

impl Intent {
    /// A lifecycle plan's services and steps.
    pub fn of_plan(plan: &Plan) -> Intent {
        let mut services: Vec<Touched> = plan
            .steps
            .iter()
            .map(|step| Touched {
                name: step.service.clone(),
                group: step.group.clone(),
                aliases: Vec::new(),
            })
            .collect();
        services.sort();
        services.dedup();
        Intent {
            activity: plan.verb.into(),
            services,
            steps: plan
                .steps
                .iter()
                .map(|step| format!("{} {}", step.action.as_str(), step.service))
                .collect(),
            package: None,
        }
    }
}

/// Records that a run begins what `intent` says, now, where the `settings`
/// keep the history, by the caller they name.
pub fn begin(settings: &Settings, intent: Intent) -> Recording {
    let destination = Destination {
        state_dir: settings.state_dir.clone(),
        journal_socket: settings.journal_socket.clone(),
    };
    let origin = origin::current(&settings.caller);
    let at = jiff::Timestamp::now();
    let pid = std::process::id();
    let began = Began {
        run: format!("{pid}-{}", at.as_millisecond()),
        pid,
        at,
        who: origin.who,
        from: origin.from,
        command: crate::ops::lock::command_line(),
        activity: intent.activity,
        services: intent.services,
        steps: intent.steps,
        package: intent.package,
    };
    let message = format!("{} ({}) began: {}", began.who, began.from, began.command);
    let fields = [
        ("HMCTL_RUN", began.run.clone()),
        ("HMCTL_RECORD", "began".to_string()),
        ("HMCTL_USER", began.who.clone()),
        ("HMCTL_FROM", began.from.clone()),
        ("HMCTL_ACTIVITY", began.activity.as_str().to_string()),
        ("HMCTL_STEPS", began.steps.join("\n")),
    ];
    write(
        &destination,
        &Record::Began(began.clone()),
        &message,
        Priority::Info,
        &fields,
    );
    Recording { began, destination }
}

/// The results of a lifecycle, as the history keeps them.
pub fn results_of(results: &[StepResult]) -> Vec<ServiceResult> {
    results
        .iter()
        .map(|result| ServiceResult {
            name: result.service.clone(),
            group: result.group.clone(),
            result: match result.outcome {
                Outcome::Done => "done",
                Outcome::Failed => "failed",
                Outcome::Skipped => "skipped",
                Outcome::NotDone => "not-done",
            }
            .to_string(),
            seconds: (result.seconds * 10.0).round() / 10.0,
            detail: result.detail.clone(),
        })
        .collect()
}

impl Recording {
    /// Records how the run ended.
    pub fn end(
        self,
        exit: Exit,
        summary: &str,
        results: Vec<ServiceResult>,
        backup: Option<PathBuf>,
    ) {
        let ended = Ended {
            run: self.began.run.clone(),
            at: jiff::Timestamp::now(),
            exit: i32::from(exit.code()),
            summary: summary.to_string(),
            results,
            backup,
        };
        let message = format!(
            "{} ({}) ended: {}: exit {}, {summary}",
            self.began.who, self.began.from, self.began.command, ended.exit
        );
        let priority = if ended.exit == 0 {
            Priority::Info
        } else {
            Priority::Warning
        };
        let fields = [
            ("HMCTL_RUN", ended.run.clone()),
            ("HMCTL_RECORD", "ended".to_string()),
            ("HMCTL_USER", self.began.who.clone()),
            ("HMCTL_FROM", self.began.from.clone()),
            ("HMCTL_EXIT", ended.exit.to_string()),
        ];
        write(
            &self.destination,
            &Record::Ended(ended),
            &message,
            priority,
            &fields,
        );
    }
}

/// Appends `record` to the file and sends it to the journal; a failure is a warning.
fn write(
    destination: &Destination,
    record: &Record,
    message: &str,
    priority: Priority,
    fields: &[(&str, String)],
) {
    let Destination {
        state_dir,
        journal_socket,
    } = destination;
    if let Err(error) = store::append(state_dir, record, store::ROTATE_AT) {
        warn(format!(
            "cannot record this run in the history {}: {error}; the operation went ahead",
            store::path_in(state_dir).display()
        ));
    }
    let datagram = system_journal::datagram(message, priority, fields);
    if let Err(error) = system_journal::send(journal_socket, &datagram) {
        warn(unsent(journal_socket, &error));
    }
}

/// The warning for a record the journal's socket did not take.
fn unsent(socket: &std::path::Path, error: &std::io::Error) -> String {
    format!(
        "cannot send this run to the journal {}: {error}; the operation went ahead",
        socket.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_that_does_not_take_the_record_is_a_warning_said_once() {
        // A socket path longer than a socket address holds: the send fails,
        // and not as "no journal here".
        let socket = std::path::PathBuf::from(format!("/run/{}", "x".repeat(200)));
        let error = system_journal::send(&socket, b"MESSAGE=x\n").unwrap_err();
        let message = unsent(&socket, &error);
        assert_eq!(
            message,
            format!(
                "cannot send this run to the journal {}: {error}; the operation went ahead",
                socket.display()
            )
        );
        warn(message.clone());
        warn(message.clone());
        assert_eq!(take_warnings(), [message]);
        assert!(take_warnings().is_empty());
    }
}

//! Progress of a change, on stderr: a spinner per service on a terminal, a
//! plain line per service otherwise, nothing with `-q` or `--json`.

use crate::model::{Action, Step};
use crate::ops::execute::{Outcome, Progress, StepResult};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// Chooses how to show progress.
pub fn for_stderr(quiet: bool) -> Box<dyn Progress> {
    if quiet {
        Box::new(Silent)
    } else if std::io::stderr().is_terminal() {
        Box::new(Spinners::default())
    } else {
        Box::new(Lines)
    }
}

pub struct Silent;

impl Progress for Silent {
    fn begin(&self, _: &Step) {}
    fn update(&self, _: &Step, _: &str) {}
    fn end(&self, _: &Step, _: &StepResult) {}
}

fn verb_ing(step: &Step) -> &'static str {
    match step.action {
        Action::Stop => "stopping",
        Action::Start => "starting",
        Action::Restart => "restarting",
        Action::Create => "creating",
        Action::Wait => "waiting for health",
        Action::Recreate | Action::Skip | Action::Impossible => step.action.as_str(),
    }
}

fn ending(result: &StepResult) -> String {
    match result.outcome {
        Outcome::Done => format!(
            "{}: done in {:.1} s ({})",
            result.service, result.seconds, result.detail
        ),
        Outcome::Failed => format!(
            "{}: FAILED after {:.1} s: {}",
            result.service, result.seconds, result.detail
        ),
        Outcome::Skipped => format!("{}: skipped ({})", result.service, result.detail),
        Outcome::NotDone => format!("{}: not done ({})", result.service, result.detail),
    }
}

/// One line per service when it starts and when it ends.
pub struct Lines;

impl Progress for Lines {
    fn begin(&self, step: &Step) {
        let _ = writeln!(
            std::io::stderr().lock(),
            "{}: {}",
            step.service,
            verb_ing(step)
        );
    }
    fn update(&self, _: &Step, _: &str) {}
    fn end(&self, _: &Step, result: &StepResult) {
        let _ = writeln!(std::io::stderr().lock(), "{}", ending(result));
    }
}

/// A spinner per service.
pub struct Spinners {
    multi: MultiProgress,
    bars: RefCell<HashMap<String, ProgressBar>>,
}

impl Default for Spinners {
    fn default() -> Self {
        Spinners {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: RefCell::new(HashMap::new()),
        }
    }
}

impl Progress for Spinners {
    fn begin(&self, step: &Step) {
        let bar = self.multi.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(format!("{}: {}", step.service, verb_ing(step)));
        bar.enable_steady_tick(Duration::from_millis(100));
        self.bars.borrow_mut().insert(step.service.clone(), bar);
    }
    fn update(&self, step: &Step, message: &str) {
        if let Some(bar) = self.bars.borrow().get(&step.service) {
            bar.set_message(format!("{}: {} — {message}", step.service, verb_ing(step)));
        }
    }
    fn end(&self, step: &Step, result: &StepResult) {
        match self.bars.borrow_mut().remove(&step.service) {
            Some(bar) => {
                bar.set_style(
                    ProgressStyle::with_template("{msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.finish_with_message(ending(result));
            }
            None => {
                let _ = self.multi.println(ending(result));
            }
        }
    }
}

/// A counted task on stderr (a bar on a terminal, nothing elsewhere).
pub struct Counter {
    bar: Option<ProgressBar>,
}

/// A progress counter for `what`, hidden when `quiet` or not on a terminal.
pub fn counter(quiet: bool, what: &str) -> Counter {
    if quiet || !std::io::stderr().is_terminal() {
        return Counter { bar: None };
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} files")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(what.to_string());
    Counter { bar: Some(bar) }
}

impl Counter {
    pub fn step(&self, done: usize, total: usize) {
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

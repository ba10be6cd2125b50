//! Carrying out one step: ask the daemon, then — for a step that brings a
//! service up — wait until it is running (healthy, where it has a health
//! check), failing fast when the daemon already says it is unhealthy, exited
//! or failed, and watch it through its settle window. The board hears as
//! soon as the service is up, so what needs it can start meanwhile.

use super::board::{Board, Standing};
use super::on_demand;
use super::outcome::{Outcome, StepResult};
use super::settle::{self, Settled};
use super::{Control, Options, Progress};
use crate::backend::BackendError;
use crate::exit::Exit;
use crate::model::{Action, Details, Health, Observation, State, Step};
use crate::ops::interrupt::Interrupt;
use tokio::time::Instant;

/// Lines of a failed service's journal or output quoted in its result.
const QUOTED_LINES: usize = 3;

/// What a step runs with.
pub struct Context<'a, C: Control> {
    pub control: &'a C,
    pub options: &'a Options,
    pub interrupt: &'a Interrupt,
    pub progress: &'a dyn Progress,
    pub board: &'a Board,
    pub permits: &'a tokio::sync::Semaphore,
}

/// Words for why a service is not (yet) what was wanted: its status, and
/// the reason when the status does not already say it.
fn why(observation: &Observation) -> String {
    match &observation.reason {
        Some(reason) if !observation.detail.contains(reason.as_str()) => {
            format!("{} — {reason}", observation.detail)
        }
        _ => observation.detail.clone(),
    }
}

fn failure_exit(error: &BackendError) -> Exit {
    if error.is_unavailable() {
        Exit::BackendUnavailable
    } else {
        Exit::OperationFailed
    }
}

/// What the daemon says of a service that fell, beyond its status line
/// (`said`): the unit's result, or that it was killed for memory.
fn last_words(details: &Details, said: &str) -> Vec<String> {
    let mut words = Vec::new();
    if let Some(result) = &details.result
        && !said.contains(&format!("Result: {result}"))
    {
        words.push(format!("Result: {result}"));
    }
    if details.oom_killed {
        words.push("killed: out of memory".to_string());
    }
    words
}

/// A failed step's result, with what the daemon says of the service.
async fn fell<C: Control>(step: &Step, control: &C, words: String, started: Instant) -> StepResult {
    let details = control.details(step).await.unwrap_or_default();
    let mut detail = vec![words];
    detail.extend(last_words(&details, &detail[0]));
    StepResult::failed(step, detail.join("; "), started, Exit::OperationFailed)
        .quoting(details.last_lines(QUOTED_LINES))
}

/// Waits until the step's service is up, or clearly will not be.
async fn wait_up<C: Control>(
    step: &Step,
    context: &Context<'_, C>,
    started: Instant,
) -> Result<Observation, StepResult> {
    let deadline = Instant::now() + context.options.health_timeout;
    loop {
        let observation = context.control.observe(step).await.map_err(|error| {
            StepResult::failed(step, error.to_string(), started, failure_exit(&error))
        })?;
        if observation.is_ok() {
            return Ok(observation);
        }
        let failed = match (observation.state, observation.health) {
            (State::Running, Health::Unhealthy) => Some("unhealthy"),
            (State::Exited | State::Failed, _) => Some("it exited"),
            (State::Restarting, _) => Some("crash-looping"),
            (State::Missing, _) => Some("is gone"),
            _ => None,
        };
        if let Some(failure) = failed {
            let words = format!("{failure}: {}", why(&observation));
            return Err(fell(step, context.control, words, started).await);
        }
        if Instant::now() >= deadline {
            let words = format!(
                "not healthy after {} s: {}",
                context.options.health_timeout.as_secs(),
                why(&observation)
            );
            return Err(StepResult::failed(
                step,
                words,
                started,
                Exit::OperationFailed,
            ));
        }
        context.progress.update(step, &observation.detail);
        tokio::select! {
            () = tokio::time::sleep(context.options.poll) => {}
            () = context.interrupt.raised() => {
                let words = format!("{} (interrupted: stopped waiting for health)", observation.detail);
                return Err(StepResult::done(step, words, started));
            }
        }
    }
}

/// Asks the daemon to carry out the step's action; `Err` is the failed step.
async fn act<C: Control>(
    step: &Step,
    context: &Context<'_, C>,
    started: Instant,
) -> Result<(), StepResult> {
    // Bounded: at most so many requests in flight at once.
    let _permit = context.permits.acquire().await;
    let wait_for_job = context.options.wait || !step.action.brings_up();
    match context.control.act(step, wait_for_job).await {
        Ok(None) => Ok(()),
        Ok(Some(job_result)) => {
            let words = format!("systemd's {} job ended {job_result}", step.action.as_str());
            let observed = context.control.observe(step).await.ok();
            let words = match observed {
                Some(observation) => format!("{words}: {}", why(&observation)),
                None => words,
            };
            Err(fell(step, context.control, words, started).await)
        }
        Err(error) => {
            Err(
                StepResult::failed(step, error.to_string(), started, failure_exit(&error))
                    .hinting(error.hint()),
            )
        }
    }
}

/// After a stop: the service must not be running any more.
async fn confirm_stopped<C: Control>(
    step: &Step,
    context: &Context<'_, C>,
    started: Instant,
) -> StepResult {
    match context.control.observe(step).await {
        Ok(observation)
            if matches!(observation.state, State::Running | State::Starting)
                && context.options.wait =>
        {
            let mut words = format!("still running: {}", observation.detail);
            let mut hint = None;
            if let Some((why, way_out)) = on_demand::started_again(&step.service, &observation) {
                words.push_str(&why);
                hint = Some(way_out);
            }
            StepResult::failed(step, words, started, Exit::OperationFailed).hinting(hint)
        }
        Ok(observation) => {
            let words = observation.detail.clone() + &on_demand::can_start_again(&observation);
            StepResult::done(step, words, started)
        }
        Err(error) => StepResult::done(step, format!("stopped ({error})"), started),
    }
}

/// Watches a service that came up through its settle window.
async fn settle<C: Control>(
    step: &Step,
    context: &Context<'_, C>,
    up: Observation,
    started: Instant,
) -> StepResult {
    let configured = step.settle.unwrap_or_default();
    let window = settle::window_for(configured, up.readiness);
    if !window.is_zero() {
        context.progress.update(
            step,
            &format!("{} — settling for {:.1} s", up.detail, window.as_secs_f64()),
        );
    }
    let settled = settle::watch(
        step,
        context.control,
        up,
        window,
        context.options,
        context.interrupt,
    )
    .await;
    let result = match settled {
        Settled::Stayed(observation) if window.is_zero() => {
            StepResult::done(step, observation.detail, started)
        }
        Settled::Stayed(observation) => StepResult::done(
            step,
            format!(
                "{} (stayed up {:.1} s)",
                observation.detail,
                window.as_secs_f64()
            ),
            started,
        ),
        Settled::Interrupted(observation) => StepResult::done(
            step,
            format!(
                "{} (interrupted: stopped watching it settle)",
                observation.detail
            ),
            started,
        ),
        Settled::Fell {
            observation,
            why: fall,
        } => {
            let words = format!(
                "came up, then within its {:.1} s settle window {fall}: {}",
                window.as_secs_f64(),
                why(&observation)
            );
            fell(step, context.control, words, started).await
        }
        Settled::Unobservable(error) => {
            StepResult::failed(step, error.to_string(), started, failure_exit(&error))
        }
    };
    result.settled_for(window)
}

/// Runs one step once the board lets it; records its standing as it goes.
pub async fn run<C: Control>(step: &Step, context: &Context<'_, C>) -> StepResult {
    let started = Instant::now();
    let result = run_unrecorded(step, context, started).await;
    let standing = if result.succeeded() {
        Standing::Succeeded
    } else {
        Standing::Failed
    };
    context.board.set(step, standing);
    result
}

async fn run_unrecorded<C: Control>(
    step: &Step,
    context: &Context<'_, C>,
    started: Instant,
) -> StepResult {
    match step.action {
        Action::Skip => {
            return StepResult::of(
                step,
                Outcome::Skipped,
                format!("already so: {}", step.now),
                started,
                Exit::Success,
            );
        }
        Action::Impossible => {
            return StepResult::failed(
                step,
                format!("cannot: {}", step.now),
                started,
                Exit::OperationFailed,
            );
        }
        _ => {}
    }
    let waited = tokio::select! {
        waited = context.board.wait_for(step) => waited,
        () = context.interrupt.raised(), if step.action.changes() => {
            return StepResult::not_done(step, "interrupted before it started", started);
        }
    };
    if let Err(blocked) = waited {
        return StepResult::not_done(
            step,
            format!(
                "not started: {}, which it needs, did not come up",
                blocked.by
            ),
            started,
        );
    }
    if context.interrupt.is_raised() && step.action.changes() {
        return StepResult::not_done(step, "interrupted before it started", started);
    }
    // A step's time is its own, from when what it waits for allowed it.
    let started = Instant::now();
    context.progress.begin(step);
    if step.action.changes()
        && let Err(failed) = act(step, context, started).await
    {
        return failed;
    }
    if !step.action.brings_up() {
        return confirm_stopped(step, context, started).await;
    }
    if !context.options.wait {
        return StepResult::done(step, "requested (not waited for)", started);
    }
    match wait_up(step, context, started).await {
        Ok(up) => {
            context.board.set(step, Standing::Up);
            settle(step, context, up, started).await
        }
        Err(result) => result,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_the_status_already_gives_is_not_said_twice() {
        let mut failed = Observation::missing("failed (Result: exit-code)");
        failed.reason = Some("Result: exit-code".into());
        assert_eq!(why(&failed), "failed (Result: exit-code)");
        failed.reason = Some("exit status 1".into());
        assert_eq!(why(&failed), "failed (Result: exit-code) — exit status 1");
    }
}

//! Executing a plan: wave after wave, the services of a wave concurrently; a
//! start or restart waits until the service is running and, where it has a
//! health check, healthy — failing fast when the daemon already says it is
//! unhealthy, exited or failed. An interrupt stops new work; what is in flight
//! finishes.

use super::interrupt::Interrupt;
use super::plan::Plan;
use crate::backend::{BackendError, Backends};
use crate::exit::Exit;
use crate::model::{Action, Health, Observation, State, Step};
use serde::Serialize;
use std::future::Future;
use std::time::{Duration, Instant};

/// What executing needs from the daemons; the real one is [`Connected`],
/// tests use fakes.
pub trait Control {
    /// Asks the daemon to carry out the step's action. `wait_for_job` asks
    /// systemd to report when its job is done. Returns systemd's job result
    /// when it is not `done`.
    fn act(
        &self,
        step: &Step,
        wait_for_job: bool,
    ) -> impl Future<Output = Result<Option<String>, BackendError>>;
    /// What the daemon says of the step's service now.
    fn observe(&self, step: &Step) -> impl Future<Output = Result<Observation, BackendError>>;
}

/// The backends a command connected, and how long a daemon's job may take.
pub struct Connected {
    pub backends: Backends,
    pub job_timeout: Duration,
}

impl Control for Connected {
    async fn act(&self, step: &Step, wait_for_job: bool) -> Result<Option<String>, BackendError> {
        self.backends
            .act(step, wait_for_job, self.job_timeout)
            .await
    }

    async fn observe(&self, step: &Step) -> Result<Observation, BackendError> {
        self.backends.observe(&step.handle).await
    }
}

/// Reports progress as steps start and end.
pub trait Progress {
    fn begin(&self, step: &Step);
    fn update(&self, step: &Step, message: &str);
    fn end(&self, step: &Step, result: &StepResult);
}

/// How to execute.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Wait for running-and-healthy after start / restart.
    pub wait: bool,
    /// How long each service may take to become healthy.
    pub health_timeout: Duration,
    /// How often to look while waiting.
    pub poll: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Done,
    Failed,
    Skipped,
    /// Not attempted: the operation was interrupted first.
    NotDone,
}

/// What became of one step.
#[derive(Debug, Clone, Serialize)]
pub struct StepResult {
    pub service: String,
    pub group: String,
    pub action: Action,
    pub outcome: Outcome,
    pub detail: String,
    pub seconds: f64,
    #[serde(skip)]
    pub exit: Exit,
}

impl StepResult {
    fn of(
        step: &Step,
        outcome: Outcome,
        detail: impl Into<String>,
        started: Instant,
        exit: Exit,
    ) -> StepResult {
        StepResult {
            service: step.service.clone(),
            group: step.group.clone(),
            action: step.action,
            outcome,
            detail: detail.into(),
            seconds: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
            exit,
        }
    }
}

/// Words for why a service is not (yet) what was wanted.
fn why(observation: &Observation) -> String {
    match &observation.reason {
        Some(reason) => format!("{} — {reason}", observation.detail),
        None => observation.detail.clone(),
    }
}

/// Waits until the step's service is running and healthy, or clearly will not be.
async fn wait_healthy<C: Control>(
    step: &Step,
    control: &C,
    options: &Options,
    interrupt: &Interrupt,
    progress: &dyn Progress,
    started: Instant,
) -> StepResult {
    let deadline = Instant::now() + options.health_timeout;
    loop {
        let observation = match control.observe(step).await {
            Ok(observation) => observation,
            Err(error) => {
                let exit = if error.is_unavailable() {
                    Exit::BackendUnavailable
                } else {
                    Exit::OperationFailed
                };
                return StepResult::of(step, Outcome::Failed, error.to_string(), started, exit);
            }
        };
        if observation.is_ok() {
            return StepResult::of(
                step,
                Outcome::Done,
                observation.detail,
                started,
                Exit::Success,
            );
        }
        let failed = match (observation.state, observation.health) {
            (State::Running, Health::Unhealthy) => Some("unhealthy"),
            (State::Exited | State::Failed, _) => Some("it exited"),
            (State::Restarting, _) => Some("crash-looping"),
            (State::Missing, _) => Some("is gone"),
            _ => None,
        };
        if let Some(failure) = failed {
            return StepResult::of(
                step,
                Outcome::Failed,
                format!("{failure}: {}", why(&observation)),
                started,
                Exit::OperationFailed,
            );
        }
        if Instant::now() >= deadline {
            return StepResult::of(
                step,
                Outcome::Failed,
                format!(
                    "not healthy after {} s: {}",
                    options.health_timeout.as_secs(),
                    why(&observation)
                ),
                started,
                Exit::OperationFailed,
            );
        }
        progress.update(step, &observation.detail);
        tokio::select! {
            () = tokio::time::sleep(options.poll) => {}
            () = interrupt.raised() => {
                return StepResult::of(step, Outcome::Done, format!("{} (interrupted: stopped waiting for health)", observation.detail), started, Exit::Success);
            }
        }
    }
}

async fn run_step<C: Control>(
    step: &Step,
    control: &C,
    options: &Options,
    interrupt: &Interrupt,
    progress: &dyn Progress,
    wants_running: bool,
) -> StepResult {
    let started = Instant::now();
    if interrupt.is_raised() && step.action.changes() {
        return StepResult::of(
            step,
            Outcome::NotDone,
            "interrupted before it started",
            started,
            Exit::OperationFailed,
        );
    }
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
            return StepResult::of(
                step,
                Outcome::Failed,
                format!("cannot: {}", step.now),
                started,
                Exit::OperationFailed,
            );
        }
        _ => {}
    }
    progress.begin(step);
    if step.action.changes() {
        match control.act(step, options.wait || !wants_running).await {
            Ok(None) => {}
            Ok(Some(job_result)) => {
                let observed = control
                    .observe(step)
                    .await
                    .map(|observation| why(&observation))
                    .unwrap_or_default();
                return StepResult::of(
                    step,
                    Outcome::Failed,
                    format!(
                        "systemd's {} job ended {job_result}: {observed}",
                        step.action.as_str()
                    ),
                    started,
                    Exit::OperationFailed,
                );
            }
            Err(error) => {
                let exit = if error.is_unavailable() {
                    Exit::BackendUnavailable
                } else {
                    Exit::OperationFailed
                };
                let mut detail = error.to_string();
                if let Some(hint) = error.hint() {
                    detail = format!("{detail} (hint: {hint})");
                }
                return StepResult::of(step, Outcome::Failed, detail, started, exit);
            }
        }
    }
    if !wants_running {
        return match control.observe(step).await {
            Ok(observation)
                if matches!(observation.state, State::Running | State::Starting)
                    && options.wait =>
            {
                StepResult::of(
                    step,
                    Outcome::Failed,
                    format!("still running: {}", observation.detail),
                    started,
                    Exit::OperationFailed,
                )
            }
            Ok(observation) => StepResult::of(
                step,
                Outcome::Done,
                observation.detail,
                started,
                Exit::Success,
            ),
            Err(error) => StepResult::of(
                step,
                Outcome::Done,
                format!("stopped ({error})"),
                started,
                Exit::Success,
            ),
        };
    }
    if !options.wait {
        return StepResult::of(
            step,
            Outcome::Done,
            "requested (not waited for)",
            started,
            Exit::Success,
        );
    }
    wait_healthy(step, control, options, interrupt, progress, started).await
}

/// Executes `plan`; returns one result per step, in plan order.
pub async fn execute<C: Control>(
    plan: &Plan,
    control: &C,
    options: &Options,
    interrupt: &Interrupt,
    progress: &dyn Progress,
) -> Vec<StepResult> {
    let wants_running = plan.verb.wants_running();
    let mut results = Vec::new();
    for wave in &plan.waves {
        let outcomes = futures_util::future::join_all(wave.iter().map(|step| async move {
            let result = run_step(step, control, options, interrupt, progress, wants_running).await;
            progress.end(step, &result);
            result
        }))
        .await;
        results.extend(outcomes);
    }
    results
}

/// The exit code of an execution: 4 when a daemon refused or could not be
/// asked, 1 when anything failed or was not done, else 0.
pub fn exit_of(results: &[StepResult]) -> Exit {
    if results
        .iter()
        .any(|result| result.exit == Exit::BackendUnavailable)
    {
        Exit::BackendUnavailable
    } else if results
        .iter()
        .any(|result| matches!(result.outcome, Outcome::Failed | Outcome::NotDone))
    {
        Exit::OperationFailed
    } else {
        Exit::Success
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Verb;
    use crate::model::{BackendKind, Handle};
    use std::cell::RefCell;
    use std::collections::HashMap;

    /// A fake daemon: records calls in order; each service becomes what the
    /// test says after its action.
    #[derive(Default)]
    struct Fake {
        calls: RefCell<Vec<String>>,
        after: HashMap<&'static str, Observation>,
        act_delay: Duration,
    }

    fn running(health: Health) -> Observation {
        Observation {
            state: State::Running,
            health,
            ..Observation::missing("Up")
        }
    }

    impl Control for Fake {
        async fn act(&self, step: &Step, _wait: bool) -> Result<Option<String>, BackendError> {
            self.calls.borrow_mut().push(format!(
                "begin {} {}",
                step.action.as_str(),
                step.service
            ));
            tokio::time::sleep(self.act_delay).await;
            self.calls
                .borrow_mut()
                .push(format!("end {}", step.service));
            Ok(None)
        }
        async fn observe(&self, step: &Step) -> Result<Observation, BackendError> {
            Ok(self
                .after
                .get(step.service.as_str())
                .cloned()
                .unwrap_or_else(|| running(Health::None)))
        }
    }

    struct Quiet;
    impl Progress for Quiet {
        fn begin(&self, _: &Step) {}
        fn update(&self, _: &Step, _: &str) {}
        fn end(&self, _: &Step, _: &StepResult) {}
    }

    fn step(service: &str, action: Action) -> Step {
        Step {
            service: service.into(),
            group: "console".into(),
            backend: BackendKind::Compose,
            action,
            now: "Exited (0)".into(),
            handle: Handle::Unit {
                name: service.into(),
            },
            stop_grace: Duration::from_secs(1),
            compose_files: vec![],
        }
    }

    fn options() -> Options {
        Options {
            wait: true,
            health_timeout: Duration::from_millis(300),
            poll: Duration::from_millis(10),
        }
    }

    fn plan(waves: Vec<Vec<Step>>) -> Plan {
        Plan {
            verb: Verb::Start,
            waves,
        }
    }

    #[tokio::test]
    async fn waves_run_in_order_and_a_wave_runs_together() {
        let fake = Fake {
            act_delay: Duration::from_millis(20),
            ..Fake::default()
        };
        let plan = plan(vec![
            vec![step("mysql", Action::Start), step("redis", Action::Start)],
            vec![step("porter-api", Action::Start)],
        ]);
        let results = execute(&plan, &fake, &options(), &Interrupt::default(), &Quiet).await;
        assert!(results.iter().all(|result| result.outcome == Outcome::Done));
        let calls = fake.calls.borrow().clone();
        assert_eq!(
            &calls[..2],
            ["begin start mysql", "begin start redis"],
            "one wave starts together: {calls:?}"
        );
        let api = calls
            .iter()
            .position(|call| call == "begin start porter-api")
            .unwrap();
        assert!(
            calls[..api].contains(&"end mysql".to_string())
                && calls[..api].contains(&"end redis".to_string()),
            "{calls:?}"
        );
    }

    #[tokio::test]
    async fn an_unhealthy_service_fails_fast_and_the_others_still_start() {
        let mut sick = running(Health::Unhealthy);
        sick.reason = Some("health check exited with 1: database unreachable".into());
        let fake = Fake {
            after: HashMap::from([("mysql", sick)]),
            ..Fake::default()
        };
        let plan = plan(vec![
            vec![step("mysql", Action::Start)],
            vec![step("porter-api", Action::Start)],
        ]);
        let started = Instant::now();
        let results = execute(&plan, &fake, &options(), &Interrupt::default(), &Quiet).await;
        assert!(
            started.elapsed() < Duration::from_millis(250),
            "failed fast"
        );
        assert_eq!(results[0].outcome, Outcome::Failed);
        assert!(
            results[0].detail.contains("database unreachable"),
            "{}",
            results[0].detail
        );
        assert_eq!(results[1].outcome, Outcome::Done);
        assert_eq!(exit_of(&results), Exit::OperationFailed);
    }

    #[tokio::test]
    async fn a_service_that_never_becomes_healthy_times_out() {
        let fake = Fake {
            after: HashMap::from([("mysql", running(Health::Starting))]),
            ..Fake::default()
        };
        let results = execute(
            &plan(vec![vec![step("mysql", Action::Start)]]),
            &fake,
            &options(),
            &Interrupt::default(),
            &Quiet,
        )
        .await;
        assert_eq!(results[0].outcome, Outcome::Failed);
        assert!(
            results[0].detail.starts_with("not healthy after"),
            "{}",
            results[0].detail
        );
    }

    #[tokio::test]
    async fn an_interrupt_lets_the_wave_in_flight_finish_and_schedules_nothing_more() {
        let fake = Fake {
            act_delay: Duration::from_millis(50),
            ..Fake::default()
        };
        let interrupt = Interrupt::default();
        let plan = plan(vec![
            vec![step("mysql", Action::Restart)],
            vec![step("porter-api", Action::Restart)],
        ]);
        let raiser = interrupt.clone();
        let options = options();
        let (results, ()) = tokio::join!(
            execute(&plan, &fake, &options, &interrupt, &Quiet),
            async move {
                tokio::time::sleep(Duration::from_millis(10)).await;
                raiser.raise();
            }
        );
        assert_eq!(
            results[0].outcome,
            Outcome::Done,
            "the restart in flight finished"
        );
        assert_eq!(results[1].outcome, Outcome::NotDone);
        assert_eq!(
            fake.calls.borrow().clone(),
            vec!["begin restart mysql", "end mysql"]
        );
        assert_eq!(exit_of(&results), Exit::OperationFailed);
    }

    #[tokio::test]
    async fn skips_and_impossible_steps_touch_nothing() {
        let fake = Fake::default();
        let plan = plan(vec![vec![
            step("mysql", Action::Skip),
            step("gone", Action::Impossible),
        ]]);
        let results = execute(&plan, &fake, &options(), &Interrupt::default(), &Quiet).await;
        assert_eq!(
            (results[0].outcome, results[1].outcome),
            (Outcome::Skipped, Outcome::Failed)
        );
        assert!(fake.calls.borrow().is_empty());
    }
}

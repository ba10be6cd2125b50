//! Executing a plan: each step goes ahead once the steps it waits for allow
//! it (a start once what it needs is up, a stop once what needs it has
//! stopped), never more than a few requests at once; a start or restart is
//! done once its service is running — healthy, where it has a health check —
//! and has stayed so through its settle window. An interrupt stops new work;
//! what is in flight finishes.

mod board;
mod on_demand;
mod outcome;
mod settle;
mod step;

pub use outcome::{Outcome, StepResult, exit_of_results};

use super::interrupt::Interrupt;
use super::plan::Plan;
use crate::backend::{BackendError, Backends};
use crate::model::{Details, Observation, Step};
use board::Board;
use std::future::Future;
use std::time::Duration;

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
    /// What the daemon says of a service that fell, beyond its status line.
    fn details(&self, step: &Step) -> impl Future<Output = Result<Details, BackendError>>;
}

/// The backends a command connected, how long a daemon's job may take, and
/// how long each of its answers may (the settings' `daemon_timeout`).
pub struct Connected {
    pub backends: Backends,
    pub job_timeout: Duration,
    pub daemon_timeout: Duration,
}

impl Control for Connected {
    async fn act(&self, step: &Step, wait_for_job: bool) -> Result<Option<String>, BackendError> {
        self.backends
            .reaching(&step.handle)?
            .act(step, wait_for_job, self.job_timeout)
            .await
    }

    async fn observe(&self, step: &Step) -> Result<Observation, BackendError> {
        self.backends
            .reaching(&step.handle)?
            .observe(&step.handle)
            .await
    }

    async fn details(&self, step: &Step) -> Result<Details, BackendError> {
        self.backends
            .reaching(&step.handle)?
            .details(&step.handle, self.daemon_timeout)
            .await
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
    /// How often to look while waiting and settling.
    pub poll: Duration,
    /// At most this many requests to the daemons at once.
    pub concurrency: usize,
}

/// At most this many start / stop requests in flight at once: enough for a
/// console's middleware to come up together, few enough not to swamp a
/// daemon with 25 at a time.
pub const CONCURRENCY: usize = 8;

/// Executes `plan`; returns one result per step, in plan order.
pub async fn execute<C: Control>(
    plan: &Plan,
    control: &C,
    options: &Options,
    interrupt: &Interrupt,
    progress: &dyn Progress,
) -> Vec<StepResult> {
    let board = Board::new(plan.verb, plan.steps.iter());
    let permits = tokio::sync::Semaphore::new(options.concurrency.max(1));
    let context = step::Context {
        control,
        options,
        interrupt,
        progress,
        board: &board,
        permits: &permits,
    };
    futures_util::future::join_all(plan.steps.iter().map(|step| {
        let context = &context;
        async move {
            let result = step::run(step, context).await;
            progress.end(step, &result);
            result
        }
    }))
    .await
}

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;

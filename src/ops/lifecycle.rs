//! `hmctl start|stop|restart|reload [TARGET...]`: take the lock, look, plan
//! (`reload` plans in [`super::reload`]), then act (or, with `--dry-run`, only
//! print the plan). A daemon that cannot be asked or an unknown target stops
//! everything before the first change.

use super::execute::{self, Connected, Options, Progress, StepResult};
use super::history;
use super::interrupt::Interrupt;
use super::lock::{self, HostLock};
use super::plan::{self, Pace, Plan};
use super::snapshot::{self, BACKEND_DEADLINE};
use crate::backend::Backends;
use crate::catalog::Catalog;
use crate::exit::{Exit, Failure};
use crate::model::Verb;
use std::time::Duration;

/// How long a start / restart waits for each service to be healthy by default.
pub const DEFAULT_HEALTH_TIMEOUT: Duration = Duration::from_secs(120);

/// What the operator asked for.
#[derive(Debug, Clone)]
pub struct Request {
    pub verb: Verb,
    pub targets: Vec<String>,
    /// `--timeout` (per service, the health wait of a start or restart, the
    /// grace of a stop), `--settle`, and whether to wait at all (`--no-wait`).
    pub pace: Pace,
    pub dry_run: bool,
}

/// What happened.
#[derive(Debug)]
pub struct Report {
    pub plan: Plan,
    /// `None` for a dry run.
    pub results: Option<Vec<StepResult>>,
    pub interrupted: bool,
    pub exit: Exit,
}

impl Report {
    /// A dry run's report: the plan, nothing done.
    pub fn planned(plan: Plan) -> Report {
        Report {
            plan,
            results: None,
            interrupted: false,
            exit: Exit::Success,
        }
    }
}

/// Takes the host lock for a changing command.
pub fn take_lock() -> Result<HostLock, Failure> {
    lock::acquire(&lock::lock_path(), &lock::command_line(), lock::LOCK_WAIT)
}

/// The host lock, unless the command only shows its plan (`--dry-run`).
pub fn lock_unless_dry_run(dry_run: bool) -> Result<Option<HostLock>, Failure> {
    if dry_run {
        Ok(None)
    } else {
        take_lock().map(Some)
    }
}

/// Plans the request against the current state of the host.
pub async fn plan(catalog: &Catalog, request: &Request) -> Result<(Plan, Backends), Failure> {
    let (snapshot, backends) = snapshot::take(catalog, BACKEND_DEADLINE).await?;
    let selected = snapshot.resolve(&request.targets, catalog)?;
    if selected.is_empty() {
        return Err(Failure::usage("no service of any present group to act on")
            .with_hint("`hmctl list` shows what is installed on this host"));
    }
    snapshot.refuse_if_unavailable(&selected)?;
    let plan = plan::build(request.verb, catalog, &snapshot, &selected, request.pace)?;
    Ok((plan, backends))
}

/// Runs the request.
pub async fn run(
    catalog: &Catalog,
    request: &Request,
    progress: &dyn Progress,
    interrupt: &Interrupt,
) -> Result<Report, Failure> {
    let _lock = lock_unless_dry_run(request.dry_run)?;
    let (plan, backends) = if request.verb == Verb::Reload {
        super::reload::plan(catalog, &request.targets, request.pace).await?
    } else {
        plan(catalog, request).await?
    };
    if request.dry_run {
        return Ok(Report::planned(plan));
    }
    let recording = history::recorder::begin(history::recorder::Intent::of_plan(&plan));
    super::upgrade::hooks::pause_point("began");
    let report = carry_out(plan, backends, request, interrupt, progress).await;
    let results = report.results.as_deref().unwrap_or_default();
    recording.end(
        report.exit,
        &summary(results, report.interrupted),
        history::recorder::results_of(results),
        None,
    );
    Ok(report)
}

/// A lifecycle's end in a few words, for the history (`done: a, b; failed: c`).
pub fn summary(results: &[execute::StepResult], interrupted: bool) -> String {
    use execute::Outcome;
    let mut parts = Vec::new();
    for (outcome, word) in [
        (Outcome::Done, "done"),
        (Outcome::Failed, "failed"),
        (Outcome::Skipped, "skipped"),
        (Outcome::NotDone, "not done"),
    ] {
        let names: Vec<&str> = results
            .iter()
            .filter(|result| result.outcome == outcome)
            .map(|result| result.service.as_str())
            .collect();
        if !names.is_empty() {
            parts.push(format!("{word}: {}", names.join(", ")));
        }
    }
    if interrupted {
        parts.push("interrupted".to_string());
    }
    if parts.is_empty() {
        "nothing to do".to_string()
    } else {
        parts.join("; ")
    }
}

/// Executes a plan on the connected daemons and sums it up.
pub async fn carry_out(
    plan: Plan,
    backends: Backends,
    request: &Request,
    interrupt: &Interrupt,
    progress: &dyn Progress,
) -> Report {
    // For a stop, --timeout is the grace (in the plan), not the health wait.
    let health_timeout = match request.verb {
        Verb::Stop => DEFAULT_HEALTH_TIMEOUT,
        _ => request.pace.timeout.unwrap_or(DEFAULT_HEALTH_TIMEOUT),
    };
    let backends = Connected {
        backends,
        job_timeout: health_timeout,
    };
    let options = Options {
        wait: request.pace.wait,
        health_timeout,
        poll: Duration::from_millis(250),
        concurrency: execute::CONCURRENCY,
    };
    let results = execute::execute(&plan, &backends, &options, interrupt, progress).await;
    let exit = execute::exit_of_results(&results);
    Report {
        plan,
        results: Some(results),
        interrupted: interrupt.is_raised(),
        exit,
    }
}

/// Carries out `request.verb` on the services `names` of `group` (for upgrade
/// and reload, which choose their services themselves). The caller holds the lock.
pub async fn act_on(
    catalog: &Catalog,
    request: &Request,
    group: &str,
    names: &[String],
    interrupt: &Interrupt,
    progress: &dyn Progress,
) -> Result<Vec<StepResult>, Failure> {
    let (snapshot, backends) = snapshot::take(catalog, BACKEND_DEADLINE).await?;
    let selected: Vec<usize> = snapshot
        .services
        .iter()
        .enumerate()
        .filter(|(_, service)| service.group == group && names.contains(&service.name))
        .map(|(index, _)| index)
        .collect();
    snapshot.refuse_if_unavailable(&selected)?;
    let plan = plan::build(request.verb, catalog, &snapshot, &selected, request.pace)?;
    let report = carry_out(plan, backends, request, interrupt, progress).await;
    Ok(report.results.unwrap_or_default())
}

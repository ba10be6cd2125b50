//! `hmctl start|stop|restart|reload [TARGET...]`: take the lock, look, plan
//! (`reload` plans in [`super::reload`]), then act (or, with `--dry-run`, only
//! print the plan). A daemon that cannot be asked or an unknown target stops
//! everything before the first change.

use super::dependents::{self, Dependent, DependentsPolicy};
use super::execute::{self, Connected, Options, Progress, StepResult};
use super::history;
use super::interrupt::Interrupt;
use super::lock::{self, HostLock};
use super::plan::{self, Pace, Plan};
use super::snapshot;
use crate::backend::Backends;
use crate::catalog::Catalog;
use crate::exit::{Exit, Failure};
use crate::model::{ServiceStatus, Verb};
use crate::settings::Settings;
use std::path::Path;
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
    /// What a stop does about running services that need what it stops.
    pub dependents: DependentsPolicy,
    /// Start or restart services in maintenance too (`--force`; `maintenance off`).
    pub start_in_maintenance: bool,
}

/// What happened.
#[derive(Debug)]
pub struct Report {
    pub plan: Plan,
    /// `None` for a dry run.
    pub results: Option<Vec<StepResult>>,
    pub interrupted: bool,
    pub exit: Exit,
    /// After a start: the stopped services outside it that need what it started.
    pub left_down: Vec<Dependent>,
}

impl Report {
    /// A dry run's report: the plan, nothing done.
    pub fn planned(plan: Plan) -> Report {
        Report {
            plan,
            results: None,
            interrupted: false,
            exit: Exit::Success,
            left_down: Vec::new(),
        }
    }
}

/// A plan, the daemons it was made with, and what it leaves down.
pub struct Planned {
    pub plan: Plan,
    pub backends: Backends,
    pub left_down: Vec<Dependent>,
}

/// Takes the host lock (`lock_file`, the settings') for a changing command.
pub fn take_lock(lock_file: &Path) -> Result<HostLock, Failure> {
    lock::acquire(lock_file, &lock::command_line(), lock::LOCK_WAIT)
}

/// The host lock, unless the command only shows its plan (`--dry-run`).
pub fn lock_unless_dry_run(lock_file: &Path, dry_run: bool) -> Result<Option<HostLock>, Failure> {
    if dry_run {
        Ok(None)
    } else {
        take_lock(lock_file).map(Some)
    }
}

/// Plans the request against the current state of the host. A stop that
/// would leave a running service without something it needs is refused
/// here, before anything changes, unless the request says how on.
pub async fn plan(
    catalog: &Catalog,
    settings: &Settings,
    request: &Request,
    backends: &Backends,
) -> Result<Planned, Failure> {
    let (snapshot, backends) = snapshot::take(catalog, settings, backends).await?;
    let mut selected = snapshot.resolve(&request.targets, catalog)?;
    if selected.is_empty() {
        return Err(Failure::usage("no service of any present group to act on")
            .with_hint("`hmctl list` shows what is installed on this host"));
    }
    snapshot.refuse_if_unavailable(&selected)?;
    if matches!(request.verb, Verb::Start | Verb::Restart) && !request.start_in_maintenance {
        let chosen: Vec<&ServiceStatus> = selected
            .iter()
            .map(|index| &snapshot.services[*index])
            .collect();
        super::maintenance::held::refuse_start(&settings.state_dir, request.verb, &chosen)?;
    }
    if request.verb == Verb::Stop && request.dependents != DependentsPolicy::Ignore {
        let verdict = dependents::verdict(catalog, &snapshot, &selected);
        if !verdict.is_safe() {
            if request.dependents == DependentsPolicy::Refuse {
                return Err(dependents::refusal(&request.targets, &verdict));
            }
            selected = dependents::with_dependents(&snapshot, &selected, &verdict);
            snapshot.refuse_if_unavailable(&selected)?;
        }
    }
    let left_down = match request.verb {
        Verb::Start => dependents::left_down(catalog, &snapshot, &selected),
        _ => Vec::new(),
    };
    let plan = plan::build(request.verb, catalog, &snapshot, &selected, request.pace)?;
    Ok(Planned {
        plan,
        backends,
        left_down,
    })
}

/// Runs the request, reaching the daemons as `backends` says.
pub async fn run(
    catalog: &Catalog,
    settings: &Settings,
    request: &Request,
    progress: &dyn Progress,
    interrupt: &Interrupt,
    backends: &Backends,
) -> Result<Report, Failure> {
    let _lock = lock_unless_dry_run(&settings.lock_file, request.dry_run)?;
    let Planned {
        plan,
        backends,
        left_down,
    } = if request.verb == Verb::Reload {
        let (plan, backends) =
            super::reload::plan(catalog, settings, &request.targets, request.pace, backends)
                .await?;
        Planned {
            plan,
            backends,
            left_down: Vec::new(),
        }
    } else {
        plan(catalog, settings, request, backends).await?
    };
    if request.dry_run {
        return Ok(Report {
            left_down,
            ..Report::planned(plan)
        });
    }
    let recording = history::recorder::begin(settings, history::recorder::Intent::of_plan(&plan));
    super::upgrade::hooks::pause_point(settings, "began");
    let report = carry_out(plan, backends, request, interrupt, progress).await;
    let report = Report {
        left_down,
        ..report
    };
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
        daemon_timeout: backends.daemon_timeout(),
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
        left_down: Vec::new(),
    }
}

/// Carries out `request.verb` on `services`, the services `names` of `group`
/// (for upgrade and reload, which choose their services themselves). The
/// caller holds the lock.
pub async fn act_on(
    catalog: &Catalog,
    settings: &Settings,
    request: &Request,
    (group, names): (&str, &[String]),
    interrupt: &Interrupt,
    progress: &dyn Progress,
    backends: &Backends,
) -> Result<Vec<StepResult>, Failure> {
    let (snapshot, backends) = snapshot::take(catalog, settings, backends).await?;
    // What is in maintenance stays stopped: an upgrade swaps its files in,
    // and `maintenance off` starts it on them.
    let held = match request.verb {
        Verb::Start | Verb::Restart if !request.start_in_maintenance => {
            super::maintenance::held::read(&settings.state_dir)?
        }
        _ => super::maintenance::register::Register::default(),
    };
    let selected: Vec<usize> = snapshot
        .services
        .iter()
        .enumerate()
        .filter(|(_, service)| service.group == group && names.contains(&service.name))
        .filter(|(_, service)| held.find(&service.group, &service.name).is_none())
        .map(|(index, _)| index)
        .collect();
    snapshot.refuse_if_unavailable(&selected)?;
    let plan = plan::build(request.verb, catalog, &snapshot, &selected, request.pace)?;
    let report = carry_out(plan, backends, request, interrupt, progress).await;
    Ok(report.results.unwrap_or_default())
}

//! `hmctl start|stop|restart|reload [TARGET...]`.

use crate::backend::Backends;
use crate::catalog::Catalog;
use crate::cli::{LifecycleArgs, StartArgs, StopArgs};
use crate::exit::{Exit, Failure};
use crate::model::Verb;
use crate::ops;
use crate::ops::dependents::DependentsPolicy;
use crate::ops::execute::Progress;
use crate::ops::interrupt::Interrupt;
use crate::ops::plan::Pace;
use crate::output::Printer;
use crate::render;
use crate::settings::Settings;

/// `hmctl stop`: the lifecycle, with what to do about running dependents.
pub async fn stop(
    catalog: &Catalog,
    settings: &Settings,
    args: &StopArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    let StopArgs {
        lifecycle,
        with_dependents,
        force,
    } = args;
    let policy = DependentsPolicy::from_arguments(*with_dependents, *force);
    run_with(
        catalog,
        settings,
        Verb::Stop,
        lifecycle,
        policy,
        false,
        printer,
    )
    .await
}

/// `hmctl start|restart`: the lifecycle, refusing services in maintenance
/// unless `--force`.
pub async fn start(
    catalog: &Catalog,
    settings: &Settings,
    verb: Verb,
    args: &StartArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    let StartArgs { lifecycle, force } = args;
    run_with(
        catalog,
        settings,
        verb,
        lifecycle,
        DependentsPolicy::default(),
        *force,
        printer,
    )
    .await
}

pub async fn run(
    catalog: &Catalog,
    settings: &Settings,
    verb: Verb,
    args: &LifecycleArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    run_with(
        catalog,
        settings,
        verb,
        args,
        DependentsPolicy::default(),
        false,
        printer,
    )
    .await
}

async fn run_with(
    catalog: &Catalog,
    settings: &Settings,
    verb: Verb,
    args: &LifecycleArgs,
    dependents: DependentsPolicy,
    start_in_maintenance: bool,
    printer: Printer,
) -> anyhow::Result<Exit> {
    let LifecycleArgs {
        targets,
        timeout,
        settle,
        no_wait,
        dry_run,
    } = args;
    let request = ops::lifecycle::Request {
        verb,
        targets: targets.clone(),
        pace: Pace::from_arguments(*timeout, *settle, *no_wait),
        dry_run: *dry_run,
        dependents,
        start_in_maintenance,
    };
    let report = carry_out(
        catalog,
        settings,
        &request,
        request.dry_run,
        printer,
        ops::lifecycle::run,
    )
    .await?;
    show(&report, printer)
}

/// Runs a prepared change (a start / stop / restart / reload, a maintenance
/// on or off) with `operation`, watching its progress (none for a `dry_run`)
/// and interrupts, against the daemons `settings` name; the caller then shows its report
/// (ending with [`say_how_it_ended`]). The interrupt handler stays installed
/// after this returns (its listener holds its own handle), so a signal while
/// the report prints is still told, as before.
pub async fn carry_out<Request, Report>(
    catalog: &Catalog,
    settings: &Settings,
    request: &Request,
    dry_run: bool,
    printer: Printer,
    operation: impl AsyncFn(
        &Catalog,
        &Settings,
        &Request,
        &dyn Progress,
        &Interrupt,
        &Backends,
    ) -> Result<Report, Failure>,
) -> anyhow::Result<Report> {
    let (interrupt, progress) = watch(printer, dry_run);
    let report = operation(
        catalog,
        settings,
        request,
        progress.as_ref(),
        &interrupt,
        &Backends::connecting(settings, catalog),
    )
    .await?;
    Ok(report)
}

/// Prints a start / stop / restart / reload's report and gives its exit code.
fn show(report: &ops::lifecycle::Report, printer: Printer) -> anyhow::Result<Exit> {
    if printer.verbose > 0 && report.results.is_some() {
        printer.detail(&render::lifecycle::plan(&report.plan, printer.style));
    }
    let text = match (&report.results, printer.json) {
        (_, true) => render::lifecycle::json(report),
        (None, false) => render::lifecycle::plan(&report.plan, printer.style),
        (Some(results), false) => render::lifecycle::results(results, printer.style),
    };
    printer.data(&text)?;
    say_how_it_ended(report, printer);
    if let Some((warning, hint)) = render::dependents::left_down(&report.left_down) {
        printer.warning(&warning);
        printer.hint(&hint);
    }
    Ok(report.exit)
}

/// The interrupt handler and the progress display of a change.
fn watch(printer: Printer, dry_run: bool) -> (Interrupt, Box<dyn Progress>) {
    let interrupt = Interrupt::install(move |first| {
        printer.warning(if first {
            "interrupted: finishing the operations in progress; nothing new will start"
        } else {
            "still finishing the operations in progress (they are not abandoned half-done)"
        });
    });
    let progress: Box<dyn Progress> = if printer.json || dry_run {
        Box::new(crate::progress::Silent)
    } else {
        crate::progress::for_stderr(printer.quiet)
    };
    (interrupt, progress)
}

/// Says on stderr that a change was interrupted, what failed and what the
/// operator can do about it.
pub fn say_how_it_ended(report: &ops::lifecycle::Report, printer: Printer) {
    if report.interrupted {
        printer.warning("interrupted: the services above marked NOT DONE were left as they were");
    }
    if let Some(failures) = render::lifecycle::failures(report) {
        printer.error(&failures);
    }
    for hint in render::lifecycle::hints(report.results.as_deref().unwrap_or_default()) {
        printer.hint(&hint);
    }
}

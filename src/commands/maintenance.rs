//! `hmctl maintenance [on|off|list]`: arguments to a maintenance request,
//! run it, render it, and the exit code.

use super::lifecycle::{say_how_it_ended, watch};
use crate::backend::Backends;
use crate::catalog::Catalog;
use crate::cli::{MaintenanceArgs, MaintenanceCommand, MaintenanceOffArgs, MaintenanceOnArgs};
use crate::exit::Exit;
use crate::ops;
use crate::ops::dependents::DependentsPolicy;
use crate::ops::plan::Pace;
use crate::output::Printer;
use crate::render;
use crate::settings::Settings;
use std::time::Duration;

pub async fn run(
    catalog: &Catalog,
    settings: &Settings,
    args: &MaintenanceArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    match &args.command {
        None | Some(MaintenanceCommand::List) => {
            let register = ops::maintenance::read(&settings.state_dir)?;
            let text = if printer.json {
                render::maintenance::list_json(&register)
            } else {
                render::maintenance::list(&register, printer.style)
            };
            printer.data(&text)?;
            Ok(Exit::Success)
        }
        Some(MaintenanceCommand::On(on)) => run_on(catalog, settings, on, printer).await,
        Some(MaintenanceCommand::Off(off)) => run_off(catalog, settings, off, printer).await,
    }
}

async fn run_on(
    catalog: &Catalog,
    settings: &Settings,
    args: &MaintenanceOnArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    let MaintenanceOnArgs {
        targets,
        reason,
        with_dependents,
        force,
        timeout,
        dry_run,
    } = args;
    let request = ops::maintenance::OnRequest {
        targets: targets.clone(),
        reason: reason.clone(),
        dependents: match (with_dependents, force) {
            (true, _) => DependentsPolicy::StopToo,
            (false, true) => DependentsPolicy::Ignore,
            (false, false) => DependentsPolicy::Refuse,
        },
        pace: Pace {
            timeout: timeout.map(Duration::from_secs),
            ..Pace::default()
        },
        dry_run: *dry_run,
    };
    let (interrupt, progress) = watch(printer, *dry_run);
    let report = ops::maintenance::on(
        catalog,
        settings,
        &request,
        progress.as_ref(),
        &interrupt,
        &Backends::connecting(settings, catalog),
    )
    .await?;
    show("on", &report, printer)
}

async fn run_off(
    catalog: &Catalog,
    settings: &Settings,
    args: &MaintenanceOffArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    let MaintenanceOffArgs {
        targets,
        timeout,
        settle,
        no_wait,
        dry_run,
    } = args;
    let request = ops::maintenance::OffRequest {
        targets: targets.clone(),
        pace: Pace {
            timeout: timeout.map(Duration::from_secs),
            settle: settle.map(Duration::from_secs_f64),
            wait: !no_wait,
        },
        dry_run: *dry_run,
    };
    let (interrupt, progress) = watch(printer, *dry_run);
    let report = ops::maintenance::off(
        catalog,
        settings,
        &request,
        progress.as_ref(),
        &interrupt,
        &Backends::connecting(settings, catalog),
    )
    .await?;
    show("off", &report, printer)
}

fn show(verb: &str, report: &ops::maintenance::Report, printer: Printer) -> anyhow::Result<Exit> {
    let lifecycle = &report.lifecycle;
    let text = match (&lifecycle.results, printer.json) {
        (_, true) => render::maintenance::json(verb, report),
        (None, false) => format!(
            "{}{}",
            render::lifecycle::plan(&lifecycle.plan, printer.style),
            render::maintenance::changes(&report.changes, true)
        ),
        (Some(results), false) => format!(
            "{}{}",
            render::lifecycle::results(results, printer.style),
            render::maintenance::changes(&report.changes, false)
        ),
    };
    printer.data(&text)?;
    say_how_it_ended(lifecycle, printer);
    Ok(lifecycle.exit)
}

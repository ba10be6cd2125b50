//! `hmctl maintenance [on|off|list]`: arguments to a maintenance request,
//! run it, render it, and the exit code.

use super::lifecycle::{carry_out, say_how_it_ended};
use crate::catalog::Catalog;
use crate::cli::{MaintenanceArgs, MaintenanceCommand, MaintenanceOffArgs, MaintenanceOnArgs};
use crate::exit::Exit;
use crate::ops;
use crate::ops::dependents::DependentsPolicy;
use crate::ops::plan::Pace;
use crate::output::Printer;
use crate::render;
use crate::settings::Settings;

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
        Some(MaintenanceCommand::On(on)) => {
            let request = on_request(on);
            let report = carry_out(
                catalog,
                settings,
                &request,
                request.dry_run,
                printer,
                ops::maintenance::on,
            );
            show("on", &report.await?, printer)
        }
        Some(MaintenanceCommand::Off(off)) => {
            let request = off_request(off);
            let report = carry_out(
                catalog,
                settings,
                &request,
                request.dry_run,
                printer,
                ops::maintenance::off,
            );
            show("off", &report.await?, printer)
        }
    }
}

/// The request `hmctl maintenance on` asks for.
fn on_request(args: &MaintenanceOnArgs) -> ops::maintenance::OnRequest {
    let MaintenanceOnArgs {
        targets,
        reason,
        with_dependents,
        force,
        timeout,
        dry_run,
    } = args;
    ops::maintenance::OnRequest {
        targets: targets.clone(),
        reason: reason.clone(),
        dependents: DependentsPolicy::from_arguments(*with_dependents, *force),
        pace: Pace::from_arguments(*timeout, None, false),
        dry_run: *dry_run,
    }
}

/// The request `hmctl maintenance off` asks for.
fn off_request(args: &MaintenanceOffArgs) -> ops::maintenance::OffRequest {
    let MaintenanceOffArgs {
        targets,
        timeout,
        settle,
        no_wait,
        dry_run,
    } = args;
    ops::maintenance::OffRequest {
        targets: targets.clone(),
        pace: Pace::from_arguments(*timeout, *settle, *no_wait),
        dry_run: *dry_run,
    }
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

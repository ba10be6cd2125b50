//! From parsed arguments to an exit code: load the catalog, run the verb's
//! operation, render its data, report errors with their hints.

use crate::catalog::{self, Catalog};
use crate::cli::{Cli, Command, LifecycleArgs};
use crate::exit::{Exit, exit_of, hint_of};
use crate::ops;
use crate::ops::interrupt::Interrupt;
use crate::ops::lifecycle::Request;
use crate::ops::plan::Verb;
use crate::output::{ClosedPipe, Printer};
use crate::render;

/// Runs hmctl and returns the process exit code.
pub fn main(cli: Cli) -> Exit {
    let printer = Printer::new(cli.color, cli.quiet, cli.verbose, cli.json);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            printer.error(&format!("cannot start the async runtime: {error}"));
            return Exit::OperationFailed;
        }
    };
    match runtime.block_on(run(cli, printer)) {
        Ok(exit) => exit,
        Err(error) if error.downcast_ref::<ClosedPipe>().is_some() => Exit::Success,
        Err(error) => {
            printer.error(&format!("{error:#}"));
            if let Some(hint) = hint_of(&error) {
                printer.hint(hint);
            }
            exit_of(&error)
        }
    }
}

fn load_catalog(cli: &Cli) -> anyhow::Result<Catalog> {
    catalog::load(cli.config.as_deref())
}

async fn run(cli: Cli, printer: Printer) -> anyhow::Result<Exit> {
    let catalog = load_catalog(&cli)?;
    if let Some(source) = &catalog.source {
        printer.detail(&format!("configuration: {}", source.display()));
    }
    match &cli.command {
        Command::Status(args) => status(&catalog, &args.targets, printer).await,
        Command::Start(args) => lifecycle(&catalog, Verb::Start, args, printer).await,
        Command::Stop(args) => lifecycle(&catalog, Verb::Stop, args, printer).await,
        Command::Restart(args) => lifecycle(&catalog, Verb::Restart, args, printer).await,
        Command::List => {
            let listing = ops::list::list(&catalog).await?;
            let text = if printer.json {
                render::list::json(&listing)
            } else {
                render::list::human(&listing, printer.style)
            };
            printer.data(&text)?;
            Ok(Exit::Success)
        }
    }
}

async fn status(catalog: &Catalog, targets: &[String], printer: Printer) -> anyhow::Result<Exit> {
    let report = ops::status::status(catalog, targets, true)
        .await
        .map_err(anyhow::Error::from)?;
    let text = if printer.json {
        render::status::json(&report)
    } else {
        render::status::human(&report, printer.style, jiff::Timestamp::now())
    };
    printer.data(&text)?;
    for error in &report.errors {
        printer.error(&error.message);
        if let Some(hint) = &error.hint {
            printer.hint(hint);
        }
    }
    Ok(report.exit)
}

async fn lifecycle(
    catalog: &Catalog,
    verb: Verb,
    args: &LifecycleArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    let request = Request {
        verb,
        targets: args.targets.clone(),
        timeout: args.timeout.map(std::time::Duration::from_secs),
        wait: !args.no_wait,
        dry_run: args.dry_run,
    };
    let interrupt = Interrupt::install(move |first| {
        if first {
            printer.warning(
                "interrupted: finishing the operations in progress; nothing new will start",
            );
        } else {
            printer.warning(
                "still finishing the operations in progress (they are not abandoned half-done)",
            );
        }
    });
    let progress: Box<dyn crate::ops::execute::Progress> = if printer.json || args.dry_run {
        Box::new(crate::progress::Silent)
    } else {
        crate::progress::for_stderr(printer.quiet)
    };
    let report = ops::lifecycle::run(catalog, &request, progress.as_ref(), &interrupt).await?;
    if printer.verbose > 0 && report.results.is_some() {
        printer.detail(&render::lifecycle::plan(&report.plan, printer.style));
    }
    let text = match (&report.results, printer.json) {
        (_, true) => render::lifecycle::json(&report),
        (None, false) => render::lifecycle::plan(&report.plan, printer.style),
        (Some(results), false) => render::lifecycle::results(results, printer.style),
    };
    printer.data(&text)?;
    if report.interrupted {
        printer.warning("interrupted: the services above marked NOT DONE were left as they were");
    }
    if let Some(failures) = render::lifecycle::failures(&report) {
        printer.error(&failures);
    }
    Ok(report.exit)
}

//! From parsed arguments to an exit code: resolve the settings, load the
//! catalog, hand the verb to its file under `commands/`, report errors with
//! their hints.

use crate::catalog::{self, Catalog};
use crate::cli::{Cli, Command};
use crate::commands;
use crate::exit::{Exit, exit_of, hint_of};
use crate::model::Verb;
use crate::ops;
use crate::output::{ClosedPipe, Printer};
use crate::settings::{Arguments, Settings};

/// Runs hmctl and returns the process exit code.
pub fn main(cli: Cli) -> Exit {
    // The settings of this run, resolved once (the environment is read there)
    // and passed down.
    let settings = Settings::resolve(
        Arguments {
            config: cli.config.clone(),
            daemon_timeout: cli.daemon_timeout,
        },
        |name| std::env::var_os(name),
    );
    let printer = Printer::new(
        cli.color,
        settings.no_color,
        cli.quiet,
        cli.verbose,
        cli.json,
    );
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
    let result = runtime.block_on(run(cli, &settings, printer));
    // Everything hmctl waited for has answered; what is left (an idle D-Bus
    // connection, a blocking thread) is not waited for on the way out.
    runtime.shutdown_background();
    match result {
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

async fn run(cli: Cli, settings: &Settings, printer: Printer) -> anyhow::Result<Exit> {
    if let Command::Completions { shell } = &cli.command {
        return commands::completions::run(*shell, printer);
    }
    let catalog = catalog::load(
        settings.config.as_deref(),
        settings.daemons.bus_address.is_some(),
    )?;
    if let Some(source) = &catalog.source {
        printer.detail(&format!("configuration: {}", source.display()));
    }
    // An upgrade a crash or kill -9 interrupted is finished or undone first.
    for recovered in ops::upgrade::recover::recover(settings) {
        printer.warning(&recovered.message);
    }
    // So is a maintenance change.
    let backends = crate::backend::Backends::connecting(settings, &catalog);
    for recovered in ops::maintenance::recover::recover(&catalog, settings, &backends).await {
        printer.warning(&recovered);
    }
    let catalog = &catalog;
    let result = dispatch(&cli, catalog, settings, printer).await;
    // The history could not be written: said after the change, never instead of it.
    for warning in ops::history::recorder::take_warnings() {
        printer.warning(&warning);
    }
    result
}

async fn dispatch(
    cli: &Cli,
    catalog: &Catalog,
    settings: &Settings,
    printer: Printer,
) -> anyhow::Result<Exit> {
    match &cli.command {
        Command::Status(args) => commands::status::run(catalog, settings, args, printer).await,
        Command::Start(args) => {
            commands::lifecycle::start(catalog, settings, Verb::Start, args, printer).await
        }
        Command::Stop(args) => commands::lifecycle::stop(catalog, settings, args, printer).await,
        Command::OkToStop(args) => {
            commands::ok_to_stop::run(catalog, settings, args, printer).await
        }
        Command::Restart(args) => {
            commands::lifecycle::start(catalog, settings, Verb::Restart, args, printer).await
        }
        Command::Maintenance(args) => {
            commands::maintenance::run(catalog, settings, args, printer).await
        }
        Command::Reload(args) => {
            commands::lifecycle::run(catalog, settings, Verb::Reload, args, printer).await
        }
        Command::Upgrade(args) => commands::upgrade::run(catalog, settings, args, printer).await,
        Command::Logs(args) => commands::logs::run(catalog, settings, args, printer).await,
        Command::Metrics(args) => commands::metrics::run(catalog, settings, args, printer).await,
        Command::Diagnose(args) => commands::diagnose::run(catalog, settings, args, printer).await,
        Command::History(args) => commands::history::run(catalog, settings, args, printer),
        Command::Events(args) => commands::events::run(catalog, settings, args, printer).await,
        Command::List => commands::list::run(catalog, settings, printer).await,
        Command::Completions { shell } => commands::completions::run(*shell, printer),
    }
}

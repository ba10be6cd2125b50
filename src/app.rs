//! From parsed arguments to an exit code: load the catalog, run the verb's
//! operation, render its data, report errors with their hints.

use crate::catalog::{self, Catalog};
use crate::cli::{Cli, Command, LifecycleArgs, LogsArgs, LogsCommand, UpgradeArgs};
use crate::exit::{Exit, exit_of, hint_of};
use crate::model::Verb;
use crate::ops;
use crate::ops::interrupt::Interrupt;
use crate::ops::lifecycle::Request;
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
    let result = runtime.block_on(run(cli, printer));
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

fn load_catalog(cli: &Cli) -> anyhow::Result<Catalog> {
    catalog::load(cli.config.as_deref())
}

async fn run(cli: Cli, printer: Printer) -> anyhow::Result<Exit> {
    if let Command::Completions { shell } = &cli.command {
        let script = crate::docs::completion(shell.name()).unwrap_or_default();
        printer.data(&script)?;
        return Ok(Exit::Success);
    }
    let catalog = load_catalog(&cli)?;
    if let Some(source) = &catalog.source {
        printer.detail(&format!("configuration: {}", source.display()));
    }
    // An upgrade a crash or kill -9 interrupted is finished or undone first.
    for recovered in ops::upgrade::recover::recover() {
        printer.warning(&recovered.message);
    }
    match &cli.command {
        Command::Status(args) => status(&catalog, &args.targets, printer).await,
        Command::Start(args) => lifecycle(&catalog, Verb::Start, args, printer).await,
        Command::Stop(args) => lifecycle(&catalog, Verb::Stop, args, printer).await,
        Command::Restart(args) => lifecycle(&catalog, Verb::Restart, args, printer).await,
        Command::Reload(args) => lifecycle(&catalog, Verb::Reload, args, printer).await,
        Command::Upgrade(args) => upgrade(&catalog, args, printer).await,
        Command::Logs(args) => logs(&catalog, args, printer).await,
        Command::Completions { .. } => Ok(Exit::Success),
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
    let report = if verb == Verb::Reload {
        let reload = ops::reload::Request {
            targets: request.targets.clone(),
            timeout: request.timeout,
            wait: request.wait,
            dry_run: request.dry_run,
        };
        ops::reload::run(catalog, &reload, progress.as_ref(), &interrupt).await?
    } else {
        ops::lifecycle::run(catalog, &request, progress.as_ref(), &interrupt).await?
    };
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

fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
}

fn since_key(since: Option<&str>) -> Result<Option<String>, crate::exit::Failure> {
    since
        .map(|text| {
            ops::logs::timeline::parse_since(text, jiff::Zoned::now())
                .map_err(crate::exit::Failure::usage)
        })
        .transpose()
}

async fn logs(catalog: &Catalog, args: &LogsArgs, printer: Printer) -> anyhow::Result<Exit> {
    use std::io::Write;
    match &args.command {
        None => {
            let interrupt = Interrupt::install(|_| {});
            let request = ops::logs::follow::Request {
                targets: args.targets.clone(),
                lines: args.lines,
                follow: args.follow,
            };
            let width = args
                .targets
                .iter()
                .map(String::len)
                .max()
                .unwrap_or(0)
                .max(12);
            let stdout = std::io::stdout();
            let mut emit = |line: &ops::logs::tail::SourcedLine, prefixed: bool| {
                let mut out = stdout.lock();
                render::logs::line(&mut out, line, prefixed, width)
                    .and_then(|()| out.flush())
                    .is_ok()
            };
            let note = |text: &str| printer.info(text);
            ops::logs::follow::show(catalog, &request, &interrupt, &note, &mut emit).await?;
            Ok(Exit::Success)
        }
        Some(LogsCommand::Stages) => {
            printer.data(&render::logs::stages(catalog, printer.style))?;
            Ok(Exit::Success)
        }
        Some(LogsCommand::Grep(grep)) => {
            let query = ops::logs::search::Query {
                pattern: grep.pattern.clone(),
                fixed: grep.fixed_strings,
                ignore_case: grep.ignore_case,
                context: grep.context,
                since: since_key(grep.since.as_deref())?,
            };
            // Check the pattern before choosing files, so a bad one is exit 2 at once.
            ops::logs::search::matcher(&query).map_err(crate::exit::Failure::usage)?;
            let selection =
                ops::logs::select::select(catalog, grep.stage.as_deref(), &grep.targets)?;
            for refused in &selection.refused {
                printer.warning(&format!(
                    "skipped {}: it leads outside the group's log directories",
                    refused.display()
                ));
            }
            let found = ops::logs::search::search(&selection.files, &query, threads())
                .map_err(crate::exit::Failure::usage)?;
            for file in found.iter().filter(|file| file.error.is_some()) {
                printer.warning(&format!(
                    "cannot search {}: {}",
                    file.file.path.display(),
                    file.error.as_deref().unwrap_or("")
                ));
            }
            if printer.json {
                printer.data(&render::logs::grep_json(&found, selection.files.len()))?;
            } else {
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::with_capacity(256 * 1024, stdout.lock());
                for file in &found {
                    ops::logs::search::write_grep_form(&mut out, file).map_err(|_| ClosedPipe)?;
                }
                out.flush().map_err(|_| ClosedPipe)?;
            }
            printer.info(&render::logs::grep_summary(&found, selection.files.len()));
            let matched = found.iter().any(|file| file.matches > 0);
            Ok(if matched {
                Exit::Success
            } else {
                Exit::OperationFailed
            })
        }
        Some(LogsCommand::Trace(trace)) => {
            let lines = ops::logs::trace::trace(catalog, &trace.id, threads())?;
            if printer.json {
                printer.data(&render::logs::trace_json(&lines))?;
            } else {
                let mut text = Vec::new();
                render::logs::trace(&mut text, &lines)?;
                printer.data(&String::from_utf8_lossy(&text))?;
            }
            let services: std::collections::BTreeSet<&str> =
                lines.iter().map(|line| line.service.as_str()).collect();
            printer.info(&format!(
                "{} lines from {} services",
                lines.len(),
                services.len()
            ));
            Ok(if lines.is_empty() {
                Exit::OperationFailed
            } else {
                Exit::Success
            })
        }
        Some(LogsCommand::Collect(collect)) => {
            let request = ops::logs::collect::Request {
                output: collect.output.clone(),
                since: since_key(collect.since.as_deref())?,
                log_cap: collect.max_log_size * 1024 * 1024,
            };
            let bar = crate::progress::counter(printer.quiet || printer.json, "collecting");
            let bundle = ops::logs::collect::collect(catalog, &request, &|done, total| {
                bar.step(done, total)
            })
            .await;
            bar.finish();
            let bundle = bundle?;
            if printer.json {
                let mut text = serde_json::to_string_pretty(&bundle).unwrap_or_default();
                text.push('\n');
                printer.data(&text)?;
            } else {
                printer.data(&format!("{}\n", bundle.path.display()))?;
            }
            printer.info(&render::logs::bundle_summary(&bundle));
            Ok(Exit::Success)
        }
    }
}

/// Asks on a terminal; elsewhere only `--yes` confirms.
fn confirm(
    plan: &ops::upgrade::Plan,
    yes: bool,
    printer: Printer,
) -> Result<bool, crate::exit::Failure> {
    use std::io::{BufRead, IsTerminal, Write};
    printer.info(&render::upgrade::plan(plan));
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(crate::exit::Failure::usage(format!(
            "the {} changes files: confirm with --yes (the plan is above)",
            plan.kind
        ))
        .with_hint("nothing was changed"));
    }
    eprint!("Proceed with the {}? [y/N] ", plan.kind);
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

async fn upgrade(catalog: &Catalog, args: &UpgradeArgs, printer: Printer) -> anyhow::Result<Exit> {
    let request = ops::upgrade::Request {
        path: args.path.clone(),
        group: args.group.clone(),
        rollback: args.rollback,
        dry_run: args.dry_run,
        timeout: std::time::Duration::from_secs(args.timeout),
    };
    let interrupt = Interrupt::install(move |first| {
        if first {
            printer.warning(
                "interrupted: the upgrade stops at the next safe point and undoes what it did",
            );
        }
    });
    let progress: Box<dyn crate::ops::execute::Progress> = if printer.json {
        Box::new(crate::progress::Silent)
    } else {
        crate::progress::for_stderr(printer.quiet)
    };
    let yes = args.yes;
    let ask = |plan: &ops::upgrade::Plan| confirm(plan, yes, printer);
    let report = ops::upgrade::run(catalog, &request, &ask, &interrupt, progress.as_ref()).await?;
    if printer.json {
        printer.data(&render::upgrade::json(&report))?;
    } else {
        printer.data(&render::upgrade::outcome(&report, printer.style))?;
    }
    if let ops::upgrade::Report::RolledBack { plan, reason, .. } = &report {
        printer.error(&format!(
            "the {} of {} was rolled back: {reason}",
            plan.kind, plan.group
        ));
        printer.hint(&format!(
            "the previous files of {} are back and its services were started again",
            plan.live_dir.display()
        ));
    }
    if let ops::upgrade::Report::Declined(_) = &report {
        printer.info("nothing was changed");
    }
    Ok(report.exit())
}

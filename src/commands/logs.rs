//! `hmctl logs TARGET...` and its subcommands `grep`, `trace`, `collect`,
//! `stages`.

use crate::backend::Backends;
use crate::catalog::Catalog;
use crate::cli::{CollectArgs, GrepArgs, LogsArgs, LogsCommand, TraceArgs};
use crate::exit::{Exit, Failure};
use crate::ops;
use crate::ops::interrupt::Interrupt;
use crate::output::{ClosedPipe, Printer};
use crate::render;
use crate::settings::Settings;
use std::io::Write;

pub async fn run(
    catalog: &Catalog,
    settings: &Settings,
    args: &LogsArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    match &args.command {
        None => show(catalog, settings, args, printer).await,
        Some(LogsCommand::Stages) => {
            printer.data(&render::logs::stages(catalog, printer.style))?;
            Ok(Exit::Success)
        }
        Some(LogsCommand::Grep(grep_args)) => grep(catalog, settings, grep_args, printer).await,
        Some(LogsCommand::Trace(trace_args)) => trace(catalog, settings, trace_args, printer).await,
        Some(LogsCommand::Collect(collect_args)) => {
            collect(catalog, settings, collect_args, printer).await
        }
    }
}

/// `--since TIME` as the instant log lines are compared with.
fn since_time(since: Option<&str>) -> Result<Option<jiff::Timestamp>, Failure> {
    super::time_flag("--since", since)
}

/// Warns of the groups whose writers' zones are guesses.
fn warn_unasked(printer: Printer, unasked: &[String]) {
    for warning in unasked {
        printer.warning(warning);
        printer.hint(ops::logs::zones::UNASKED_HINT);
    }
}

/// The last lines of each TARGET's logs, and on with `--follow`.
async fn show(
    catalog: &Catalog,
    settings: &Settings,
    args: &LogsArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    let LogsArgs {
        targets,
        follow,
        lines,
        ..
    } = args;
    let interrupt = Interrupt::install(|_| {});
    let request = ops::logs::follow::Request {
        targets: targets.clone(),
        lines: *lines,
        follow: *follow,
    };
    let width = targets.iter().map(String::len).max().unwrap_or(0).max(12);
    let stdout = std::io::stdout();
    let mut emit = |line: &crate::log_files::tail::SourcedLine, prefixed: bool| {
        let mut out = stdout.lock();
        render::logs::line(&mut out, line, prefixed, width)
            .and_then(|()| out.flush())
            .is_ok()
    };
    let note = |text: &str| printer.info(text);
    ops::logs::follow::show(
        catalog,
        &request,
        &interrupt,
        &note,
        &mut emit,
        &Backends::connecting(settings, catalog),
    )
    .await?;
    Ok(Exit::Success)
}

/// `logs grep`: exit 0 when something matched, 1 when nothing did.
async fn grep(
    catalog: &Catalog,
    settings: &Settings,
    args: &GrepArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    let GrepArgs {
        pattern,
        stage,
        targets,
        context,
        since,
        fixed_strings,
        ignore_case,
    } = args;
    let query = crate::log_files::search::Query {
        pattern: pattern.clone(),
        fixed: *fixed_strings,
        ignore_case: *ignore_case,
        context: *context,
        since: since_time(since.as_deref())?,
    };
    // Check the pattern before choosing files, so a bad one is exit 2 at once.
    crate::log_files::search::matcher(&query).map_err(Failure::usage)?;
    let backends = Backends::connecting(settings, catalog);
    let mut selection = ops::logs::select::select(catalog, stage.as_deref(), targets, &backends)?;
    if query.since.is_some() {
        let unasked = ops::logs::zones::attach(catalog, &mut selection.files, &backends).await;
        warn_unasked(printer, &unasked);
    }
    for refused in &selection.refused {
        printer.warning(&format!(
            "skipped {}: it leads outside the group's log directories",
            refused.display()
        ));
    }
    let found = crate::log_files::search::search(&selection.files, &query, super::threads())
        .map_err(Failure::usage)?;
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
            crate::log_files::search::write_grep_form(&mut out, file).map_err(|_| ClosedPipe)?;
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

/// `logs trace ID`: exit 1 when no line mentions it.
async fn trace(
    catalog: &Catalog,
    settings: &Settings,
    args: &TraceArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    let (lines, unasked) = ops::logs::trace::trace(
        catalog,
        &args.id,
        super::threads(),
        &Backends::connecting(settings, catalog),
    )
    .await?;
    warn_unasked(printer, &unasked);
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

/// `logs collect`: one redacted support bundle.
async fn collect(
    catalog: &Catalog,
    settings: &Settings,
    args: &CollectArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    let CollectArgs {
        output,
        since,
        max_log_size,
        obfuscate,
    } = args;
    let request = ops::logs::collect::Request {
        output: output.clone(),
        since: since_time(since.as_deref())?,
        log_cap: max_log_size * 1024 * 1024,
        obfuscate: *obfuscate,
    };
    let bar = crate::progress::counter(printer.quiet || printer.json, "collecting");
    let bundle = ops::logs::collect::collect(
        catalog,
        settings,
        &request,
        &|done, total| bar.step(done, total),
        &Backends::connecting(settings, catalog),
    )
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
    if let Some(mapping) = &bundle.mapping {
        printer.info(&format!(
            "obfuscation mapping kept on this host, not in the bundle: {}",
            mapping.display()
        ));
    }
    Ok(Exit::Success)
}

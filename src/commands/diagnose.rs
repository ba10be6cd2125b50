//! `hmctl diagnose`: arguments → `ops::diagnose` → rendered report and exit code.

use crate::backend::Backends;
use crate::catalog::Catalog;
use crate::cli::DiagnoseArgs;
use crate::diagnose::{Request, run as diagnose, scan, window};
use crate::exit::Exit;
use crate::output::Printer;
use crate::render;
use crate::settings::Settings;

/// Runs the diagnosis and prints it; exit 0 nothing abnormal, 3 findings.
pub async fn run(
    catalog: &Catalog,
    settings: &Settings,
    args: &DiagnoseArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    let request = Request {
        stage: args.stage.clone(),
        words: args.words.clone(),
        id: args.id.clone(),
        window: window::Asked {
            at: args.at.clone(),
            since: args.since.clone(),
            until: args.until.clone(),
        },
        limits: scan::Limits {
            byte_budget: args.max_read.saturating_mul(1024 * 1024),
            threads: std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
        },
    };
    let report = diagnose(
        catalog,
        settings,
        &request,
        jiff::Zoned::now(),
        &Backends::connecting(settings, catalog),
    )
    .await?;
    let text = if printer.json {
        render::diagnose::json(&report)
    } else {
        render::diagnose::human(&report)
    };
    printer.data(&text)?;
    Ok(report.exit)
}

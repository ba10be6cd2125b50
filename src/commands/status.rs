//! `hmctl status [TARGET...]`.

use crate::backend::Backends;
use crate::catalog::Catalog;
use crate::cli::StatusArgs;
use crate::exit::Exit;
use crate::ops;
use crate::output::Printer;
use crate::render;
use crate::settings::Settings;

pub async fn run(
    catalog: &Catalog,
    settings: &Settings,
    args: &StatusArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    let StatusArgs { targets } = args;
    let report = ops::status::status(
        catalog,
        settings,
        targets,
        &Backends::connecting(settings, catalog),
    )
    .await?;
    let text = if printer.json {
        render::status::json(&report)
    } else {
        render::status::human(&report, printer.style, jiff::Timestamp::now())
    };
    printer.data(&text)?;
    super::report_errors(&printer, &report.errors, true);
    Ok(report.exit)
}

//! `hmctl status [TARGET...]`.

use crate::backend::Backends;
use crate::catalog::Catalog;
use crate::cli::StatusArgs;
use crate::exit::Exit;
use crate::ops;
use crate::output::Printer;
use crate::render;

pub async fn run(catalog: &Catalog, args: &StatusArgs, printer: Printer) -> anyhow::Result<Exit> {
    let StatusArgs { targets } = args;
    let report = ops::status::status(catalog, targets, &Backends::connecting()).await?;
    let text = if printer.json {
        render::status::json(&report)
    } else {
        render::status::human(&report, printer.style, jiff::Timestamp::now())
    };
    printer.data(&text)?;
    super::report_errors(&printer, &report.errors, true);
    Ok(report.exit)
}

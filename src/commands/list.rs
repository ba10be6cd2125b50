//! `hmctl list`.

use crate::backend::Backends;
use crate::catalog::Catalog;
use crate::exit::Exit;
use crate::ops;
use crate::output::Printer;
use crate::render;
use crate::settings::Settings;

pub async fn run(catalog: &Catalog, settings: &Settings, printer: Printer) -> anyhow::Result<Exit> {
    let listing = ops::list::list(catalog, &Backends::connecting(settings, catalog)).await?;
    let text = if printer.json {
        render::list::json(&listing)
    } else {
        render::list::human(&listing, printer.style)
    };
    printer.data(&text)?;
    super::report_errors(&printer, &listing.errors, false);
    Ok(Exit::Success)
}

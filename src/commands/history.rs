//! `hmctl history [TARGET...] [--since T] [--until T]`.

use crate::catalog::Catalog;
use crate::cli::HistoryArgs;
use crate::exit::Exit;
use crate::ops;
use crate::output::Printer;
use crate::render;
use crate::settings::Settings;

pub fn run(
    catalog: &Catalog,
    settings: &Settings,
    args: &HistoryArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    let HistoryArgs {
        targets,
        since,
        until,
    } = args;
    let request = ops::history::Request {
        since: super::time_flag("--since", since.as_deref())?,
        until: super::time_flag("--until", until.as_deref())?,
        targets: targets.clone(),
    };
    let history = ops::history::show(catalog, settings, &request)?;
    let now = jiff::Timestamp::now();
    let text = if printer.json {
        render::history::json(&history, now)
    } else {
        render::history::human(&history, printer.style, &jiff::tz::TimeZone::system(), now)
    };
    printer.data(&text)?;
    if history.skipped > 0 {
        printer.warning(&render::history::skipped(history.skipped));
    }
    Ok(Exit::Success)
}

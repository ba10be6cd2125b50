//! The `metrics` verb from parsed arguments to an exit code: print the
//! exposition, or write it for node_exporter's textfile collector.

use crate::backend::Backends;
use crate::catalog::Catalog;
use crate::cli::MetricsArgs;
use crate::exit::Exit;
use crate::ops::{metrics, textfile};
use crate::output::Printer;
use crate::render::metrics::{Scrape, exposition};
use crate::settings::Settings;

/// Exit 0 whenever the metrics were produced, daemons down included (that is
/// what `hmctl_backend_up` says); 1 when the textfile could not be written.
pub async fn run(
    catalog: &Catalog,
    settings: &Settings,
    args: &MetricsArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    let metrics::Scraped {
        report,
        duration,
        unrecorded,
    } = metrics::scrape(catalog, settings, &Backends::connecting(settings, catalog)).await?;
    if let Some(warning) = unrecorded {
        printer.warning(&warning);
        printer.hint(metrics::UNRECORDED_HINT);
    }
    let failed_daemons: Vec<&str> = report
        .errors
        .iter()
        .filter(|error| error.is_daemon())
        .map(|error| error.backend)
        .collect();
    let unread_groups: Vec<&str> = report
        .errors
        .iter()
        .filter_map(|error| error.group.as_deref())
        .collect();
    let text = exposition(&Scrape {
        services: &report.services,
        checks: &report.checks,
        failed_daemons: &failed_daemons,
        unread_groups: &unread_groups,
        duration,
        version: env!("CARGO_PKG_VERSION"),
        commit: env!("HMCTL_GIT_COMMIT"),
    });
    super::report_errors(&printer, &report.errors, false);
    match &args.textfile {
        None => printer.data(&text)?,
        Some(directory) => {
            let written =
                textfile::write_atomically(directory, textfile::FILE_NAME, text.as_bytes())?;
            printer.detail(&format!("wrote {}", written.display()));
        }
    }
    Ok(Exit::Success)
}

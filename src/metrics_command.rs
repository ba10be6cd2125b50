//! The `metrics` verb from parsed arguments to an exit code: print the
//! exposition, or write it for node_exporter's textfile collector. (Its own
//! file so the verb's wiring in `app` stays one line.)

use crate::catalog::Catalog;
use crate::cli::MetricsArgs;
use crate::exit::Exit;
use crate::ops::{metrics, textfile};
use crate::output::Printer;

/// Exit 0 whenever the metrics were produced, daemons down included (that is
/// what `hmctl_backend_up` says); 1 when the textfile could not be written.
pub async fn run(catalog: &Catalog, args: &MetricsArgs, printer: Printer) -> anyhow::Result<Exit> {
    let scraped = metrics::scrape(catalog).await?;
    for error in &scraped.errors {
        printer.warning(&error.message);
        if let Some(hint) = &error.hint {
            printer.hint(hint);
        }
    }
    match &args.textfile {
        None => printer.data(&scraped.text)?,
        Some(directory) => {
            let written = textfile::write_atomically(
                directory,
                textfile::FILE_NAME,
                scraped.text.as_bytes(),
            )?;
            printer.detail(&format!("wrote {}", written.display()));
        }
    }
    Ok(Exit::Success)
}

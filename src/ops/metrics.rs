//! `hmctl metrics`: the status snapshot (same daemons, same deadlines, same
//! host checks), timed, for rendering as Prometheus metrics. A daemon that
//! cannot be asked is a metric (`hmctl_backend_up 0`), not a failed scrape.
//! Each run also records what changed since the previous one
//! (`transitions`); a state directory that cannot be written is a warning,
//! never a failed scrape.

use super::status::{StatusReport, status_with_backends};
use crate::backend::Backends;
use crate::catalog::Catalog;
use crate::exit::Failure;
use crate::settings::Settings;
use std::time::{Duration, Instant};

/// One scrape: the status report and how long taking it took.
pub struct Scraped {
    pub report: StatusReport,
    pub duration: Duration,
    /// Why the transitions could not be recorded, for a warning.
    pub unrecorded: Option<String>,
}

/// Takes the snapshot of every present service and records its transitions.
pub async fn scrape(
    catalog: &Catalog,
    settings: &Settings,
    backends: &Backends,
) -> Result<Scraped, Failure> {
    let started = Instant::now();
    let (report, backends) = status_with_backends(catalog, settings, &[], backends).await?;
    let duration = started.elapsed();
    let recorded = super::transitions::record(
        &settings.state_dir,
        &report.services,
        &backends,
        jiff::Timestamp::now(),
        settings.daemon_timeout,
    )
    .await;
    Ok(Scraped {
        report,
        duration,
        unrecorded: recorded
            .err()
            .map(|(path, error)| unrecorded(&path, &error)),
    })
}

/// The hint that follows the warning of transitions not recorded.
pub const UNRECORDED_HINT: &str =
    "the state directory is root's: run hmctl metrics as root (the packages' timer does)";

/// The warning for transitions that could not be recorded.
pub fn unrecorded(path: &std::path::Path, error: &std::io::Error) -> String {
    format!(
        "cannot record the transitions in {}: {error}; the metrics were still produced",
        path.display()
    )
}

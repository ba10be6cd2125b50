//! `hmctl metrics`: the status snapshot (same daemons, same deadlines, same
//! host checks), timed, for rendering as Prometheus metrics. A daemon that
//! cannot be asked is a metric (`hmctl_backend_up 0`), not a failed scrape.

use super::status::{StatusReport, status};
use crate::catalog::Catalog;
use crate::exit::Failure;
use std::time::{Duration, Instant};

/// One scrape: the status report and how long taking it took.
pub struct Scraped {
    pub report: StatusReport,
    pub duration: Duration,
}

/// Takes the snapshot of every present service.
pub async fn scrape(catalog: &Catalog) -> Result<Scraped, Failure> {
    let started = Instant::now();
    let report = status(catalog, &[]).await?;
    Ok(Scraped {
        report,
        duration: started.elapsed(),
    })
}

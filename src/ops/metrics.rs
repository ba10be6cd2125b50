//! `hmctl metrics`: the status snapshot (same daemons, same deadlines, same
//! host checks) as Prometheus metrics. A daemon that cannot be asked is a
//! metric (`hmctl_backend_up 0`), not a failed scrape.

use super::status::{ErrorEntry, status};
use crate::catalog::Catalog;
use crate::exit::Failure;
use crate::render::metrics::{Scrape, exposition};
use std::time::Instant;

/// One scrape: the exposition text and the daemons' errors, for stderr.
pub struct Metrics {
    pub text: String,
    pub errors: Vec<ErrorEntry>,
}

/// Takes the snapshot of every present service and renders it.
pub async fn scrape(catalog: &Catalog) -> Result<Metrics, Failure> {
    let started = Instant::now();
    let report = status(catalog, &[], true).await?;
    let failed_daemons: Vec<&str> = report.errors.iter().map(|error| error.backend).collect();
    let text = exposition(&Scrape {
        services: &report.services,
        checks: &report.checks,
        failed_daemons: &failed_daemons,
        duration: started.elapsed(),
        version: env!("CARGO_PKG_VERSION"),
        commit: env!("HMCTL_GIT_COMMIT"),
    });
    Ok(Metrics {
        text,
        errors: report.errors,
    })
}

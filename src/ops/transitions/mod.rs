//! The transitions the metrics timer saw: each `hmctl metrics` run (the
//! packages' `hmctl-metrics.timer` runs it every minute with `--textfile`)
//! compares its snapshot with the previous one ([`saved`]) and appends one
//! record per service whose state or health changed or whose restart count
//! rose ([`compare`], [`record`]) to `transitions.jsonl`, a bounded file of
//! JSON lines in the state directory (root's alone, append-only, rotated,
//! read tolerant of a torn last line). This keeps a history when Docker's
//! event ring is lost with a dockerd restart and the journal is volatile.
//! Each record was observed at its snapshot's time, not the daemon's.
//! `hmctl events` reads it back with [`read`].

pub mod compare;
pub mod record;
pub mod saved;

use crate::backend::Backends;
use crate::model::ServiceStatus;
use crate::ops::bounded_lines::{self, LineFile};
use compare::{Row, changes, next_rows};
use jiff::Timestamp;
use record::{SCHEMA, Transition};
use saved::Saved;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The transitions' file and its rotated one.
pub const FILE: LineFile = LineFile {
    name: "transitions.jsonl",
    rotated: "transitions.jsonl.1",
};
/// The size past which the file is rotated.
pub const ROTATE_AT: u64 = 4 << 20;
/// How many of a dead service's last output lines a record keeps.
pub const LAST_LINES: usize = 10;
/// How many dead services' last lines one run asks for, at most.
const MAX_ASKED: usize = 8;

/// Reads the transitions in `state_dir`, oldest first, observed within
/// `since`..=`until` (either open). A missing file is none; a file that
/// cannot be read is an error naming it. Each record's `observed_at` is when
/// the metrics run that saw it took its snapshot, not when the daemon says
/// the change happened.
pub fn read(
    state_dir: &Path,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
) -> Result<bounded_lines::Reading<Transition>, (PathBuf, std::io::Error)> {
    let mut reading = FILE.read::<Transition>(state_dir)?;
    reading.records.retain(|transition| {
        since.is_none_or(|since| transition.observed_at >= since)
            && until.is_none_or(|until| transition.observed_at <= until)
    });
    Ok(reading)
}

/// Compares `services` (taken at `now`) with the previous snapshot in
/// `state_dir`, appends a record for each change — with the last lines of
/// each service that died, asked of `backends` within `timeout` — and keeps
/// this snapshot for the next run. Returns the transitions recorded; an error
/// names the file that could not be read or written (the scrape goes on).
pub async fn record(
    state_dir: &Path,
    services: &[ServiceStatus],
    backends: &Backends,
    now: Timestamp,
    timeout: Duration,
) -> Result<Vec<Transition>, (PathBuf, std::io::Error)> {
    let previous = saved::load(state_dir).map(|saved| saved.services);
    let mut found = previous
        .as_deref()
        .map(|previous| changes(previous, services, now))
        .unwrap_or_default();
    quote_last_lines(&mut found, services, backends, timeout).await;
    for transition in &found {
        FILE.append(state_dir, &transition.line(), ROTATE_AT)
            .map_err(|error| (FILE.path_in(state_dir), error))?;
    }
    let rows: Vec<Row> = next_rows(previous.as_deref().unwrap_or_default(), services);
    let snapshot = Saved {
        schema: SCHEMA,
        taken_at: now,
        services: rows,
    };
    saved::store(state_dir, &snapshot).map_err(|error| (saved::path_in(state_dir), error))?;
    Ok(found)
}

/// Asks the daemons, all at once and within `timeout`, for the last lines of
/// the services that died, secrets masked.
async fn quote_last_lines(
    found: &mut [Transition],
    services: &[ServiceStatus],
    backends: &Backends,
    timeout: Duration,
) {
    let deaths: Vec<(usize, &ServiceStatus)> = found
        .iter()
        .enumerate()
        .filter(|(_, transition)| transition.is_death())
        .filter_map(|(index, transition)| {
            services
                .iter()
                .find(|service| {
                    service.name == transition.service && service.group == transition.group
                })
                .map(|service| (index, service))
        })
        .take(MAX_ASKED)
        .collect();
    let asked = futures_util::future::join_all(deaths.iter().map(|(_, service)| async move {
        let backend = backends.reaching(&service.handle).ok()?;
        backend.details(&service.handle, timeout).await.ok()
    }));
    let answers = tokio::time::timeout(timeout, asked)
        .await
        .unwrap_or_default();
    for ((index, _), details) in deaths.iter().zip(answers) {
        let Some(details) = details else { continue };
        found[*index].last_lines = details
            .last_lines(LAST_LINES)
            .iter()
            .map(|line| crate::redact::redact(line).0)
            .collect();
    }
}

#[cfg(test)]
mod tests;

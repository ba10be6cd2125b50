//! `hmctl history`: every change hmctl made on this host — who, from where,
//! the command, the plan, each service's result, the exit code — recorded
//! before and after each run ([`recorder`]) in a root-only file ([`store`])
//! and the journal, and read back as runs ([`query`]).

pub mod actions;
pub mod origin;
pub mod query;
pub mod record;
pub mod recorder;
pub mod store;
pub mod system_journal;

use crate::catalog::Catalog;
use crate::exit::Failure;
use crate::settings::Settings;
use query::{Filter, Run};
use record::Touched;
use std::collections::BTreeSet;
use std::path::Path;

/// What the operator asked to see.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub since: Option<jiff::Timestamp>,
    pub until: Option<jiff::Timestamp>,
    pub targets: Vec<String>,
}

/// The runs to show, oldest first.
#[derive(Debug)]
pub struct History {
    pub runs: Vec<Run>,
    /// Lines of the file that could not be read (a torn last line).
    pub skipped: usize,
}

/// Reads the history (where the `settings` keep it) and keeps what
/// `request` asks for.
pub fn show(catalog: &Catalog, settings: &Settings, request: &Request) -> Result<History, Failure> {
    let (all, skipped) = all_runs(&settings.state_dir, &settings.lock_file)?;
    let filter = Filter {
        since: request.since,
        until: request.until,
        services: services_named(&request.targets, &all, catalog)?,
    };
    let now = jiff::Timestamp::now();
    Ok(History {
        runs: all
            .into_iter()
            .filter(|run| filter.keeps(run, now))
            .collect(),
        skipped,
    })
}

/// Every run the history in `state_dir` holds, oldest first (one holding
/// `lock_file` still running), and how many of its lines could not be read.
pub fn all_runs(state_dir: &Path, lock_file: &Path) -> Result<(Vec<Run>, usize), Failure> {
    let reading = store::read(state_dir).map_err(|(path, error)| unreadable(&path, &error))?;
    let holder = crate::ops::lock::holder(lock_file);
    Ok((query::runs(reading.records, holder), reading.skipped))
}

/// Why the history could not be read: exit 4 with a hint when only root may.
fn unreadable(path: &std::path::Path, error: &std::io::Error) -> Failure {
    Failure::of_private_file(
        error,
        format!("cannot read the history {}: {error}", path.display()),
        "the history is root's alone: run it with sudo",
    )
}

/// The service names `targets` mean, resolved like every verb's TARGET but
/// against the services the history touched as well as those the catalog
/// knows, so a service removed since is still found by its name.
fn services_named(
    targets: &[String],
    runs: &[Run],
    catalog: &Catalog,
) -> Result<Option<BTreeSet<String>>, Failure> {
    if targets.is_empty() {
        return Ok(None);
    }
    let mut known = query::touched(runs);
    for group in &catalog.groups {
        let units = group
            .units
            .iter()
            .map(|choice| crate::catalog::service_name_of_unit(choice.primary()).to_string());
        for name in group.known_services.iter().cloned().chain(units) {
            known.push(Touched {
                name,
                group: group.name.clone(),
                aliases: Vec::new(),
            });
        }
    }
    known.sort();
    known.dedup();
    let selected = crate::catalog::resolve(targets, &known, catalog)?;
    Ok(Some(
        selected
            .into_iter()
            .map(|index| known[index].name.clone())
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Exit;

    #[test]
    fn a_history_only_root_may_read_is_exit_4_with_a_hint() {
        let path = std::path::Path::new("/var/lib/hmctl/history.jsonl");
        let denied = unreadable(path, &std::io::Error::from_raw_os_error(13));
        assert_eq!(denied.exit, Exit::BackendUnavailable);
        assert_eq!(
            denied.message,
            "cannot read the history /var/lib/hmctl/history.jsonl: Permission denied (os error 13)"
        );
        assert_eq!(
            denied.hint.as_deref(),
            Some("the history is root's alone: run it with sudo")
        );
        let other = unreadable(path, &std::io::Error::from_raw_os_error(5));
        assert_eq!(other.exit, Exit::OperationFailed);
        assert_eq!(
            other.hint.as_deref(),
            Some("check that file and its directory (root's, 0600 and 0700), then run it again")
        );
    }
}

//! The plan of an upgrade or a rollback, made before anything changes: which
//! group, which top-level entries of its live directory are replaced, added,
//! restored or taken out, and which services stop and start around the swap.

use super::journal::{Kind, Swap};
use super::{Installing, Request, backup, package};
use crate::backend::Backends;
use crate::catalog::{Catalog, Group, module_of};
use crate::exit::Failure;
use crate::ops::inventory::group_inventory;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The plan, shown before anything changes.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub group: String,
    pub kind: Kind,
    pub source: PathBuf,
    pub live_dir: PathBuf,
    /// (entry, what happens to it)
    pub entries: Vec<(String, EntryAction)>,
    pub services: Vec<String>,
    pub files: u64,
    pub bytes: u64,
    /// Live entries the package does not ship: left alone.
    pub untouched: Vec<String>,
}

/// What an upgrade or a rollback does to one top-level entry of the live
/// directory, as the plan shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryAction {
    /// The package's entry takes the place of the live one.
    Replace,
    /// The entry is new.
    Add,
    /// A backup's entry takes the place of the live one (rollback).
    Restore,
    /// A live entry the backed-up version did not have leaves (rollback).
    #[serde(rename = "take out")]
    TakeOut,
}

impl EntryAction {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryAction::Replace => "replace",
            EntryAction::Add => "add",
            EntryAction::Restore => "restore",
            EntryAction::TakeOut => "take out",
        }
    }

    /// The rename that carries it out.
    pub(super) fn swap(self) -> Swap {
        match self {
            EntryAction::Replace | EntryAction::Restore => Swap::Exchange,
            EntryAction::Add => Swap::Insert,
            EntryAction::TakeOut => Swap::Remove,
        }
    }
}

impl std::fmt::Display for EntryAction {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.pad(self.as_str())
    }
}

/// The group to upgrade: `--group`, else the only present group with an upgrade_dir.
fn choose_group<'a>(catalog: &'a Catalog, requested: Option<&str>) -> Result<&'a Group, Failure> {
    let candidates: Vec<&Group> = catalog
        .present_groups()
        .into_iter()
        .filter(|group| group.upgrade_dir.is_some())
        .collect();
    match requested {
        Some(name) => {
            let group = catalog.group(name).ok_or_else(|| {
                Failure::usage(format!("unknown group {name:?}"))
                    .with_hint("`hmctl list` shows the groups")
            })?;
            if !group.is_present() {
                return Err(Failure::usage(format!(
                    "group {name} is not present on this host ({})",
                    group.presence_rule()
                )));
            }
            if group.upgrade_dir.is_none() {
                return Err(Failure::usage(format!("group {name} has no upgrade_dir"))
                    .with_hint("set upgrade_dir in hmctl.toml"));
            }
            Ok(group)
        }
        None => match candidates.as_slice() {
            [one] => Ok(one),
            [] => Err(Failure::usage(
                "no group present on this host can be upgraded (none has an upgrade_dir)",
            )),
            many => Err(Failure::usage(format!(
                "several groups can be upgraded here ({}): choose one with --group",
                many.iter()
                    .map(|group| group.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        },
    }
}

/// The services an entry affects: a module's services (`porter` → porter-api,
/// porter-migration), else — an entry hmctl cannot map — every service of the group.
pub fn affected_services(entries: &[String], services: &[String]) -> Vec<String> {
    let mut affected: Vec<String> = Vec::new();
    for entry in entries {
        let module = entry.trim_end_matches(".service");
        let mapped: Vec<&String> = services
            .iter()
            .filter(|service| module_of(service) == module || service.as_str() == module)
            .collect();
        if mapped.is_empty() {
            return services.to_vec();
        }
        for service in mapped {
            if !affected.contains(service) {
                affected.push(service.clone());
            }
        }
    }
    services
        .iter()
        .filter(|service| affected.contains(service))
        .cloned()
        .collect()
}

/// Whether a live entry is there, a link counting as itself (even dangling).
fn present(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

fn live_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|entry| entry.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn group_services(
    catalog: &Catalog,
    group: &Group,
    backends: &Backends,
) -> Result<Vec<String>, Failure> {
    Ok(group_inventory(catalog, group, backends)?
        .into_iter()
        .filter(|entry| entry.group == group.name)
        .map(|entry| entry.name)
        .collect())
}

/// Plans an upgrade from a package.
fn plan_upgrade(
    catalog: &Catalog,
    group: &Group,
    path: &Path,
    backends: &Backends,
) -> Result<(Plan, package::Package), Failure> {
    let live_dir = group.upgrade_dir.clone().unwrap_or_default();
    if !live_dir.is_dir() {
        return Err(Failure::usage(format!(
            "the upgrade directory {} of group {} does not exist",
            live_dir.display(),
            group.name
        )));
    }
    let checked = package::check(path, &live_dir)?;
    let names: Vec<String> = checked
        .entries
        .iter()
        .map(|(name, _)| name.clone())
        .collect();
    let entries = names
        .iter()
        .map(|name| {
            (
                name.clone(),
                if present(&live_dir.join(name)) {
                    EntryAction::Replace
                } else {
                    EntryAction::Add
                },
            )
        })
        .collect();
    let untouched = live_names(&live_dir)
        .into_iter()
        .filter(|name| !names.contains(name))
        .collect();
    let plan = Plan {
        group: group.name.clone(),
        kind: Kind::Upgrade,
        source: checked.root.clone(),
        services: affected_services(&names, &group_services(catalog, group, backends)?),
        live_dir,
        entries,
        files: checked.files,
        bytes: checked.bytes,
        untouched,
    };
    Ok((plan, checked))
}

/// Plans a rollback to the newest backup.
fn plan_rollback(catalog: &Catalog, group: &Group, backends: &Backends) -> Result<Plan, Failure> {
    let live_dir = group.upgrade_dir.clone().unwrap_or_default();
    let root = backup::backup_root(&live_dir, &group.name);
    let Some(newest) = backup::rollback_target(&root) else {
        return Err(Failure::usage(format!(
            "group {} has no backup to roll back to (looked in {})",
            group.name,
            root.display()
        ))
        .with_hint("a backup is kept by each successful `hmctl upgrade` (the last 2)"));
    };
    let note = backup::read_note(&newest);
    let mut entries: Vec<(String, EntryAction)> = live_names(&newest)
        .into_iter()
        .filter(|name| name != backup::NOTE)
        .map(|name| {
            let action = if present(&live_dir.join(&name)) {
                EntryAction::Restore
            } else {
                EntryAction::Add
            };
            (name, action)
        })
        .collect();
    for name in &note.remove_on_restore {
        if present(&live_dir.join(name)) {
            entries.push((name.clone(), EntryAction::TakeOut));
        }
    }
    let names: Vec<String> = entries.iter().map(|(name, _)| name.clone()).collect();
    let untouched = live_names(&live_dir)
        .into_iter()
        .filter(|name| !names.contains(name))
        .collect();
    Ok(Plan {
        group: group.name.clone(),
        kind: Kind::Rollback,
        source: newest,
        services: affected_services(&names, &group_services(catalog, group, backends)?),
        live_dir,
        entries,
        files: 0,
        bytes: 0,
        untouched,
    })
}

/// Makes the plan for the request; `backends` reads what the group installs.
pub fn plan(catalog: &Catalog, request: &Request, backends: &Backends) -> Result<Plan, Failure> {
    let group = choose_group(catalog, request.group.as_deref())?;
    match &request.installing {
        Installing::Rollback => plan_rollback(catalog, group, backends),
        Installing::Package(path) => Ok(plan_upgrade(catalog, group, path, backends)?.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn module_entries_affect_their_services_and_others_the_group() {
        let services = names(&["mysql", "porter-api", "porter-migration", "unicloud-engine"]);
        assert_eq!(
            affected_services(&names(&["porter"]), &services),
            names(&["porter-api", "porter-migration"])
        );
        assert_eq!(
            affected_services(&names(&["unicloud", "porter"]), &services),
            names(&["porter-api", "porter-migration", "unicloud-engine"])
        );
        assert_eq!(
            affected_services(&names(&["common-libs"]), &services),
            services
        );
        let units = names(&["s3block", "watchman", "hyper_exporter"]);
        assert_eq!(
            affected_services(&names(&["s3block"]), &units),
            names(&["s3block"])
        );
    }
}

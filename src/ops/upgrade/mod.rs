//! `hmctl upgrade PATH` and `hmctl upgrade --rollback`: replace a group's
//! program files (the console's venvs, the sync proxy's hamal-venv, a gateway's
//! or agent's program directory) so that the group is never seen half-changed:
//! check the package, print the plan, ask, stage a copy beside the live
//! directory, stop the affected services, swap every entry in atomically, start
//! and wait for health — or swap everything back. The replaced version is kept
//! (the last 2). A crash at any point is finished or undone by the next run.

pub mod backup;
pub mod journal;
pub mod package;
pub mod recover;
pub mod stage;
pub mod swap;
pub mod transaction;

use crate::catalog::{Catalog, Group, module_of};
use crate::exit::{Exit, Failure};
use crate::ops::execute::{Progress, StepResult};
use crate::ops::interrupt::Interrupt;
use crate::ops::inventory::inventory;
use journal::{EntryPlan, Kind, Swap};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use transaction::Ending;

/// What the operator asked for.
#[derive(Debug, Clone)]
pub struct Request {
    /// The package (absent for a rollback).
    pub path: Option<PathBuf>,
    pub group: Option<String>,
    pub rollback: bool,
    pub dry_run: bool,
    pub timeout: Duration,
}

/// The plan, shown before anything changes.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub group: String,
    pub kind: &'static str,
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
    fn swap(self) -> Swap {
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

/// What happened.
#[derive(Debug)]
pub enum Report {
    Planned(Plan),
    Declined(Plan),
    Upgraded {
        plan: Plan,
        backup: PathBuf,
        results: Vec<StepResult>,
    },
    RolledBack {
        plan: Plan,
        reason: String,
        results: Vec<StepResult>,
    },
}

impl Report {
    pub fn exit(&self) -> Exit {
        match self {
            Report::Planned(_) | Report::Upgraded { .. } => Exit::Success,
            Report::Declined(_) => Exit::Usage,
            Report::RolledBack { .. } => Exit::OperationFailed,
        }
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

fn group_services(catalog: &Catalog, group: &Group) -> Result<Vec<String>, Failure> {
    Ok(inventory(catalog)?
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
                if live_dir.join(name).exists() {
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
        kind: "upgrade",
        source: checked.root.clone(),
        services: affected_services(&names, &group_services(catalog, group)?),
        live_dir,
        entries,
        files: checked.files,
        bytes: checked.bytes,
        untouched,
    };
    Ok((plan, checked))
}

/// Plans a rollback to the newest backup.
fn plan_rollback(catalog: &Catalog, group: &Group) -> Result<Plan, Failure> {
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
            let action = if live_dir.join(&name).exists() {
                EntryAction::Restore
            } else {
                EntryAction::Add
            };
            (name, action)
        })
        .collect();
    for name in &note.remove_on_restore {
        if live_dir.join(name).exists() {
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
        kind: "rollback",
        source: newest,
        services: affected_services(&names, &group_services(catalog, group)?),
        live_dir,
        entries,
        files: 0,
        bytes: 0,
        untouched,
    })
}

/// Makes the plan for the request.
pub fn plan(catalog: &Catalog, request: &Request) -> Result<Plan, Failure> {
    let group = choose_group(catalog, request.group.as_deref())?;
    if request.rollback {
        if request.path.is_some() {
            return Err(Failure::usage("--rollback takes no PATH"));
        }
        return plan_rollback(catalog, group);
    }
    let path = request.path.as_deref().ok_or_else(|| {
        Failure::usage("upgrade needs the PATH of the extracted package (or --rollback)")
    })?;
    Ok(plan_upgrade(catalog, group, path)?.0)
}

/// Runs the request. `confirm` is asked with the plan before anything changes.
pub async fn run(
    catalog: &Catalog,
    request: &Request,
    confirm: &dyn Fn(&Plan) -> Result<bool, Failure>,
    interrupt: &Interrupt,
    progress: &dyn Progress,
) -> Result<Report, Failure> {
    let _lock = crate::ops::lifecycle::lock_unless_dry_run(request.dry_run)?;
    let plan = plan(catalog, request)?;
    if request.dry_run {
        return Ok(Report::Planned(plan));
    }
    if !confirm(&plan)? {
        return Ok(Report::Declined(plan));
    }
    let stage_dir = if request.rollback {
        plan.source.clone()
    } else {
        backup::stage_dir(&plan.live_dir, &plan.group)
    };
    let kind = if request.rollback {
        Kind::Rollback
    } else {
        Kind::Upgrade
    };
    let mut journal = transaction::journal(
        &plan.group,
        kind,
        plan.source.clone(),
        plan.live_dir.clone(),
        stage_dir.clone(),
        Vec::new(),
        plan.services.clone(),
    );
    if !request.rollback {
        stage::remove_tree(&stage_dir).map_err(|error| {
            Failure::new(
                Exit::OperationFailed,
                format!("cannot clear {}: {error}", stage_dir.display()),
            )
        })?;
        journal.save().map_err(|error| {
            Failure::new(
                Exit::OperationFailed,
                format!("cannot write the upgrade journal: {error}"),
            )
        })?;
        let source = plan.source.clone();
        let target = stage_dir.clone();
        let copying = interrupt.clone();
        let staged =
            tokio::task::spawn_blocking(move || stage::copy_tree(&source, &target, &copying))
                .await
                .map_err(|error| {
                    Failure::new(Exit::OperationFailed, format!("staging stopped: {error}"))
                })?;
        if let Err(error) = staged {
            transaction::abandon(&journal);
            let message = match error {
                stage::StageError::Interrupted => {
                    "interrupted while staging the package; nothing was changed".to_string()
                }
                stage::StageError::Io(error) => format!(
                    "cannot stage the package beside {}: {error}; nothing was changed and no staging file was left",
                    plan.live_dir.display()
                ),
            };
            return Err(Failure::new(Exit::OperationFailed, message));
        }
        transaction::pause_point("staged");
    }
    journal.entries = plan
        .entries
        .iter()
        .map(|(name, action)| swap::plan_entry(name, action.swap(), &plan.live_dir, &stage_dir))
        .collect::<Vec<EntryPlan>>();
    journal.save().map_err(|error| {
        Failure::new(
            Exit::OperationFailed,
            format!("cannot write the upgrade journal: {error}"),
        )
    })?;
    match transaction::run(catalog, journal, request.timeout, interrupt, progress).await? {
        Ending::Committed { backup, results } => Ok(Report::Upgraded {
            plan,
            backup,
            results,
        }),
        Ending::RolledBack { reason, results } => Ok(Report::RolledBack {
            plan,
            reason,
            results,
        }),
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

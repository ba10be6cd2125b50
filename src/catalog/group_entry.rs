//! A `[[group]]` entry of `hmctl.toml`: its keys, and how it creates a group
//! the built-in catalog does not have or overrides the fields of one it has,
//! refusing relative paths, hostile names and a group without its services.

use super::name::validate_name;
use super::{Group, UnitChoice, is_clean_absolute};
use crate::model::BackendKind;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GroupEntry {
    pub(super) name: String,
    backend: Option<BackendKind>,
    project: Option<String>,
    files: Option<Vec<PathBuf>>,
    units: Option<Vec<UnitEntry>>,
    log_dir: Option<PathBuf>,
    config_dir: Option<PathBuf>,
    program_dir: Option<PathBuf>,
    ports: Option<Vec<u16>>,
    upgrade_dir: Option<PathBuf>,
    present_if: Option<Vec<PathBuf>>,
    /// Read by `config_file`, which checks the name.
    pub(super) log_timezone: Option<String>,
}

/// A unit, or a list of alternative unit names for one service.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum UnitEntry {
    One(String),
    Alternatives(Vec<String>),
}

/// A group the built-in catalog does not have: its backend must be given.
pub(super) fn new_group(entry: &GroupEntry) -> Result<Group, String> {
    let backend = entry.backend.ok_or_else(|| {
        let choices: Vec<String> = BackendKind::ALL
            .iter()
            .map(|kind| format!("`backend = \"{}\"`", kind.as_str()))
            .collect();
        format!("a new group needs {}", choices.join(" or "))
    })?;
    Ok(Group {
        name: entry.name.clone(),
        backend,
        project: None,
        files: Vec::new(),
        units: Vec::new(),
        log_dir: None,
        config_dir: None,
        program_dir: None,
        ports: Vec::new(),
        upgrade_dir: None,
        present_if: Vec::new(),
        known_services: Vec::new(),
        first_services: Vec::new(),
        log_layout: backend.default_log_layout(),
        log_timezone: None,
    })
}

/// Overrides `group`'s fields with those the entry sets. The entry is taken
/// apart field by field: a key added to it is not silently ignored here.
pub(super) fn apply(mut group: Group, entry: GroupEntry) -> Result<Group, String> {
    let GroupEntry {
        name,
        backend,
        project,
        files,
        units,
        log_dir,
        config_dir,
        program_dir,
        ports,
        upgrade_dir,
        present_if,
        // Checked and set by `config_file`, which names it in its errors.
        log_timezone: _,
    } = entry;
    if let Some(backend) = backend {
        switch_backend(&mut group, backend);
    }
    if let Some(project) = project {
        validate_name(&project)
            .map_err(|why| format!("group {name:?} project {project:?}: {why}"))?;
        group.project = Some(project);
    }
    if let Some(files) = files {
        check_paths(&name, "files", &files)?;
        group.files = files;
    }
    if let Some(units) = units {
        group.units = units
            .into_iter()
            .map(|unit| unit_choice(&name, unit))
            .collect::<Result<Vec<_>, _>>()?;
    }
    for (key, value, slot) in [
        ("log_dir", log_dir, &mut group.log_dir),
        ("config_dir", config_dir, &mut group.config_dir),
        ("program_dir", program_dir, &mut group.program_dir),
        ("upgrade_dir", upgrade_dir, &mut group.upgrade_dir),
    ] {
        if let Some(path) = value {
            check_path(&name, key, &path)?;
            *slot = Some(path);
        }
    }
    if let Some(ports) = ports {
        group.ports = ports;
    }
    if let Some(present_if) = present_if {
        check_paths(&name, "present_if", &present_if)?;
        group.present_if = present_if;
    }
    check_needs(group, &name)
}

/// Sets the group's backend; another kind than the built-in one starts from
/// nothing: the old kind's services, files, units and project do not carry over.
fn switch_backend(group: &mut Group, backend: BackendKind) {
    if backend != group.backend {
        group.known_services.clear();
        group.first_services.clear();
        group.files.clear();
        group.units.clear();
        group.project = None;
        group.log_layout = backend.default_log_layout();
    }
    group.backend = backend;
}

/// Refuses a path of the group's `key` that is relative or climbs with `..`.
fn check_path(name: &str, key: &str, path: &Path) -> Result<(), String> {
    if is_clean_absolute(path) {
        Ok(())
    } else {
        Err(format!(
            "group {name:?} {key}: {} must be an absolute path without `..`",
            path.display()
        ))
    }
}

/// [`check_path`] for each path of a list key.
fn check_paths(name: &str, key: &str, paths: &[PathBuf]) -> Result<(), String> {
    paths
        .iter()
        .try_for_each(|path| check_path(name, key, path))
}

/// One `units` entry as the unit names it may have (`.service` added where
/// missing), each checked; an empty list of alternatives is refused.
fn unit_choice(name: &str, unit: UnitEntry) -> Result<UnitChoice, String> {
    let alternatives = match unit {
        UnitEntry::One(unit) => vec![unit],
        UnitEntry::Alternatives(list) => list,
    };
    if alternatives.is_empty() {
        return Err(format!(
            "group {name:?} units: an empty list of alternatives"
        ));
    }
    alternatives
        .into_iter()
        .map(|unit| {
            let unit = if unit.ends_with(".service") {
                unit
            } else {
                format!("{unit}.service")
            };
            validate_name(&unit)
                .map(|()| unit.clone())
                .map_err(|why| format!("group {name:?} unit {unit:?}: {why}"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|alternatives| UnitChoice { alternatives })
}

/// The group, unless its backend needs a key (`project`, `files`, `units`) it lacks.
fn check_needs(group: Group, name: &str) -> Result<Group, String> {
    match group
        .backend
        .needs()
        .iter()
        .find(|key| !group.names_by(**key))
    {
        Some(key) => Err(format!(
            "group {name:?}: a {} group needs `{}`",
            group.backend.as_str(),
            key.as_str()
        )),
        None => Ok(group),
    }
}

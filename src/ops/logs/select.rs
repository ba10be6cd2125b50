//! Which log files a command reads: those of a stage (the troubleshooting
//! guide's table, high-priority services first), those of the TARGETs, or
//! every file under each present group's `log_dir`.

use crate::catalog::{Catalog, Group, LogSource, by_priority, resolve, stage};
use crate::exit::Failure;
use crate::log_files::files::{LogFile, all_files, allowed_roots, files_of_source, service_files};
use crate::model::Named;
use crate::ops::inventory::{Entry, inventory};

/// The files chosen, and the paths refused because they lead outside their roots.
#[derive(Debug, Default)]
pub struct Selection {
    pub files: Vec<LogFile>,
    pub refused: Vec<std::path::PathBuf>,
}

impl Selection {
    fn add(&mut self, files: Vec<LogFile>, refused: Vec<std::path::PathBuf>) {
        for file in files {
            if !self.files.iter().any(|known| known.path == file.path) {
                self.files.push(file);
            }
        }
        self.refused.extend(refused);
    }
}

fn stage_files(
    catalog: &Catalog,
    entries: &[Entry],
    name: &str,
    selection: &mut Selection,
) -> Result<(), Failure> {
    let Some(stage) = stage(name) else {
        let names: Vec<&str> = crate::catalog::STAGES
            .iter()
            .map(|stage| stage.name)
            .collect();
        return Err(
            Failure::usage(format!("unknown stage {name:?}")).with_hint(format!(
                "the stages are: {} (`hmctl logs stages` shows their logs)",
                names.join(", ")
            )),
        );
    };
    for wanted in by_priority(stage) {
        let Some(group) = catalog
            .group(wanted.group)
            .filter(|group| group.is_present())
        else {
            continue;
        };
        let services: Vec<String> = match wanted.service {
            Some(service) => vec![service.to_string()],
            None => {
                let members: Vec<String> = entries
                    .iter()
                    .filter(|entry| entry.group == group.name)
                    .map(|entry| entry.name.clone())
                    .collect();
                if members.is_empty() {
                    vec![group.name.clone()]
                } else {
                    members
                }
            }
        };
        if wanted.log_files.is_empty() {
            for service in &services {
                let (files, refused) = service_files(catalog, group, service, true);
                selection.add(files, refused);
            }
        } else {
            selection.add(
                named_files(catalog, group, wanted.log_files, &services[0]),
                Vec::new(),
            );
        }
    }
    Ok(())
}

/// Files a stage names directly, relative to the group's log_dir.
fn named_files(catalog: &Catalog, group: &Group, patterns: &[&str], service: &str) -> Vec<LogFile> {
    let Some(log_dir) = &group.log_dir else {
        return Vec::new();
    };
    let roots = allowed_roots(catalog, group, &[]);
    let mut files = Vec::new();
    for pattern in patterns {
        let source = if pattern.contains('*') {
            LogSource::Pattern {
                dir: log_dir.clone(),
                pattern: (*pattern).to_string(),
            }
        } else {
            LogSource::File(log_dir.join(pattern))
        };
        files.extend(files_of_source(&source, group, service, &roots, true).0);
    }
    files
}

/// The files of a stage, of TARGETs, or (neither) of every present group.
pub fn select(
    catalog: &Catalog,
    stage: Option<&str>,
    targets: &[String],
    backends: &crate::backend::Backends,
) -> Result<Selection, Failure> {
    let entries = inventory(catalog, backends);
    let mut selection = Selection::default();
    if let Some(name) = stage {
        stage_files(catalog, &entries, name, &mut selection)?;
    }
    if !targets.is_empty() {
        for index in resolve(targets, &entries, catalog)? {
            let entry = &entries[index];
            if let Some(group) = catalog.group(entry.group()) {
                let (files, refused) = service_files(catalog, group, entry.name(), true);
                selection.add(files, refused);
            }
        }
    }
    if stage.is_none() && targets.is_empty() {
        for group in catalog.present_groups() {
            let mut claims = Vec::new();
            let mut outside = Vec::new();
            for entry in entries.iter().filter(|entry| entry.group == group.name) {
                let (files, refused) = service_files(catalog, group, &entry.name, true);
                claims.extend(files);
                outside.extend(refused);
            }
            selection.add(all_files(group, &claims), outside);
            // Files named for a service outside the log_dir (the exporter's log).
            selection.add(claims, Vec::new());
        }
    }
    Ok(selection)
}

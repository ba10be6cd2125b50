//! What is installed on this host, from files alone: the services the present
//! groups' compose files declare (plus the catalog's names for them) and the
//! units of the systemd groups. The log commands resolve TARGETs against it,
//! so reading a log never waits on a daemon.

use crate::catalog::{BackendKind, Catalog, Group, Named, service_name_of_unit};
use crate::compose::read_project;
use crate::exit::Failure;

/// One service an operator may name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub group: String,
    pub backend: BackendKind,
    /// Unit names for systemd services (the alternatives).
    pub units: Vec<String>,
    aliases: Vec<String>,
}

impl Named for Entry {
    fn name(&self) -> &str {
        &self.name
    }
    fn group(&self) -> &str {
        &self.group
    }
    fn aliases(&self) -> &[String] {
        &self.aliases
    }
}

fn compose_entries(group: &Group) -> Result<Vec<Entry>, Failure> {
    let files: Vec<_> = group
        .files
        .iter()
        .filter(|file| file.exists())
        .cloned()
        .collect();
    let project = read_project(&files).map_err(|error| Failure::usage(error.to_string()))?;
    // Without its compose files, a group still has the services the guides name.
    let names: Vec<String> = if files.is_empty() {
        group.known_services.clone()
    } else {
        project
            .services
            .iter()
            .map(|service| service.name.clone())
            .collect()
    };
    Ok(names
        .into_iter()
        .map(|name| Entry {
            name,
            group: group.name.clone(),
            backend: BackendKind::Compose,
            units: Vec::new(),
            aliases: Vec::new(),
        })
        .collect())
}

fn unit_entries(group: &Group, seen: &mut Vec<String>) -> Vec<Entry> {
    let mut entries = Vec::new();
    for choice in &group.units {
        if choice.alternatives.iter().any(|unit| seen.contains(unit)) {
            continue;
        }
        seen.extend(choice.alternatives.iter().cloned());
        entries.push(Entry {
            name: service_name_of_unit(choice.primary()).to_string(),
            group: group.name.clone(),
            backend: BackendKind::Systemd,
            units: choice.alternatives.clone(),
            aliases: choice
                .alternatives
                .iter()
                .flat_map(|unit| [unit.clone(), service_name_of_unit(unit).to_string()])
                .collect(),
        });
    }
    entries
}

/// Every service of every present group.
pub fn inventory(catalog: &Catalog) -> Result<Vec<Entry>, Failure> {
    let mut entries = Vec::new();
    let mut seen_units = Vec::new();
    for group in catalog.present_groups() {
        match group.backend {
            BackendKind::Compose => entries.extend(compose_entries(group)?),
            BackendKind::Systemd => entries.extend(unit_entries(group, &mut seen_units)),
        }
    }
    Ok(entries)
}

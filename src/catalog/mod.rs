//! The catalog: every group of services hmctl knows about on any HyperBDR /
//! HyperMotion host, resolved from the built-in knowledge of the O&M and
//! troubleshooting guides plus `/etc/hmctl/hmctl.toml`.
//!
//! Everything else asks the catalog what exists, where its files are and which
//! names an operator may type; nothing else hard-codes a path or a service name.

mod builtin;
mod config_file;
mod group_entry;
mod host_init;
mod log_zone;
mod logs;
mod name;
mod stages;
mod target;
pub mod windows_agent;

pub use builtin::MODULES;
pub use config_file::{MAX_SETTLE_SECONDS, load, parse as parse_config};
pub use host_init::{InitSystem, Probes as InitProbes, fit_to_host};
pub use logs::{LogSource, log_sources};
pub use name::validate_name;
pub use stages::{STAGES, Stage, StageService, by_priority, stage};
pub use target::resolve;

pub use crate::model::LogLayout;
use crate::model::{BackendKind, GroupKey};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One systemd service that may be installed under alternative unit names
/// (`hyper_exporter.service` or `hyper-exporter-agent.service`): whichever is
/// present is the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitChoice {
    pub alternatives: Vec<String>,
}

impl UnitChoice {
    pub fn single(unit: &str) -> Self {
        UnitChoice {
            alternatives: vec![unit.to_string()],
        }
    }

    /// The unit named first, used when none of the alternatives is installed.
    pub fn primary(&self) -> &str {
        &self.alternatives[0]
    }
}

/// The service name of a unit: the unit name without `.service`.
pub fn service_name_of_unit(unit: &str) -> &str {
    unit.strip_suffix(".service").unwrap_or(unit)
}

/// A group of services that are installed together on one kind of host.
#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub backend: BackendKind,
    /// The compose project label (compose groups).
    pub project: Option<String>,
    /// The compose files (compose groups).
    pub files: Vec<PathBuf>,
    /// The units (systemd groups), in the catalog's start order.
    pub units: Vec<UnitChoice>,
    pub log_dir: Option<PathBuf>,
    pub config_dir: Option<PathBuf>,
    pub program_dir: Option<PathBuf>,
    pub ports: Vec<u16>,
    pub upgrade_dir: Option<PathBuf>,
    /// The group is present when any of these paths exists; empty means always.
    pub present_if: Vec<PathBuf>,
    /// Service names the guides name for this group, in catalog order, known
    /// even when the group's compose files are absent.
    pub known_services: Vec<String>,
    /// Services that start before every other service of the group
    /// (the middleware of the console), in catalog order.
    pub first_services: Vec<String>,
    /// Where a service's log files are when `[service.NAME] logs` does not say.
    pub log_layout: LogLayout,
    /// The zone its services write log times in (`log_timezone`), when the
    /// operator said; else each writer's own (see `ops::logs::zones`).
    pub log_timezone: Option<jiff::tz::TimeZone>,
}

impl Group {
    /// Whether the group names its services by `key` (has a value for it).
    pub fn names_by(&self, key: GroupKey) -> bool {
        match key {
            GroupKey::Project => self.project.is_some(),
            GroupKey::Files => !self.files.is_empty(),
            GroupKey::Units => !self.units.is_empty(),
        }
    }

    /// Whether this group is installed on this host.
    pub fn is_present(&self) -> bool {
        self.present_if.is_empty() || self.present_if.iter().any(|path| path.exists())
    }

    /// The group's compose files that exist on this host, in catalog order.
    pub fn existing_files(&self) -> Vec<PathBuf> {
        self.files
            .iter()
            .filter(|file| file.exists())
            .cloned()
            .collect()
    }

    /// The paths whose absence makes the group not present, for messages.
    pub fn presence_rule(&self) -> String {
        if self.present_if.is_empty() {
            return "always present".to_string();
        }
        let paths: Vec<String> = self
            .present_if
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        format!("present when {} exists", paths.join(" or "))
    }
}

/// The module of a service name, as the troubleshooting guide uses it:
/// the part before the first `-` (`atomy-unicloud` → `atomy`).
pub fn module_of(service: &str) -> &str {
    service.split('-').next().unwrap_or(service)
}

/// Per-service settings from `[service.NAME]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceSettings {
    /// Explicit log files (absolute paths; `*` allowed in the file name).
    pub logs: Option<Vec<String>>,
    /// Seconds a stop may take before the service is killed.
    pub stop_timeout: Option<u64>,
    /// Services (of the same group) that must be running before this one starts.
    pub depends_on: Vec<String>,
    /// How long it must stay up after a start before the start is done.
    pub settle: Option<std::time::Duration>,
    /// The zone it writes log times in (`log_timezone`), over its group's.
    pub log_timezone: Option<jiff::tz::TimeZone>,
}

/// The resolved catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub groups: Vec<Group>,
    pub services: BTreeMap<String, ServiceSettings>,
    /// The configuration file that was read, if any.
    pub source: Option<PathBuf>,
}

impl Catalog {
    /// The built-in catalog alone, as on a host without `/etc/hmctl/hmctl.toml`.
    pub fn builtin() -> Catalog {
        Catalog {
            groups: builtin::groups(),
            services: builtin::service_settings(),
            source: None,
        }
    }

    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|group| group.name == name)
    }

    /// The groups installed on this host, in catalog order.
    pub fn present_groups(&self) -> Vec<&Group> {
        self.groups
            .iter()
            .filter(|group| group.is_present())
            .collect()
    }

    pub fn settings(&self, service: &str) -> Option<&ServiceSettings> {
        self.services.get(service)
    }

    /// The zone the operator says `service` of `group` writes its log times
    /// in: its own `log_timezone`, else its group's.
    pub fn log_timezone<'a>(
        &'a self,
        group: &'a Group,
        service: &str,
    ) -> Option<&'a jiff::tz::TimeZone> {
        self.settings(service)
            .and_then(|settings| settings.log_timezone.as_ref())
            .or(group.log_timezone.as_ref())
    }
}

/// Whether `path` is absolute and free of `..`, as every path in the catalog must be.
pub fn is_clean_absolute(path: &Path) -> bool {
    path.is_absolute()
        && path
            .components()
            .all(|component| !matches!(component, std::path::Component::ParentDir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_are_the_first_word() {
        assert_eq!(module_of("porter-api"), "porter");
        assert_eq!(module_of("atomy-unicloud"), "atomy");
        assert_eq!(module_of("mysql"), "mysql");
    }

    #[test]
    fn unit_service_names_drop_the_suffix() {
        assert_eq!(service_name_of_unit("s3block.service"), "s3block");
        assert_eq!(service_name_of_unit("watchman"), "watchman");
    }

    #[test]
    fn no_group_is_present_on_a_bare_host_except_by_its_paths() {
        for group in Catalog::builtin().groups {
            assert!(
                !group.present_if.is_empty(),
                "{} must have a presence rule",
                group.name
            );
        }
    }
}

//! The built-in catalog: the four groups of a HyperBDR / HyperMotion deployment
//! as the O&M guide (`shared/seeds/001_*`), the sync proxy guide (`003_*`) and
//! the troubleshooting guide (`000_*`) describe them.

use super::{Group, LogLayout, ServiceSettings, UnitChoice};
use crate::model::BackendKind;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The internal module names of the troubleshooting guide's "Module-to-Log
/// Mapping"; a module name as a TARGET means every service named after it.
pub const MODULES: &[&str] = &[
    "proxy",
    "oneway",
    "storplus",
    "atomy",
    "unicloud",
    "mistral",
    "porter",
    "ant",
    "crab",
    "owl",
    "newmuse",
    "supervisor",
    "hamal",
    "egisplus",
    "s3block",
    "watchman",
    "minitgt",
];

/// The console's middleware (MariaDB, Redis, RabbitMQ, InfluxDB): started before
/// every other console service, stopped after them.
const CONSOLE_MIDDLEWARE: &[&str] = &["mysql", "mariadb", "redis", "rabbitmq", "influxdb"];

/// Console services the troubleshooting guide names, by module.
const CONSOLE_SERVICES: &[&str] = &[
    "proxy-api",
    "proxy-engine",
    "storplus-api",
    "storplus-migration",
    "storplus-engine",
    "unicloud-api",
    "unicloud-engine",
    "atomy-unicloud",
    "atomy-obstor",
    "atomy-s3block",
    "mistral-server",
    "porter-api",
    "porter-migration",
    "owl-api",
    "owl-engine",
];

fn paths(list: &[&str]) -> Vec<PathBuf> {
    list.iter().map(PathBuf::from).collect()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|name| (*name).to_string()).collect()
}

/// The four built-in groups, one per host role.
pub fn groups() -> Vec<Group> {
    vec![console(), sync_proxy(), agent(), gateway()]
}

/// The console: the O&M guide's Docker Compose project `production`.
fn console() -> Group {
    let mut known_services = names(CONSOLE_MIDDLEWARE);
    known_services.extend(names(CONSOLE_SERVICES));
    Group {
        name: "console".into(),
        backend: BackendKind::Compose,
        project: Some("production".into()),
        files: paths(&[
            "/opt/installer/production/docker-compose-hyperbdr.yml",
            "/opt/installer/production/docker-compose-hypermotion.yml",
        ]),
        units: Vec::new(),
        log_dir: Some("/opt/installer/production/logs".into()),
        config_dir: Some("/opt/installer/production/config".into()),
        program_dir: Some("/opt/installer".into()),
        ports: vec![10443],
        upgrade_dir: Some("/opt/installer/production/venvs".into()),
        present_if: paths(&["/opt/installer/production"]),
        known_services,
        first_services: names(CONSOLE_MIDDLEWARE),
        log_layout: LogLayout::ModuleDirectories,
        log_timezone: None,
    }
}

/// The sync proxy: the hamal Compose project of the sync proxy guide.
fn sync_proxy() -> Group {
    Group {
        name: "sync-proxy".into(),
        backend: BackendKind::Compose,
        project: Some("hamal".into()),
        files: paths(&["/opt/hamal/docker-compose-hamal.yaml"]),
        units: Vec::new(),
        log_dir: Some("/var/log/hamal".into()),
        config_dir: Some("/etc/hamal".into()),
        program_dir: Some("/opt/hamal".into()),
        ports: Vec::new(),
        upgrade_dir: Some("/opt/hamal/hamal-venv".into()),
        present_if: paths(&["/opt/hamal"]),
        known_services: names(&["hamal"]),
        first_services: Vec::new(),
        // The sync proxy guide: every hamal container writes these files.
        log_layout: LogLayout::Files(names(&[
            "hamal-period.log",
            "hamal-period-subprocess.log",
            "vm-*.log",
        ])),
        log_timezone: None,
    }
}

/// The Linux agent on a source server (the O&M guide): systemd units.
fn agent() -> Group {
    Group {
        name: "agent".into(),
        backend: BackendKind::Systemd,
        project: None,
        files: Vec::new(),
        units: vec![
            UnitChoice::single("egisplus-agent.service"),
            UnitChoice {
                alternatives: names(&["hyper_exporter.service", "hyper-exporter-agent.service"]),
            },
        ],
        log_dir: Some("/var/log/egisplus-agent".into()),
        config_dir: Some("/var/lib/egisplus-agent".into()),
        program_dir: Some("/var/lib/egisplus-agent".into()),
        ports: Vec::new(),
        upgrade_dir: Some("/var/lib/egisplus-agent".into()),
        present_if: paths(&["/var/lib/egisplus-agent"]),
        known_services: Vec::new(),
        first_services: Vec::new(),
        log_layout: LogLayout::DatedPerUnit,
        log_timezone: None,
    }
}

/// The Cloud Sync Gateway (the O&M guide): systemd units.
fn gateway() -> Group {
    Group {
        name: "gateway".into(),
        backend: BackendKind::Systemd,
        project: None,
        files: Vec::new(),
        units: vec![
            UnitChoice::single("s3block.service"),
            UnitChoice::single("watchman.service"),
            UnitChoice::single("hyper_exporter.service"),
        ],
        log_dir: Some("/var/log/sgateway".into()),
        config_dir: Some("/var/lib/sgateway/config".into()),
        program_dir: Some("/var/lib/sgateway".into()),
        ports: Vec::new(),
        upgrade_dir: Some("/var/lib/sgateway".into()),
        present_if: paths(&["/var/lib/sgateway"]),
        known_services: Vec::new(),
        first_services: Vec::new(),
        log_layout: LogLayout::DatedPerUnit,
        log_timezone: None,
    }
}

/// Built-in per-service settings: the log files the guides name for services
/// whose logs do not follow their group's default layout, and the catalog's
/// dependencies between units.
pub fn service_settings() -> BTreeMap<String, ServiceSettings> {
    let mut settings = BTreeMap::new();
    let logs = |list: &[&str]| ServiceSettings {
        logs: Some(names(list)),
        ..ServiceSettings::default()
    };
    settings.insert(
        "egisplus-agent".to_string(),
        logs(&[
            "/var/log/egisplus-agent/linux_agent.log",
            "/var/log/egisplus-agent/agent-syncer.log",
            "/var/log/egisplus-agent/agent-syncer-panic.log",
        ]),
    );
    let exporter = logs(&["/var/log/hyper_exporter/hyperexporter.log"]);
    settings.insert("hyper_exporter".to_string(), exporter.clone());
    settings.insert("hyper-exporter-agent".to_string(), exporter);
    // watchman watches s3block: bring s3block up first, take it down last.
    settings.insert(
        "watchman".to_string(),
        ServiceSettings {
            depends_on: names(&["s3block"]),
            ..ServiceSettings::default()
        },
    );
    settings
}

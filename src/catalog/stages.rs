//! The troubleshooting guide's "Logs to Check by Execution Stage" table, built
//! in: which services' logs to read when a given stage failed, high-priority
//! ones first. `hmctl logs grep --stage S` and `hmctl logs stages` read it.
//! The rows of the Windows agent are kept apart: their logs are on the
//! Windows host, named for the operator, never read here.

/// One row of the stage table: a group's service and, where the guide names
/// them, the specific log files that matter for this stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageService {
    pub group: &'static str,
    /// The service; `None` means every service of the group.
    pub service: Option<&'static str>,
    /// File names relative to the group's `log_dir` (`*` allowed); empty means
    /// the service's own log files.
    pub log_files: &'static [&'static str],
    pub high_priority: bool,
}

use super::windows_agent::{EXPORTER_LOG, INSTALL_LOG, PROGRAM_LOG, WindowsLog};

/// An execution stage.
#[derive(Debug, Clone, Copy)]
pub struct Stage {
    pub name: &'static str,
    pub description: &'static str,
    pub services: &'static [StageService],
    /// The Windows agent's logs that matter for this stage (all of high
    /// priority in the guide), on the Windows host.
    pub windows: &'static [WindowsLog],
}

const fn console(service: &'static str, high_priority: bool) -> StageService {
    StageService {
        group: "console",
        service: Some(service),
        log_files: &[],
        high_priority,
    }
}

const LINUX_AGENT: StageService = StageService {
    group: "agent",
    service: Some("egisplus-agent"),
    log_files: &[],
    high_priority: true,
};

const SYNC_PROXY_PERIOD: StageService = StageService {
    group: "sync-proxy",
    service: None,
    log_files: &["hamal-period.log"],
    high_priority: true,
};

const SYNC_PROXY_VM: StageService = StageService {
    group: "sync-proxy",
    service: None,
    log_files: &["vm-*.log"],
    high_priority: true,
};

/// The stages, in the guide's order.
pub const STAGES: &[Stage] = &[
    Stage {
        name: "install",
        description: "Install & registration (Linux / Windows agent, sync proxy)",
        services: &[
            LINUX_AGENT,
            SYNC_PROXY_PERIOD,
            console("proxy-api", false),
            console("porter-api", false),
        ],
        windows: &[INSTALL_LOG, PROGRAM_LOG],
    },
    Stage {
        name: "image-build-block",
        description: "Gateway / transitional host image build (block storage)",
        services: &[
            console("storplus-api", false),
            console("storplus-migration", false),
            console("unicloud-api", false),
            console("unicloud-engine", true),
            console("mistral-server", true),
            console("atomy-unicloud", false),
        ],
        windows: &[],
    },
    Stage {
        name: "image-build-object",
        description: "Gateway / transitional host image build (object storage)",
        services: &[
            console("storplus-api", false),
            console("unicloud-api", false),
            console("unicloud-engine", true),
            console("atomy-unicloud", false),
            console("mistral-server", true),
        ],
        windows: &[],
    },
    Stage {
        name: "image-build-general",
        description: "Gateway / transitional host image build (general)",
        services: &[
            console("storplus-api", false),
            console("storplus-engine", true),
        ],
        windows: &[],
    },
    Stage {
        name: "sync-block",
        description: "Data sync (block storage)",
        services: &[
            console("porter-migration", false),
            console("storplus-engine", false),
            console("unicloud-engine", false),
            console("atomy-s3block", false),
            console("proxy-engine", true),
            console("proxy-api", false),
            SYNC_PROXY_VM,
            LINUX_AGENT,
        ],
        windows: &[PROGRAM_LOG],
    },
    Stage {
        name: "sync-object",
        description: "Data sync (object storage)",
        services: &[
            console("porter-migration", false),
            console("storplus-api", false),
            console("proxy-engine", true),
            console("proxy-api", false),
            SYNC_PROXY_VM,
            LINUX_AGENT,
        ],
        windows: &[PROGRAM_LOG],
    },
    Stage {
        name: "boot-block",
        description: "Host boot (block storage)",
        services: &[
            console("porter-api", false),
            console("porter-migration", false),
            console("storplus-api", false),
            console("unicloud-api", false),
            console("unicloud-engine", true),
            console("atomy-unicloud", true),
            console("mistral-server", false),
        ],
        windows: &[],
    },
    Stage {
        name: "boot-object",
        description: "Host boot (object storage)",
        services: &[
            console("porter-api", false),
            console("porter-migration", false),
            console("storplus-api", false),
            console("unicloud-api", false),
            console("unicloud-engine", true),
            console("atomy-obstor", true),
            console("atomy-unicloud", true),
            console("mistral-server", false),
        ],
        windows: &[],
    },
    Stage {
        name: "cleanup",
        description: "Host cleanup",
        services: &[
            SYNC_PROXY_VM,
            console("proxy-engine", true),
            console("proxy-api", false),
            console("porter-migration", false),
            console("storplus-engine", false),
            console("unicloud-engine", true),
            console("atomy-unicloud", false),
        ],
        windows: &[],
    },
    Stage {
        name: "monitoring",
        description: "Monitoring & alerting flow",
        services: &[
            StageService {
                group: "agent",
                service: Some("hyper_exporter"),
                log_files: &[],
                high_priority: true,
            },
            StageService {
                group: "agent",
                service: Some("hyper-exporter-agent"),
                log_files: &[],
                high_priority: true,
            },
            console("owl-api", false),
            console("owl-engine", true),
        ],
        windows: &[EXPORTER_LOG],
    },
];

/// The stage of that name.
pub fn stage(name: &str) -> Option<&'static Stage> {
    STAGES.iter().find(|stage| stage.name == name)
}

/// A stage's services, high-priority ones first (the guide's advice), keeping
/// the guide's order otherwise.
pub fn by_priority(stage: &Stage) -> Vec<StageService> {
    let mut services = stage.services.to_vec();
    services.sort_by_key(|service| !service.high_priority);
    services
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_stages_are_all_there() {
        let names: Vec<&str> = STAGES.iter().map(|stage| stage.name).collect();
        assert_eq!(
            names,
            [
                "install",
                "image-build-block",
                "image-build-object",
                "image-build-general",
                "sync-block",
                "sync-object",
                "boot-block",
                "boot-object",
                "cleanup",
                "monitoring"
            ]
        );
    }

    #[test]
    fn high_priority_services_come_first() {
        let boot = stage("boot-object").unwrap();
        let ordered = by_priority(boot);
        let first_low = ordered
            .iter()
            .position(|service| !service.high_priority)
            .unwrap();
        assert!(
            ordered[..first_low]
                .iter()
                .all(|service| service.high_priority)
        );
        assert!(
            ordered[first_low..]
                .iter()
                .all(|service| !service.high_priority)
        );
        assert_eq!(ordered[0].service, Some("unicloud-engine"));
    }

    #[test]
    fn the_windows_agent_is_in_the_guides_stages() {
        let windows: Vec<(&str, Vec<&str>)> = STAGES
            .iter()
            .filter(|stage| !stage.windows.is_empty())
            .map(|stage| {
                let files = stage.windows.iter().map(|log| log.file).collect();
                (stage.name, files)
            })
            .collect();
        assert_eq!(
            windows,
            [
                (
                    "install",
                    vec![
                        r"log\PreInstallation-<YYYY-MM-DD>.log",
                        r"log\DSAgent-<YYYY-MM-DD>.log"
                    ]
                ),
                ("sync-block", vec![r"log\DSAgent-<YYYY-MM-DD>.log"]),
                ("sync-object", vec![r"log\DSAgent-<YYYY-MM-DD>.log"]),
                ("monitoring", vec![r"hyper_exporter\hyper_exporter.log"]),
            ]
        );
    }
}

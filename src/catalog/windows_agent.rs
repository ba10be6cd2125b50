//! The Windows agent, named: its services and log files live on the Windows
//! host it protects, never on the host hmctl runs on. The O&M guide
//! ("Windows Agent Operations Maintenance") and the troubleshooting guide's
//! stage table name them; hmctl shows them so that an operator on the console
//! knows where to look, and has no state of them and controls nothing there.

/// Where the agent installs by default; the guide: "the actual path depends
/// on your installation choice".
pub const INSTALL_DIR: &str = r"C:\Program Files (x86)\DiskSync-Agent";

/// The name `list` and `logs stages` give the Windows agent's services as a group.
pub const GROUP: &str = "windows-agent";

/// Where they are, as `list`, `logs stages` and `diagnose` say it.
pub const WHERE: &str = "on the Windows host";

/// What an operator uses there instead of hmctl.
pub const CONTROL: &str = "the Services console (services.msc) of the Windows host";

/// One log file of a Windows service, relative to [`INSTALL_DIR`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowsLog {
    pub service: &'static str,
    pub file: &'static str,
}

impl WindowsLog {
    /// The full path on the Windows host.
    pub fn path(&self) -> String {
        format!(r"{INSTALL_DIR}\{}", self.file)
    }
}

/// The agent's program log, one file a day.
pub const PROGRAM_LOG: WindowsLog = WindowsLog {
    service: "DiskSync-Agent",
    file: r"log\DSAgent-<YYYY-MM-DD>.log",
};

/// The agent's install log, one file a day.
pub const INSTALL_LOG: WindowsLog = WindowsLog {
    service: "DiskSync-Agent",
    file: r"log\PreInstallation-<YYYY-MM-DD>.log",
};

/// The monitoring exporter's log.
pub const EXPORTER_LOG: WindowsLog = WindowsLog {
    service: "hp_exporter_service",
    file: r"hyper_exporter\hyper_exporter.log",
};

/// Every log file, by service, in the guide's order.
pub const LOGS: &[WindowsLog] = &[PROGRAM_LOG, INSTALL_LOG, EXPORTER_LOG];

/// The Windows services, in the guide's order.
pub fn services() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for log in LOGS {
        if !names.contains(&log.service) {
            names.push(log.service);
        }
    }
    names
}

/// The log files of one Windows service, as full paths.
pub fn log_paths(service: &str) -> Vec<String> {
    LOGS.iter()
        .filter(|log| log.service == service)
        .map(WindowsLog::path)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guides_paths_are_whole() {
        assert_eq!(services(), ["DiskSync-Agent", "hp_exporter_service"]);
        assert_eq!(
            log_paths("DiskSync-Agent"),
            [
                r"C:\Program Files (x86)\DiskSync-Agent\log\DSAgent-<YYYY-MM-DD>.log",
                r"C:\Program Files (x86)\DiskSync-Agent\log\PreInstallation-<YYYY-MM-DD>.log",
            ]
        );
        assert_eq!(
            log_paths("hp_exporter_service"),
            [r"C:\Program Files (x86)\DiskSync-Agent\hyper_exporter\hyper_exporter.log"]
        );
    }
}

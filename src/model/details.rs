//! What Docker or systemd can say about a service that is not well, beyond
//! its status line: the health-check runs Docker keeps (up to five), the exit
//! code, an OOM kill, the restart count; a unit's `Result`, exit status and
//! its last journal lines. `diagnose` shows it under the state of each
//! unhealthy service; each backend fills it in its own way.

use serde::Serialize;

/// One health-check run, as Docker recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthRun {
    pub end: Option<String>,
    pub exit_code: i64,
    pub output: String,
}

/// When Docker runs a container's health check: until the first check after
/// the start period, a `starting` health is normal, not a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HealthCheckTiming {
    /// Between two checks (Docker's default: 30 s).
    pub interval_seconds: u64,
    /// During which failed checks do not count (Docker's default: 0).
    pub start_period_seconds: u64,
}

impl HealthCheckTiming {
    /// How long after its start a container may still say `starting`
    /// without anything being wrong: the start period, or the first check.
    pub fn grace_seconds(self) -> u64 {
        self.start_period_seconds.max(self.interval_seconds)
    }
}

/// The details of one service that is not well.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Details {
    /// Docker's last health-check runs, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub health_checks: Vec<HealthRun>,
    /// When Docker runs the health check, for a container that has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_timing: Option<HealthCheckTiming>,
    pub oom_killed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restarts: Option<u64>,
    /// Docker's `State.Error`, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// systemd's `Service.Result` (`exit-code`, `signal`, `timeout`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// Whether systemd starts the unit at boot (`UnitFileState`): `false`
    /// for a disabled or masked unit, unknown for a static one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The unit's last journal lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub journal: Vec<String>,
    /// The container's last output lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub output: Vec<String>,
}

impl Details {
    /// The service's last `count` lines: the unit's journal — the program's
    /// own, systemd's lines about it only when it wrote none — or the
    /// container's last output.
    pub fn last_lines(&self, count: usize) -> Vec<String> {
        let lines: &[String] = if self.journal.is_empty() {
            &self.output
        } else {
            &self.journal
        };
        let own: Vec<&String> = lines
            .iter()
            .filter(|line| !line.contains(" systemd[1]: "))
            .collect();
        let chosen: Vec<&String> = if own.is_empty() {
            lines.iter().collect()
        } else {
            own
        };
        chosen
            .iter()
            .rev()
            .take(count)
            .rev()
            .map(|line| line.trim().to_string())
            .collect()
    }
}

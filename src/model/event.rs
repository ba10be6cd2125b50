//! What happened to a service, and who says so: the timeline of `hmctl
//! events` is made of these. The backends turn their daemons' words (Docker's
//! events and container states, systemd's journal messages) into them, `ops`
//! adds hmctl's own history and merges the lot, so they live on the ground
//! floor where every layer can name them.

use jiff::Timestamp;
use serde::Serialize;

/// What happened, in hmctl's words whichever daemon said it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "what", rename_all = "kebab-case")]
pub enum Happening {
    /// The service's process (container, main process) started.
    Started,
    /// It exited by itself with `code`.
    Exited { code: i64 },
    /// It was sent `signal` (Docker's kill) or died of it (a unit's main process).
    Killed { signal: String },
    /// The kernel's OOM killer killed it (its memory limit was reached).
    Oom,
    /// Its health check's verdict changed (`from` is the verdict before, when known).
    Health {
        #[serde(skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        to: String,
    },
    /// It was restarted: by its daemon's restart policy (`count`: the restarts so far) or on request.
    Restarted {
        #[serde(skip_serializing_if = "Option::is_none")]
        count: Option<u64>,
    },
    /// It was stopped.
    Stopped,
    /// It failed, with the daemon's `result` (`exit-code`, `signal`, `start-job-failed`).
    Failed { result: String },
    /// An operator changed it through hmctl: `verb` by `user` from `via`, with `result`.
    OperatorAction {
        verb: String,
        user: String,
        via: String,
        result: String,
    },
}

impl Happening {
    /// Happenings two sources may both report of one moment: a container's
    /// state repeats what Docker's event stream already said.
    pub fn class(&self) -> &'static str {
        match self {
            Happening::Started | Happening::Restarted { .. } => "start",
            Happening::Exited { .. } | Happening::Killed { .. } => "end",
            Happening::Oom => "oom",
            Happening::Health { .. } => "health",
            Happening::Stopped => "stop",
            Happening::Failed { .. } => "failed",
            Happening::OperatorAction { .. } => "operator",
        }
    }
}

/// Who said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventSource {
    /// Docker's event stream (a bounded ring in dockerd's memory).
    DockerEvents,
    /// A container's last start and finish, from its state (kept across a dockerd restart).
    ContainerState,
    /// systemd's messages on a unit in the journal.
    Journal,
    /// hmctl's own history of changes.
    HmctlHistory,
    /// Transitions the metrics timer saw between two snapshots, observed at
    /// the snapshot's time (the recorder is its own change; its records are
    /// turned into events by `ops::events::metrics_timer`).
    MetricsTimer,
}

impl EventSource {
    pub fn as_str(self) -> &'static str {
        match self {
            EventSource::DockerEvents => "docker-events",
            EventSource::ContainerState => "container-state",
            EventSource::Journal => "journal",
            EventSource::HmctlHistory => "hmctl-history",
            EventSource::MetricsTimer => "metrics-timer",
        }
    }
}

/// One happening of one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceEvent {
    pub time: Timestamp,
    pub group: String,
    pub service: String,
    #[serde(flatten)]
    pub happening: Happening,
    pub source: EventSource,
}

/// A signal's name (`SIGKILL`) from its number as daemons give it (`9`);
/// a name given already is kept, an unknown number stays a number.
pub fn signal_name(signal: &str) -> String {
    const NAMES: [(&str, &str); 12] = [
        ("1", "SIGHUP"),
        ("2", "SIGINT"),
        ("3", "SIGQUIT"),
        ("4", "SIGILL"),
        ("6", "SIGABRT"),
        ("7", "SIGBUS"),
        ("8", "SIGFPE"),
        ("9", "SIGKILL"),
        ("10", "SIGUSR1"),
        ("11", "SIGSEGV"),
        ("12", "SIGUSR2"),
        ("15", "SIGTERM"),
    ];
    let signal = signal.trim();
    if let Some((_, name)) = NAMES.iter().find(|(number, _)| *number == signal) {
        return (*name).to_string();
    }
    if signal.starts_with("SIG") || signal.parse::<u32>().is_ok() {
        return signal.to_string();
    }
    format!("SIG{signal}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_are_named_as_an_operator_knows_them() {
        assert_eq!(signal_name("9"), "SIGKILL");
        assert_eq!(signal_name("15"), "SIGTERM");
        assert_eq!(signal_name("KILL"), "SIGKILL");
        assert_eq!(signal_name("SIGTERM"), "SIGTERM");
        assert_eq!(signal_name("64"), "64");
    }

    #[test]
    fn an_event_is_flat_json_with_its_source() {
        let event = ServiceEvent {
            time: "2026-12-04T10:00:00Z".parse().unwrap(),
            group: "console".into(),
            service: "porter-api".into(),
            happening: Happening::Exited { code: 137 },
            source: EventSource::DockerEvents,
        };
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"time":"2026-12-04T10:00:00Z","group":"console","service":"porter-api","what":"exited","code":137,"source":"docker-events"}"#
        );
    }
}

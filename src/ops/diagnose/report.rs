//! The data `hmctl diagnose` hands to rendering: the same content for people
//! and for `--json` (schema 1), in the guide's order — state, errors, chains,
//! verdict — with what reading cost.

use super::chain::Chain;
use super::rules::Side;
use super::scan::Cost;
use super::signature::Level;
use super::window::Window;
use crate::exit::Exit;
use crate::model::Details;
use crate::model::ServiceStatus;
use serde::Serialize;

/// What was asked for.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Scope {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
}

/// One service that matters, as its backend sees it now: its status as
/// `hmctl status` reads it, and the details of one that is not ok.
#[derive(Debug, Clone)]
pub struct ServiceState {
    pub status: ServiceStatus,
    /// What Docker or systemd says beyond the status line (only for a
    /// service that is not ok).
    pub details: Option<Details>,
}

/// In `--json`: the status's fields but `backend`, `since` and `pid`
/// (`status --json` has those), then the details when there are any.
impl Serialize for ServiceState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let status = &self.status;
        let mut fields = serializer.serialize_struct("ServiceState", 9)?;
        fields.serialize_field("name", &status.name)?;
        fields.serialize_field("group", &status.group)?;
        fields.serialize_field("state", &status.state)?;
        fields.serialize_field("health", &status.health)?;
        fields.serialize_field("ok", &status.ok)?;
        fields.serialize_field("detail", &status.detail)?;
        fields.serialize_field("restarts", &status.restarts)?;
        fields.serialize_field("exit_code", &status.exit_code)?;
        match &self.details {
            Some(details) => fields.serialize_field("details", details)?,
            None => fields.skip_field("details")?,
        }
        fields.end()
    }
}

/// The guide's verdict on one finding, and what to do next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub side: Side,
    /// The rule of `rules.toml` that decided (or `service-down` for a state).
    pub rule: String,
    pub cause: String,
    pub advice: String,
    /// The next command to run.
    pub next: String,
}

/// Where a finding comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A service is not running or not healthy.
    State,
    /// Error lines in the window.
    Logs,
}

/// One abnormal thing: a service's state, or one error signature.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub source: Source,
    pub signature: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    pub count: u64,
    /// When its lines were written (a state finding has none).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub seen: Option<Seen>,
    pub services: Vec<String>,
    /// The first line as written, and where.
    pub sample: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub request_ids: Vec<String>,
    pub verdict: Verdict,
    /// The rule's rank: a lower one decides the summary.
    #[serde(skip)]
    pub rank: usize,
}

/// When a signature's lines were written: the first and the last, to the
/// millisecond.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Seen {
    pub first: String,
    pub last: String,
}

impl Finding {
    /// When its first line was written; a state finding sorts first.
    pub fn first_seen(&self) -> Option<&str> {
        self.seen.as_ref().map(|seen| seen.first.as_str())
    }
}

/// The answer in one place: which service failed first, and the verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_failing_service: Option<String>,
    /// One service failed, or a failure passed across several.
    pub cross_service: bool,
    pub side: Side,
    pub rule: String,
    pub cause: String,
    pub advice: String,
    pub next: String,
}

/// The whole `diagnose` answer (`--json` schema 1).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: u32,
    pub host: String,
    pub scope: Scope,
    pub window: Window,
    pub ok: bool,
    pub services: Vec<ServiceState>,
    pub findings: Vec<Finding>,
    /// Error signatures in the window left out because they do not concern
    /// the `--id` / KEYWORD.
    pub unrelated_signatures: usize,
    pub chains: Vec<Chain>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    pub cost: Cost,
    /// What could not be asked or read (a daemon down, a file unreadable).
    pub notes: Vec<String>,
    #[serde(skip)]
    pub exit: Exit,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BackendKind, Handle, Observation, State};

    fn status() -> ServiceStatus {
        ServiceStatus::new(
            "porter-api",
            "console",
            Handle::new(BackendKind::Systemd, "porter-api.service"),
            Observation {
                state: State::Exited,
                restarts: Some(2),
                exit_code: Some(1),
                pid: Some(42),
                since: Some(jiff::Timestamp::UNIX_EPOCH),
                ..Observation::missing("exited (1)")
            },
        )
    }

    fn finding(seen: Option<Seen>) -> Finding {
        Finding {
            source: Source::Logs,
            signature: "connection refused".into(),
            level: Some(Level::Error),
            count: 2,
            seen,
            services: vec!["porter-api".into()],
            sample: "ERROR connection refused".into(),
            location: None,
            request_ids: Vec::new(),
            verdict: Verdict {
                side: Side::Product,
                rule: "unclassified".into(),
                cause: "c".into(),
                advice: "a".into(),
                next: "n".into(),
            },
            rank: 0,
        }
    }

    /// `first` and `last` stand between `count` and `services`, both or
    /// neither.
    #[test]
    fn a_finding_is_written_in_the_reports_shape() {
        let head =
            r#"{"source":"logs","signature":"connection refused","level":"error","count":2,"#;
        let tail = concat!(
            r#""services":["porter-api"],"sample":"ERROR connection refused","request_ids":[],"#,
            r#""verdict":{"side":"product","rule":"unclassified","cause":"c","advice":"a","next":"n"}}"#
        );
        let seen = Seen {
            first: "2025-09-18 16:24:31.123".into(),
            last: "2025-09-18 16:25:00.000".into(),
        };
        assert_eq!(
            serde_json::to_string(&finding(Some(seen))).unwrap(),
            format!(
                r#"{head}"first":"2025-09-18 16:24:31.123","last":"2025-09-18 16:25:00.000",{tail}"#
            )
        );
        assert_eq!(
            serde_json::to_string(&finding(None)).unwrap(),
            format!("{head}{tail}")
        );
    }

    /// The state of a service in `diagnose --json`: the status's fields but
    /// `backend`, `since` and `pid`, in this order, then the details if any.
    #[test]
    fn a_service_state_is_written_in_the_reports_shape() {
        let mut state = ServiceState {
            status: status(),
            details: None,
        };
        let plain = concat!(
            r#"{"name":"porter-api","group":"console","state":"exited","health":"none","#,
            r#""ok":false,"detail":"exited (1)","restarts":2,"exit_code":1"#,
        );
        assert_eq!(serde_json::to_string(&state).unwrap(), format!("{plain}}}"));
        state.details = Some(Details {
            oom_killed: true,
            ..Details::default()
        });
        assert_eq!(
            serde_json::to_string(&state).unwrap(),
            format!(r#"{plain},"details":{{"oom_killed":true}}}}"#)
        );
    }
}

//! The data `hmctl diagnose` hands to rendering: the same content for people
//! and for `--json` (schema 1) — the verdict, the findings grouped by cause
//! (each symptom pointing at the cause it fails through), state, chains — with
//! what reading cost.

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
    /// The next command to run; none when no hmctl command can help (a unit
    /// that is not installed).
    pub next: Option<String>,
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

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something is wrong: it counts for the exit code.
    Problem,
    /// Normal for now (a health check within its start period): said, not counted.
    Info,
}

/// A finding's part in its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The failure itself: the dead service's state, its own errors.
    Cause,
    /// What fails through it: a dependent's errors or state.
    Symptom,
    /// Informational, in no group.
    Info,
}

/// One abnormal thing: a service's state, or one error signature.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Its number in the report (1, 2, ...), which groups refer to.
    pub id: usize,
    pub source: Source,
    pub severity: Severity,
    pub role: Role,
    /// The id of its group (none for an informational finding).
    pub group: Option<usize>,
    pub signature: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    pub count: u64,
    /// When its lines were written (a state finding has none).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub seen: Option<Seen>,
    /// When it began: the state change (a container's finish, a unit's
    /// state change) or the first error line; none when the daemon keeps no time.
    pub began: Option<String>,
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
    /// The service an error says it cannot reach (`rabbitmq`), which it
    /// then fails through.
    #[serde(skip)]
    pub unreachable: Option<String>,
}

/// The earliest event of a group: which service failed first, when, how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FirstEvent {
    pub service: String,
    pub time: String,
    /// What happened then (`exited (137)`, the first error's signature).
    pub what: String,
}

/// Findings with one cause: a dead dependency and what fails through it, or
/// one error and what passed it on.
#[derive(Debug, Clone, Serialize)]
pub struct CauseGroup {
    pub id: usize,
    /// The service the failure comes from.
    pub service: String,
    /// The findings that are the failure itself.
    pub causes: Vec<usize>,
    /// The findings of what fails through it.
    pub symptoms: Vec<usize>,
    /// The other services that fail through it.
    pub affected: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_event: Option<FirstEvent>,
    pub verdict: Verdict,
    /// Precedence: a lower one decides the summary.
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
    /// The group the verdict is about.
    pub group: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_failing_service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_event: Option<FirstEvent>,
    /// The other services failing through it.
    pub affected: Vec<String>,
    /// One service failed, or a failure passed across several.
    pub cross_service: bool,
    pub side: Side,
    pub rule: String,
    pub cause: String,
    pub advice: String,
    pub next: Option<String>,
    /// What the trouble began with, when its first errors follow right
    /// after an operator's stop or restart, or a death, of one of its
    /// services (`rabbitmq was stopped by alice via hmctl at 10:02:11;
    /// porter-api's errors begin at 10:02:12`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub began_with: Option<String>,
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
    /// The findings grouped by cause, the verdict's group first.
    pub groups: Vec<CauseGroup>,
    /// Error signatures in the window left out because they do not concern
    /// the `--id` / KEYWORD.
    pub unrelated_signatures: usize,
    pub chains: Vec<Chain>,
    /// What happened to the services in the window: operators' changes and
    /// deaths, oldest first.
    pub happenings: Vec<super::happening::Happening>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    pub cost: Cost,
    /// What could not be asked or read (a daemon down, a file unreadable).
    pub notes: Vec<String>,
    /// The stage's logs on another host (the Windows agent's), named, not read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub elsewhere: Vec<ElsewhereLog>,
    #[serde(skip)]
    pub exit: Exit,
}

/// A log file that matters for the stage but lives on another host.
#[derive(Debug, Clone, Serialize)]
pub struct ElsewhereLog {
    pub service: String,
    /// Which host: `windows`.
    pub host: String,
    pub path: String,
}

/// The Windows agent's logs of a stage.
pub fn elsewhere(stage: Option<&crate::catalog::Stage>) -> Vec<ElsewhereLog> {
    stage
        .map(|stage| stage.windows)
        .unwrap_or_default()
        .iter()
        .map(|log| ElsewhereLog {
            service: log.service.to_string(),
            host: "windows".to_string(),
            path: log.path(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Handle, HandleKind, Observation, State};

    fn status() -> ServiceStatus {
        ServiceStatus::new(
            "porter-api",
            "console",
            Handle::new(HandleKind::Systemd, "porter-api.service"),
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
            id: 1,
            source: Source::Logs,
            severity: Severity::Problem,
            role: Role::Cause,
            group: Some(1),
            signature: "connection refused".into(),
            level: Some(Level::Error),
            count: 2,
            seen,
            services: vec!["porter-api".into()],
            sample: "ERROR connection refused".into(),
            location: None,
            began: None,
            request_ids: Vec::new(),
            verdict: Verdict {
                side: Side::Product,
                rule: "unclassified".into(),
                cause: "c".into(),
                advice: "a".into(),
                next: Some("n".into()),
            },
            rank: 0,
            unreachable: None,
        }
    }

    /// `first` and `last` stand between `count` and `services`, both or
    /// neither.
    #[test]
    fn a_finding_is_written_in_the_reports_shape() {
        let head = concat!(
            r#"{"id":1,"source":"logs","severity":"problem","role":"cause","group":1,"#,
            r#""signature":"connection refused","level":"error","count":2,"#
        );
        let tail = concat!(
            r#""began":null,"services":["porter-api"],"sample":"ERROR connection refused","request_ids":[],"#,
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

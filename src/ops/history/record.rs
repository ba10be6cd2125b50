//! One line of the history file: a run's "began" record, written before it
//! acts, and its "ended" record, written after. Two records, not one, so that
//! a run killed with -9 still leaves its "began" behind.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What kind of change a run made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activity {
    Start,
    Stop,
    Restart,
    Reload,
    Upgrade,
    Rollback,
    /// Finishing or undoing an upgrade or a maintenance change a crash interrupted.
    Recovery,
    /// `hmctl maintenance on`: stopped and kept from starting.
    #[serde(rename = "maintenance-on")]
    MaintenanceOn,
    /// `hmctl maintenance off`: allowed to start again, and started.
    #[serde(rename = "maintenance-off")]
    MaintenanceOff,
}

impl Activity {
    pub fn as_str(self) -> &'static str {
        match self {
            Activity::Start => "start",
            Activity::Stop => "stop",
            Activity::Restart => "restart",
            Activity::Reload => "reload",
            Activity::Upgrade => "upgrade",
            Activity::Rollback => "rollback",
            Activity::Recovery => "recovery",
            Activity::MaintenanceOn => "maintenance on",
            Activity::MaintenanceOff => "maintenance off",
        }
    }

    /// `stopped`, `restarted`, `rolled back`: what the run did to a service.
    pub fn past_tense(self) -> &'static str {
        match self {
            Activity::Start => "started",
            Activity::Stop => "stopped",
            Activity::Restart => "restarted",
            Activity::Reload => "reloaded",
            Activity::Upgrade => "upgraded",
            Activity::Rollback => "rolled back",
            Activity::Recovery => "recovered",
            Activity::MaintenanceOn => "put in maintenance",
            Activity::MaintenanceOff => "taken out of maintenance",
        }
    }
}

impl From<crate::model::Verb> for Activity {
    fn from(verb: crate::model::Verb) -> Activity {
        match verb {
            crate::model::Verb::Start => Activity::Start,
            crate::model::Verb::Stop => Activity::Stop,
            crate::model::Verb::Restart => Activity::Restart,
            crate::model::Verb::Reload => Activity::Reload,
        }
    }
}

/// A service a run touched, by name and group (kept even after the catalog
/// forgets the service).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Touched {
    pub name: String,
    pub group: String,
    #[serde(skip)]
    pub aliases: Vec<String>,
}

crate::model::named_by_fields!(Touched);

/// What became of one service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceResult {
    pub name: String,
    pub group: String,
    /// `done`, `failed`, `skipped`, `not-done` (the lifecycle's words).
    pub result: String,
    pub seconds: f64,
    pub detail: String,
}

/// Written before a run acts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Began {
    /// The run's identity: `PID-MILLISECONDS`.
    pub run: String,
    pub pid: u32,
    pub at: Timestamp,
    /// The login user behind `sudo`, else the audit login uid's, else the uid's.
    pub who: String,
    /// `ssh 10.0.0.5 pts/1`, `pts/1`, `ansible`, `no terminal`.
    pub from: String,
    /// The command line as given.
    pub command: String,
    pub activity: Activity,
    pub services: Vec<Touched>,
    /// The plan, one step a line (`restart porter-api`).
    pub steps: Vec<String>,
    /// An upgrade's package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<PathBuf>,
}

/// Written after a run acted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ended {
    pub run: String,
    pub at: Timestamp,
    pub exit: i32,
    /// How it ended, in a few words.
    pub summary: String,
    pub results: Vec<ServiceResult>,
    /// The backup an upgrade kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<PathBuf>,
}

/// One line of the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "lowercase")]
pub enum Record {
    Began(Began),
    Ended(Ended),
}

impl Record {
    /// The record as one line of JSON, newline included.
    pub fn line(&self) -> String {
        crate::ops::bounded_lines::json_line(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn began() -> Began {
        Began {
            run: "42-1700000000000".into(),
            pid: 42,
            at: "2026-12-04T20:00:00Z".parse().unwrap(),
            who: "alice".into(),
            from: "ssh 10.0.0.5 pts/1".into(),
            command: "hmctl restart porter-api".into(),
            activity: Activity::Restart,
            services: vec![Touched {
                name: "porter-api".into(),
                group: "console".into(),
                aliases: Vec::new(),
            }],
            steps: vec!["restart porter-api".into()],
            package: None,
        }
    }

    #[test]
    fn a_record_is_one_line_of_json_that_reads_back() {
        let record = Record::Began(began());
        let line = record.line();
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
        assert!(
            line.starts_with(r#"{"record":"began","run":"42-1700000000000","pid":42,"at":"2026-12-04T20:00:00Z","who":"alice""#),
            "{line}"
        );
        assert!(!line.contains("package"), "{line}");
        let read: Record = serde_json::from_str(&line).unwrap();
        assert_eq!(read, record);
    }

    /// A maintenance run says which way it went, in the file and in words
    /// (status's "last change", diagnose's happenings).
    #[test]
    fn a_maintenance_run_says_whether_it_put_in_or_took_out() {
        for (activity, json, words, past) in [
            (
                Activity::MaintenanceOn,
                "\"maintenance-on\"",
                "maintenance on",
                "put in maintenance",
            ),
            (
                Activity::MaintenanceOff,
                "\"maintenance-off\"",
                "maintenance off",
                "taken out of maintenance",
            ),
        ] {
            assert_eq!(serde_json::to_string(&activity).unwrap(), json);
            assert_eq!(serde_json::from_str::<Activity>(json).unwrap(), activity);
            assert_eq!((activity.as_str(), activity.past_tense()), (words, past));
        }
    }
}

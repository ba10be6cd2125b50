//! The operators' changes to each service, from the history's finished runs:
//! what `status` says happened last ("restarted by alice via hmctl 2 min
//! ago") and what `diagnose` puts before a service's first error ("rabbitmq
//! was stopped by alice via hmctl at 10:02:11").

use super::query::{Run, runs};
use super::record::{Activity, Record};
use super::store;
use jiff::Timestamp;
use std::path::Path;

/// How much of the history's end `status` reads: the last hundred runs or
/// so, at a cost that does not grow with the file.
pub const TAIL_BYTES: u64 = 64 << 10;

/// One service an operator's finished run changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub service: String,
    pub group: String,
    pub activity: Activity,
    /// The login user behind the run.
    pub who: String,
    /// When the run began and ended: the change happened in between.
    pub began: Timestamp,
    pub ended: Timestamp,
}

impl Action {
    /// `was stopped by alice via hmctl`: what befell the service, after its name.
    pub fn clause(&self) -> String {
        format!(
            "was {} by {} via hmctl",
            self.activity.past_tense(),
            self.who
        )
    }

    /// Whether it took the service down for a while (a stop, a restart, an
    /// upgrade or rollback, maintenance on), so that what needs it may fail
    /// right after.
    pub fn takes_down(&self) -> bool {
        matches!(
            self.activity,
            Activity::Stop
                | Activity::Restart
                | Activity::Upgrade
                | Activity::Rollback
                | Activity::MaintenanceOn
        )
    }
}

/// Each service every finished run did change (its result `done`), oldest first.
pub fn actions(records: Vec<Record>) -> Vec<Action> {
    let mut actions = Vec::new();
    for Run { began, ended, .. } in runs(records, None) {
        let Some(ended) = ended else { continue };
        for result in ended
            .results
            .iter()
            .filter(|result| result.result == "done")
        {
            actions.push(Action {
                service: result.name.clone(),
                group: result.group.clone(),
                activity: began.activity,
                who: began.who.clone(),
                began: began.at,
                ended: ended.at,
            });
        }
    }
    actions
}

/// The actions in the end of the history in `state_dir` when it was written
/// since `since` (else none, read without opening it); none when it cannot be
/// read (an operator without root sees the daemons' words only).
pub fn recent(state_dir: &Path, since: Timestamp) -> Vec<Action> {
    let path = store::path_in(state_dir);
    let written = std::fs::symlink_metadata(&path)
        .and_then(|metadata| metadata.modified())
        .ok()
        .and_then(|modified| Timestamp::try_from(modified).ok());
    if written.is_none_or(|written| written < since) {
        return Vec::new();
    }
    store::FILE
        .read_tail(state_dir, TAIL_BYTES)
        .map(|reading| actions(reading.records))
        .unwrap_or_default()
}

/// Every action in the history in `state_dir` (both files); none when it
/// cannot be read.
pub fn all(state_dir: &Path) -> Vec<Action> {
    store::read(state_dir)
        .map(|reading| actions(reading.records))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::record::{Began, Ended, ServiceResult, Touched};
    use super::*;

    fn run(id: &str, who: &str, activity: Activity, result: &str, ended: bool) -> Vec<Record> {
        let mut records = vec![Record::Began(Began {
            run: id.into(),
            pid: 7,
            at: "2026-12-04T10:02:10Z".parse().unwrap(),
            who: who.into(),
            from: "pts/1".into(),
            command: "hmctl stop rabbitmq".into(),
            activity,
            services: vec![Touched {
                name: "rabbitmq".into(),
                group: "console".into(),
                aliases: Vec::new(),
            }],
            steps: Vec::new(),
            package: None,
        })];
        if ended {
            records.push(Record::Ended(Ended {
                run: id.into(),
                at: "2026-12-04T10:02:11Z".parse().unwrap(),
                exit: 0,
                summary: "done".into(),
                results: vec![ServiceResult {
                    name: "rabbitmq".into(),
                    group: "console".into(),
                    result: result.into(),
                    seconds: 1.0,
                    detail: String::new(),
                }],
                backup: None,
            }));
        }
        records
    }

    #[test]
    fn only_what_a_finished_run_did_is_an_action() {
        let mut records = run("1", "alice", Activity::Stop, "done", true);
        records.extend(run("2", "bob", Activity::Restart, "failed", true));
        records.extend(run("3", "carol", Activity::Start, "done", false));
        let found = actions(records);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].who, "alice");
        assert_eq!(found[0].activity, Activity::Stop);
        assert_eq!(found[0].clause(), "was stopped by alice via hmctl");
        assert!(found[0].takes_down());
    }

    /// Maintenance on stops what it holds: diagnose may put it before a
    /// dependent's first error. Maintenance off starts: it takes nothing down.
    #[test]
    fn maintenance_on_takes_a_service_down_and_off_does_not() {
        let mut records = run("1", "alice", Activity::MaintenanceOn, "done", true);
        records.extend(run("2", "alice", Activity::MaintenanceOff, "done", true));
        let found = actions(records);
        assert_eq!(
            found[0].clause(),
            "was put in maintenance by alice via hmctl"
        );
        assert!(found[0].takes_down());
        assert_eq!(
            found[1].clause(),
            "was taken out of maintenance by alice via hmctl"
        );
        assert!(!found[1].takes_down());
    }

    #[test]
    fn status_reads_the_history_only_when_it_was_written_in_the_last_hour() {
        let directory = tempfile::tempdir().unwrap();
        let now = Timestamp::now();
        assert!(recent(directory.path(), now).is_empty(), "no history yet");
        for record in run("1", "alice", Activity::Stop, "done", true) {
            store::append(directory.path(), &record, store::ROTATE_AT).unwrap();
        }
        let hour = jiff::SignedDuration::from_hours(1);
        assert_eq!(recent(directory.path(), now - hour).len(), 1);
        assert!(
            recent(directory.path(), now + hour).is_empty(),
            "a file last written before the window is not even opened"
        );
    }
}

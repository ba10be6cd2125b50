//! Reading the history back as runs: each "began" record paired with its
//! "ended" one, a run without an end shown as still running (its pid holds
//! the host lock now) or as one that did not finish (killed, or the host went
//! down), filtered by time and by the services it touched.

use super::record::{Began, Ended, Record, Touched};
use crate::ops::lock::Holder;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeSet;

/// How a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    Finished,
    /// No end yet, and its pid holds the host lock.
    Running,
    /// No end, and nobody of its pid holds the lock: killed, or the host stopped.
    DidNotFinish,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Finished => "finished",
            Standing::Running => "running",
            Standing::DidNotFinish => "did not finish",
        }
    }
}

/// One run, as history shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub began: Began,
    pub ended: Option<Ended>,
    pub standing: Standing,
}

/// Pairs the records into runs, oldest first. `holder` is who holds the host
/// lock now, if anyone: a run without an end is running when that is its pid
/// and it took the lock before the run began (a killed run's pid reused by a
/// later holder is not). An "ended" whose "began" was rotated away is left out.
pub fn runs(records: Vec<Record>, holder: Option<Holder>) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for record in records {
        match record {
            Record::Began(began) => runs.push(Run {
                began,
                ended: None,
                standing: Standing::DidNotFinish,
            }),
            Record::Ended(ended) => {
                if let Some(run) = runs.iter_mut().rev().find(|run| run.began.run == ended.run) {
                    run.ended = Some(ended);
                    run.standing = Standing::Finished;
                }
            }
        }
    }
    for run in &mut runs {
        let holds = holder.is_some_and(|holder| {
            holder.pid == run.began.pid && holder.since.is_none_or(|since| since <= run.began.at)
        });
        if run.ended.is_none() && holds {
            run.standing = Standing::Running;
        }
    }
    runs
}

/// Which runs to show.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// The services asked for (`None`: all).
    pub services: Option<BTreeSet<String>>,
}

impl Filter {
    /// Whether `run` overlaps the window and touched one of the services.
    pub fn keeps(&self, run: &Run, now: Timestamp) -> bool {
        let last = run.ended.as_ref().map_or(
            if run.standing == Standing::Running {
                now
            } else {
                run.began.at
            },
            |ended| ended.at,
        );
        let in_window = self.since.is_none_or(|since| last >= since)
            && self.until.is_none_or(|until| run.began.at <= until);
        in_window
            && self.services.as_ref().is_none_or(|services| {
                run.began
                    .services
                    .iter()
                    .any(|touched| services.contains(&touched.name))
            })
    }
}

/// Every service the runs touched, once (what a TARGET is resolved against).
pub fn touched(runs: &[Run]) -> Vec<Touched> {
    let set: BTreeSet<Touched> = runs
        .iter()
        .flat_map(|run| run.began.services.iter().cloned())
        .collect();
    set.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::super::record::{Activity, Began, Ended, Record, Touched};
    use super::*;

    fn began(run: &str, pid: u32, at: &str, service: &str) -> Record {
        Record::Began(Began {
            run: run.into(),
            pid,
            at: at.parse().unwrap(),
            who: "alice".into(),
            from: "pts/1".into(),
            command: format!("hmctl restart {service}"),
            activity: Activity::Restart,
            services: vec![Touched {
                name: service.into(),
                group: "console".into(),
                aliases: Vec::new(),
            }],
            steps: vec![format!("restart {service}")],
            package: None,
        })
    }

    fn ended(run: &str, at: &str) -> Record {
        Record::Ended(Ended {
            run: run.into(),
            at: at.parse().unwrap(),
            exit: 0,
            summary: "done".into(),
            results: Vec::new(),
            backup: None,
        })
    }

    #[test]
    fn an_unended_run_is_running_only_while_its_pid_holds_the_lock() {
        let records = vec![
            began("1", 10, "2026-12-04T10:00:00Z", "rabbitmq"),
            ended("orphan", "2026-12-04T10:00:01Z"),
            ended("1", "2026-12-04T10:00:05Z"),
            began("2", 20, "2026-12-04T11:00:00Z", "porter-api"),
            began("3", 30, "2026-12-04T12:00:00Z", "porter-api"),
        ];
        let standings = |holder: Holder| -> Vec<Standing> {
            runs(records.clone(), Some(holder))
                .iter()
                .map(|run| run.standing)
                .collect()
        };
        let since = |text: &str| Some(text.parse().unwrap());
        assert_eq!(
            standings(Holder {
                pid: 30,
                since: since("2026-12-04T11:59:59Z"),
            }),
            [
                Standing::Finished,
                Standing::DidNotFinish,
                Standing::Running
            ]
        );
        // Pid 20 was killed; a later hmctl that got pid 20 holds the lock now.
        assert_eq!(
            standings(Holder {
                pid: 20,
                since: since("2026-12-04T12:30:00Z"),
            }),
            [
                Standing::Finished,
                Standing::DidNotFinish,
                Standing::DidNotFinish
            ]
        );
    }

    #[test]
    fn the_filter_keeps_runs_overlapping_the_window_that_touched_the_services() {
        let all = runs(
            vec![
                began("1", 10, "2026-12-04T10:00:00Z", "rabbitmq"),
                ended("1", "2026-12-04T10:30:00Z"),
                began("2", 20, "2026-12-04T11:00:00Z", "porter-api"),
            ],
            None,
        );
        let now: Timestamp = "2026-12-04T12:00:00Z".parse().unwrap();
        let kept = |filter: &Filter| -> Vec<String> {
            all.iter()
                .filter(|run| filter.keeps(run, now))
                .map(|run| run.began.run.clone())
                .collect()
        };
        let since = |text: &str| Filter {
            since: Some(text.parse().unwrap()),
            ..Filter::default()
        };
        assert_eq!(kept(&Filter::default()), ["1", "2"]);
        assert_eq!(kept(&since("2026-12-04T10:15:00Z")), ["1", "2"]);
        assert_eq!(kept(&since("2026-12-04T10:45:00Z")), ["2"]);
        let until = Filter {
            until: Some("2026-12-04T10:59:00Z".parse().unwrap()),
            ..Filter::default()
        };
        assert_eq!(kept(&until), ["1"]);
        let rabbit = Filter {
            services: Some(BTreeSet::from(["rabbitmq".to_string()])),
            ..Filter::default()
        };
        assert_eq!(kept(&rabbit), ["1"]);
        assert_eq!(touched(&all).len(), 2);
    }
}

//! hmctl's own history as events: each run an operator started is an
//! operator action on every service it touched, at the time it began, with
//! who, from where and how it ended for that service — so an operator's
//! restart and the crash that followed stand side by side.

use crate::backend::EventWindow;
use crate::model::{EventSource, Happening, ServiceEvent};
use crate::ops::history::query::Run;

/// How `run` ended for `service`: its own result (`done`, `failed`, ...),
/// else the run's exit, else how the run stands (`running`, `did not finish`).
fn result_for(run: &Run, service: &str) -> String {
    match &run.ended {
        Some(ended) => ended
            .results
            .iter()
            .find(|result| result.name == service)
            .map_or_else(
                || format!("exit {}", ended.exit),
                |result| result.result.clone(),
            ),
        None => run.standing.as_str().to_string(),
    }
}

/// The operator actions of the `runs` that began within the window.
pub fn events_of_runs(runs: &[Run], window: EventWindow) -> Vec<ServiceEvent> {
    runs.iter()
        .filter(|run| window.contains(run.began.at))
        .flat_map(|run| {
            run.began.services.iter().map(|touched| ServiceEvent {
                time: run.began.at,
                group: touched.group.clone(),
                service: touched.name.clone(),
                happening: Happening::OperatorAction {
                    verb: run.began.activity.as_str().to_string(),
                    user: run.began.who.clone(),
                    via: run.began.from.clone(),
                    result: result_for(run, &touched.name),
                },
                source: EventSource::HmctlHistory,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::history::query::runs;
    use crate::ops::history::record::{Activity, Began, Ended, Record, ServiceResult, Touched};

    fn began(run: &str, at: &str) -> Record {
        let touched = |name: &str| Touched {
            name: name.into(),
            group: "console".into(),
            aliases: Vec::new(),
        };
        Record::Began(Began {
            run: run.into(),
            pid: 7,
            at: at.parse().unwrap(),
            who: "alice".into(),
            from: "ssh 10.0.0.5 pts/1".into(),
            command: "hmctl restart porter".into(),
            activity: Activity::Restart,
            services: vec![touched("porter-api"), touched("porter-worker")],
            steps: Vec::new(),
            package: None,
        })
    }

    #[test]
    fn each_touched_service_gets_the_operators_action_and_its_result() {
        let ended = Record::Ended(Ended {
            run: "1".into(),
            at: "2026-12-04T10:00:30Z".parse().unwrap(),
            exit: 1,
            summary: "failed: porter-api".into(),
            results: vec![ServiceResult {
                name: "porter-api".into(),
                group: "console".into(),
                result: "failed".into(),
                seconds: 30.0,
                detail: String::new(),
            }],
            backup: None,
        });
        let all = runs(
            vec![
                began("1", "2026-12-04T10:00:00Z"),
                ended,
                began("2", "2026-12-04T11:00:00Z"),
            ],
            None,
        );
        let events = events_of_runs(&all, EventWindow::default());
        let results: Vec<(&str, String)> = events
            .iter()
            .map(|event| match &event.happening {
                Happening::OperatorAction {
                    verb, user, result, ..
                } => {
                    assert_eq!((verb.as_str(), user.as_str()), ("restart", "alice"));
                    (event.service.as_str(), result.clone())
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            results,
            [
                ("porter-api", "failed".to_string()),
                ("porter-worker", "exit 1".to_string()),
                ("porter-api", "did not finish".to_string()),
                ("porter-worker", "did not finish".to_string()),
            ]
        );
        let half_past = Some("2026-12-04T10:30:00Z".parse().unwrap());
        let late = events_of_runs(
            &all,
            EventWindow {
                since: half_past,
                until: None,
            },
        );
        assert_eq!(late.len(), 2);
        let early = events_of_runs(
            &all,
            EventWindow {
                since: None,
                until: half_past,
            },
        );
        assert_eq!(early.len(), 2);
        assert_eq!(early[0].time.to_string(), "2026-12-04T10:00:00Z");
    }
}

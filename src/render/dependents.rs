//! The ok-to-stop verdict as text and JSON, and the words for the stopped
//! services a start leaves down.

use crate::ops::dependents::{Dependent, Verdict};
use serde::Serialize;

/// `them` for several services, `it` for one.
fn pronoun(count: usize) -> &'static str {
    if count == 1 { "it" } else { "them" }
}

/// The verdict for people: safe, or not safe with one line per dependent.
pub fn verdict(verdict: &Verdict, targets: &[String]) -> String {
    if verdict.stopping.is_empty() {
        return format!(
            "safe to stop {}: none of it is running\n",
            targets.join(" ")
        );
    }
    let stopping = verdict.stopping.join(", ");
    let pronoun = pronoun(verdict.stopping.len());
    if verdict.is_safe() {
        return format!("safe to stop {stopping}: no other running service needs {pronoun}\n");
    }
    let mut text = format!("NOT safe to stop {stopping}: running services need {pronoun}\n");
    for dependent in &verdict.dependents {
        text.push_str(&format!("  {}\n", dependent.sentence()));
    }
    text
}

#[derive(Serialize)]
struct Document<'a> {
    schema: u32,
    safe: bool,
    stopping: &'a [String],
    dependents: &'a [Dependent],
}

/// The verdict as one JSON document.
pub fn json(verdict: &Verdict) -> String {
    let document = Document {
        schema: 1,
        safe: verdict.is_safe(),
        stopping: &verdict.stopping,
        dependents: &verdict.dependents,
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

/// After a start: the warning naming the stopped services that need what it
/// started, and the hint that starts them too.
pub fn left_down(dependents: &[Dependent]) -> Option<(String, String)> {
    if dependents.is_empty() {
        return None;
    }
    let names: Vec<&str> = dependents
        .iter()
        .map(|dependent| dependent.service.as_str())
        .collect();
    let subject = if names.len() == 1 {
        "it needs"
    } else {
        "they need"
    };
    Some((
        format!(
            "left stopped, though {subject} what was started: {}",
            crate::ops::dependents::sentences(dependents)
        ),
        format!(
            "`hmctl start {}` starts {} too, in order",
            names.join(" "),
            pronoun(names.len())
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dependent(service: &str, needs: &str) -> Dependent {
        Dependent {
            service: service.into(),
            group: "console".into(),
            needs: vec![needs.into()],
        }
    }

    fn targets() -> Vec<String> {
        vec!["mysql".into()]
    }

    #[test]
    fn a_safe_stop_says_so() {
        let safe = Verdict {
            stopping: vec!["mysql".into()],
            dependents: vec![],
        };
        assert_eq!(
            verdict(&safe, &targets()),
            "safe to stop mysql: no other running service needs it\n"
        );
        let idle = Verdict {
            stopping: vec![],
            dependents: vec![],
        };
        assert_eq!(
            verdict(&idle, &targets()),
            "safe to stop mysql: none of it is running\n"
        );
    }

    #[test]
    fn an_unsafe_stop_names_each_dependent_and_what_it_needs() {
        let unsafe_stop = Verdict {
            stopping: vec!["mysql".into(), "rabbitmq".into()],
            dependents: vec![
                dependent("porter-api", "mysql"),
                dependent("unicloud-engine", "rabbitmq"),
            ],
        };
        assert_eq!(
            verdict(&unsafe_stop, &targets()),
            "NOT safe to stop mysql, rabbitmq: running services need them\n  porter-api needs mysql\n  unicloud-engine needs rabbitmq\n"
        );
        let document: serde_json::Value = serde_json::from_str(&json(&unsafe_stop)).unwrap();
        assert_eq!(
            document,
            serde_json::json!({
                "schema": 1,
                "safe": false,
                "stopping": ["mysql", "rabbitmq"],
                "dependents": [
                    {"service": "porter-api", "group": "console", "needs": ["mysql"]},
                    {"service": "unicloud-engine", "group": "console", "needs": ["rabbitmq"]}
                ]
            })
        );
    }

    #[test]
    fn a_start_names_what_it_leaves_stopped() {
        assert_eq!(left_down(&[]), None);
        let (warning, hint) = left_down(&[
            dependent("porter-api", "mysql"),
            dependent("porter-migration", "porter-api"),
        ])
        .unwrap();
        assert_eq!(
            warning,
            "left stopped, though they need what was started: porter-api needs mysql; porter-migration needs porter-api"
        );
        assert_eq!(
            hint,
            "`hmctl start porter-api porter-migration` starts them too, in order"
        );
        let (warning, hint) = left_down(&[dependent("watchman", "s3block")]).unwrap();
        assert_eq!(
            warning,
            "left stopped, though it needs what was started: watchman needs s3block"
        );
        assert_eq!(hint, "`hmctl start watchman` starts it too, in order");
    }
}

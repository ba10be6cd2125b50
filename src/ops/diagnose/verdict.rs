//! From evidence to findings: the window's error events grouped by signature,
//! the services that are down, each given the rule table's verdict with its
//! next command filled in, and the one summary verdict the report leads with.

use super::chain::{Chain, request_ids};
use super::report::{Finding, Seen, ServiceState, Source, Summary, Verdict};
use super::rules::{Decision, Mentions, Side, Table};
use super::scan::Event;
use super::signature::{keyword, message, signature};
use super::window::Window;
use crate::ops::logs::timeline::local_text;

/// Request ids kept per finding.
const IDS_PER_FINDING: usize = 5;

/// What the verdicts are filled in with.
pub struct Context<'a> {
    pub window: &'a Window,
    /// The operator's KEYWORD or `--id`: what to grep for next.
    pub keyword: Option<&'a str>,
    pub states: &'a [ServiceState],
}

/// A string as one shell word (single-quoted when it needs to be).
pub fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || "-_./:@".contains(character));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

struct Values<'a> {
    service: &'a str,
    keyword: String,
    decision: &'a Decision,
    since: String,
}

fn fill(template: &str, values: &Values<'_>) -> String {
    let mentions = &values.decision.mentions;
    template
        .replace("{service}", values.service)
        .replace("{keyword}", &shell_quote(&values.keyword))
        .replace("{since}", &shell_quote(&values.since))
        .replace("{api}", mentions.api.as_deref().unwrap_or("the cloud API"))
        .replace(
            "{middleware}",
            mentions.middleware.as_deref().unwrap_or("the middleware"),
        )
        .replace("{code}", mentions.code.as_deref().unwrap_or(""))
}

fn verdict(
    table: &Table,
    decision: &Decision,
    values: &Values<'_>,
    context: &Context<'_>,
) -> Verdict {
    let rule = &table.rules[decision.rank];
    let mut cause = fill(&rule.cause, values);
    let mut next = fill(&rule.next, values);
    if let Some(middleware) = &decision.mentions.middleware
        && let Some(state) = context
            .states
            .iter()
            .find(|state| &state.status.name == middleware)
    {
        cause.push_str(&format!(
            " ({middleware} is {}: {})",
            state.status.state.as_str(),
            state.status.detail
        ));
        if state.status.ok {
            next = format!("hmctl logs {middleware} -n 100");
        }
    }
    Verdict {
        side: decision.side,
        rule: decision.rule.clone(),
        cause,
        advice: fill(&rule.advice, values),
        next,
    }
}

/// Rank of a rule (times ten, so state findings can sit between rules).
fn rank_of(table: &Table, id: &str) -> usize {
    table
        .rules
        .iter()
        .position(|rule| rule.id == id)
        .unwrap_or(table.rules.len())
        * 10
}

/// The window's error events grouped by signature, earliest first.
pub fn log_findings(events: &[Event], table: &Table, context: &Context<'_>) -> Vec<Finding> {
    let mut groups: Vec<(String, Vec<&Event>)> = Vec::new();
    for event in events.iter().filter(|event| event.level.is_some()) {
        let key = signature(message(&event.first));
        match groups.iter_mut().find(|(known, _)| *known == key) {
            Some((_, members)) => members.push(event),
            None => groups.push((key, vec![event])),
        }
    }
    let mut findings: Vec<Finding> = groups
        .into_iter()
        .map(|(key, mut members)| {
            members.sort_by_key(|member| member.time);
            let first = members[0];
            let mut services: Vec<String> = Vec::new();
            let mut ids: Vec<String> = Vec::new();
            for member in &members {
                if !services.contains(&member.service) {
                    services.push(member.service.clone());
                }
                for id in request_ids(&member.text) {
                    if ids.len() < IDS_PER_FINDING && !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
            let decision = table
                .decide(&first.text, &first.service)
                .unwrap_or(Decision {
                    rank: table.rules.len().saturating_sub(1),
                    rule: "unclassified".into(),
                    side: Side::Product,
                    mentions: Mentions::default(),
                });
            let values = Values {
                service: &first.service,
                keyword: context
                    .keyword
                    .map_or_else(|| keyword(message(&first.first)), str::to_string),
                decision: &decision,
                since: context.window.since_argument(),
            };
            Finding {
                source: Source::Logs,
                signature: key,
                level: members.iter().filter_map(|member| member.level).max(),
                count: members.len() as u64,
                seen: Some(Seen {
                    first: local_text(first.time, &context.window.zone),
                    last: local_text(members[members.len() - 1].time, &context.window.zone),
                }),
                services,
                sample: first.first.clone(),
                location: Some(first.location.to_string()),
                request_ids: ids,
                verdict: verdict(table, &decision, &values, context),
                rank: decision.rank * 10,
            }
        })
        .collect();
    findings.sort_by(|left, right| left.first_seen().cmp(&right.first_seen()));
    findings
}

/// A finding for each selected service that is not running or not healthy
/// (a service whose daemon could not be asked is a note, not a finding).
pub fn state_findings(table: &Table, context: &Context<'_>) -> Vec<Finding> {
    context
        .states
        .iter()
        .filter(|state| !state.status.ok && state.status.state != crate::model::State::Unknown)
        .map(|state| {
            let status = &state.status;
            let oom = state.details.as_ref().is_some_and(|details| details.oom_killed);
            let middleware = table.middleware_service(&status.name).is_some();
            let (side, rule, rank, cause) = if oom {
                (
                    Side::Host,
                    "out-of-memory",
                    rank_of(table, "out-of-memory"),
                    format!("{} was killed for lack of memory (OOM)", status.name),
                )
            } else {
                let what = if middleware { "the middleware " } else { "" };
                (
                    Side::Product,
                    "service-down",
                    rank_of(table, "middleware-unreachable") + 5,
                    format!("{what}{} is {} ({})", status.name, status.state.as_str(), status.detail),
                )
            };
            Finding {
                source: Source::State,
                signature: format!("{} {}", status.name, status.state.as_str()),
                level: None,
                count: 1,
                seen: None,
                services: vec![status.name.clone()],
                sample: status.detail.clone(),
                location: None,
                request_ids: Vec::new(),
                verdict: Verdict {
                    side,
                    rule: rule.into(),
                    cause,
                    advice: format!(
                        "read its last lines (`hmctl logs {}`), then start it again; services that depend on it recover after",
                        status.name
                    ),
                    next: format!("hmctl restart {}", status.name),
                },
                rank,
            }
        })
        .collect()
}

/// The summary: the verdict of the highest-precedence finding (the earliest
/// of equals) and the service whose error came first.
pub fn summary(findings: &[Finding], chains: &[Chain]) -> Option<Summary> {
    let primary = findings.iter().min_by(|left, right| {
        (left.rank, left.first_seen()).cmp(&(right.rank, right.first_seen()))
    })?;
    let earliest_log = findings
        .iter()
        .filter(|finding| finding.source == Source::Logs)
        .min_by(|left, right| left.first_seen().cmp(&right.first_seen()));
    let first_failing_service = earliest_log
        .or(Some(primary))
        .and_then(|finding| finding.services.first().cloned());
    let cross_service = chains.iter().any(|chain| chain.services.len() > 1)
        || findings
            .iter()
            .flat_map(|finding| &finding.services)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            > 1;
    Some(Summary {
        first_failing_service,
        cross_service,
        side: primary.verdict.side,
        rule: primary.verdict.rule.clone(),
        cause: primary.verdict.cause.clone(),
        advice: primary.verdict.advice.clone(),
        next: primary.verdict.next.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words() {
        assert_eq!(shell_quote("unicloud-engine"), "unicloud-engine");
        assert_eq!(shell_quote("it's here"), r"'it'\''s here'");
        assert_eq!(shell_quote("2025-09-18 16:14:31"), "'2025-09-18 16:14:31'");
    }
}

//! From evidence to findings: the window's error events grouped by signature,
//! each given the rule table's verdict with its next command filled in (the
//! services' states are judged in `advice`, the groups in `causes`).

use super::chain::request_ids;
use super::context::Context;
use super::report::{Finding, Role, Seen, ServiceState, Severity, Source, Verdict};
use super::rules::{Decision, Mentions, Side, Table};
use super::scan::Event;
use super::signature::{keyword, message, signature};
use crate::log_files::timeline::local_text;

/// Request ids kept per finding.
const IDS_PER_FINDING: usize = 5;

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
        } else if let Some(own) = super::advice::state_findings(table, &only(context, state))
            .into_iter()
            .next()
        {
            // What can bring it back in the state it is in (not installed:
            // nothing hmctl can run).
            next = own.verdict.next.unwrap_or_default();
        }
    }
    Verdict {
        side: decision.side,
        rule: decision.rule.clone(),
        cause,
        advice: fill(&rule.advice, values),
        next: Some(next).filter(|next| !next.is_empty()),
    }
}

/// `context` narrowed to one service's state.
fn only<'a>(context: &Context<'a>, state: &'a ServiceState) -> Context<'a> {
    Context {
        window: context.window,
        keyword: context.keyword,
        states: std::slice::from_ref(state),
        catalog: context.catalog,
        now: context.now,
    }
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
                id: 0,
                source: Source::Logs,
                severity: Severity::Problem,
                role: Role::Cause,
                group: None,
                began: Some(super::advice::time_key(first.time)),
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
                unreachable: decision.mentions.middleware.clone(),
            }
        })
        .collect();
    findings.sort_by(|left, right| left.first_seen().cmp(&right.first_seen()));
    findings
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

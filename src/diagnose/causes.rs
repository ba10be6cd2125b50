//! Findings grouped by cause, as an on-call colleague tells an incident: the
//! dead dependency first, with the services that fail through it under it —
//! known from the dependency graph (compose `depends_on`, `[service.X]
//! depends_on`, the catalog's middleware) and from the error signatures that
//! name what they cannot reach — and an error with what passed it on along a
//! request chain. "First failing" is the earliest event of the verdict's
//! group: a state change or a first error line, whichever came first.

use super::chain::Chain;
use super::report::{CauseGroup, Finding, FirstEvent, Role, Severity, Source, Summary, Verdict};
use crate::ops::order::Graph;

/// Which service needs which, over every group.
pub struct Dependencies<'a> {
    pub graphs: &'a [Graph],
}

impl Dependencies<'_> {
    /// Whether `service` needs `dependency`, directly or through others.
    fn needs(&self, service: &str, dependency: &str) -> bool {
        self.graphs
            .iter()
            .any(|graph| graph.reaches(service, dependency))
    }
}

/// A group being built: the service it is about and its members.
struct Draft {
    service: String,
    /// Whether it is about a dead service (others may join it).
    keyed: bool,
    members: Vec<(usize, Role)>,
}

/// The services that are down: those with a state finding, then those the
/// errors say they cannot reach, earliest first.
fn down_services(findings: &[Finding]) -> Vec<String> {
    let mut states: Vec<&Finding> = findings
        .iter()
        .filter(|finding| finding.source == Source::State)
        .collect();
    states.sort_by(|left, right| began(left).cmp(&began(right)));
    let mut down: Vec<String> = Vec::new();
    let named = findings
        .iter()
        .filter_map(|finding| finding.unreachable.clone());
    for service in states
        .iter()
        .map(|finding| finding.services[0].clone())
        .chain(named)
    {
        if !down.contains(&service) {
            down.push(service);
        }
    }
    down
}

/// A finding's time for ordering: an untimed one last.
fn began(finding: &Finding) -> (bool, Option<&str>) {
    (finding.began.is_none(), finding.began.as_deref())
}

/// The down service `service` fails through in the end (itself when it
/// needs none of the others).
fn root<'a>(service: &'a str, down: &'a [String], dependencies: &Dependencies<'_>) -> &'a str {
    let mut current = service;
    let mut seen = vec![current];
    while let Some(next) = down.iter().find(|candidate| {
        !seen.contains(&candidate.as_str()) && dependencies.needs(current, candidate)
    }) {
        current = next;
        seen.push(current);
    }
    current
}

/// The group and part of a finding through a dead dependency, if any.
fn through_dependency(
    finding: &Finding,
    down: &[String],
    dependencies: &Dependencies<'_>,
) -> Option<(String, Role)> {
    let only = match finding.services.as_slice() {
        [service] => Some(service.as_str()),
        _ => None,
    };
    let origin = match (finding.source, &finding.unreachable, only) {
        (Source::State, _, Some(service)) => service,
        (Source::Logs, Some(unreachable), _) => unreachable.as_str(),
        (Source::Logs, None, Some(service)) if down.iter().any(|name| name == service) => service,
        _ => {
            // An error of a service that needs a dead one and names it.
            let text = finding.sample.to_ascii_lowercase();
            return down
                .iter()
                .filter(|dead| dead.as_str() == root(dead, down, dependencies))
                .find(|dead| {
                    text.contains(dead.as_str())
                        && finding
                            .services
                            .iter()
                            .all(|service| dependencies.needs(service, dead))
                })
                .map(|dead| (dead.clone(), Role::Symptom));
        }
    };
    let cause = root(origin, down, dependencies);
    let role = if only == Some(cause) {
        Role::Cause
    } else {
        Role::Symptom
    };
    Some((cause.to_string(), role))
}

/// The draft holding a finding that shares a request id with it and belongs
/// to the service that failed first on that request.
fn along_chain(
    finding: &Finding,
    findings: &[Finding],
    drafts: &[Draft],
    chains: &[Chain],
) -> Option<usize> {
    chains
        .iter()
        .filter(|chain| finding.request_ids.contains(&chain.id))
        .filter_map(|chain| chain.failed_first.as_ref().map(|first| (chain, first)))
        .filter(|(_, first)| !finding.services.contains(first))
        .find_map(|(chain, first)| {
            drafts.iter().position(|draft| {
                draft.members.iter().any(|(index, _)| {
                    let other = &findings[*index];
                    other.services.contains(first) && other.request_ids.contains(&chain.id)
                })
            })
        })
}

/// Puts each problem finding in a group, in order of time.
fn drafts(findings: &[Finding], chains: &[Chain], dependencies: &Dependencies<'_>) -> Vec<Draft> {
    let down = down_services(findings);
    let mut order: Vec<usize> = (0..findings.len())
        .filter(|index| findings[*index].severity == Severity::Problem)
        .collect();
    order.sort_by(|left, right| began(&findings[*left]).cmp(&began(&findings[*right])));
    let mut drafts: Vec<Draft> = Vec::new();
    for index in order {
        let finding = &findings[index];
        // Through a dead dependency: keyed by it, so its findings meet.
        let (service, role, keyed) = match through_dependency(finding, &down, dependencies) {
            Some((service, role)) => (service, role, true),
            None => match along_chain(finding, findings, &drafts, chains) {
                Some(draft) => {
                    drafts[draft].members.push((index, Role::Symptom));
                    continue;
                }
                None => (finding.services[0].clone(), Role::Cause, false),
            },
        };
        match drafts
            .iter_mut()
            .find(|draft| keyed && draft.keyed && draft.service == service)
        {
            Some(draft) => draft.members.push((index, role)),
            None => drafts.push(Draft {
                service,
                keyed,
                members: vec![(index, role)],
            }),
        }
    }
    drafts
}

/// The verdict of a group: for a dead dependency, what its own state calls
/// for and the rule that says the others cannot reach it; else the verdict
/// of its highest-precedence finding.
fn group_verdict(draft: &Draft, findings: &[Finding], affected: &[String]) -> Verdict {
    let member = |role: Role| {
        draft
            .members
            .iter()
            .filter(move |(_, found)| *found == role)
            .map(move |(index, _)| &findings[*index])
    };
    let own_state = member(Role::Cause).find(|finding| finding.source == Source::State);
    let unreachable = draft
        .members
        .iter()
        .map(|(index, _)| &findings[*index])
        .filter(|finding| finding.unreachable.as_deref() == Some(draft.service.as_str()))
        .min_by_key(|finding| finding.rank);
    let best = draft
        .members
        .iter()
        .map(|(index, role)| (&findings[*index], *role))
        .min_by_key(|(finding, role)| (*role != Role::Cause, finding.rank))
        .map(|(finding, _)| finding);
    let mut verdict = match (own_state, unreachable, best) {
        (Some(state), Some(through), _) => Verdict {
            side: through.verdict.side,
            rule: through.verdict.rule.clone(),
            cause: state.verdict.cause.clone(),
            advice: through.verdict.advice.clone(),
            next: state.verdict.next.clone(),
        },
        (None, Some(through), _) => {
            // Its state unknown: the errors say who cannot reach it.
            let mut verdict = through.verdict.clone();
            if let Some(rest) = verdict.cause.strip_prefix(through.services[0].as_str())
                && !affected.is_empty()
            {
                verdict.cause = format!("{}{rest}", affected.join(", "));
                return verdict;
            }
            verdict
        }
        (_, None, Some(best)) => best.verdict.clone(),
        (_, None, None) => unreachable_verdict(&draft.service),
    };
    let how = match (draft.keyed, affected.len()) {
        (_, 0) => None,
        (true, 1) => Some("fails through it"),
        (true, _) => Some("fail through it"),
        (false, _) => Some("passed it on"),
    };
    if let Some(how) = how {
        verdict.cause = format!("{}; {} {how}", verdict.cause, affected.join(", "));
    }
    verdict
}

/// A group is never empty; this is only what an empty one would say.
fn unreachable_verdict(service: &str) -> Verdict {
    Verdict {
        side: super::rules::Side::Product,
        rule: "unclassified".into(),
        cause: format!("{service} failed"),
        advice: String::new(),
        next: None,
    }
}

/// The earliest event of a group's findings.
fn first_event(draft: &Draft, findings: &[Finding]) -> Option<FirstEvent> {
    let earliest = draft
        .members
        .iter()
        .map(|(index, _)| &findings[*index])
        .filter(|finding| finding.began.is_some())
        .min_by(|left, right| began(left).cmp(&began(right)))?;
    Some(FirstEvent {
        service: earliest.services[0].clone(),
        time: earliest.began.clone().unwrap_or_default(),
        what: match earliest.source {
            Source::State => earliest.sample.clone(),
            Source::Logs => earliest.signature.chars().take(160).collect(),
        },
    })
}

/// A draft as a group (not yet numbered): its members causes first, then
/// by time; the services failing through it; its verdict and first event.
fn cause_group(mut draft: Draft, findings: &[Finding]) -> (CauseGroup, Draft) {
    draft.members.sort_by_key(|(index, role)| {
        (
            *role != Role::Cause,
            began(&findings[*index]).0,
            findings[*index].began.clone(),
        )
    });
    let mut affected: Vec<String> = Vec::new();
    for (index, _) in &draft.members {
        for service in &findings[*index].services {
            if *service != draft.service && !affected.contains(service) {
                affected.push(service.clone());
            }
        }
    }
    let group = CauseGroup {
        id: 0,
        service: draft.service.clone(),
        causes: Vec::new(),
        symptoms: Vec::new(),
        first_event: first_event(&draft, findings),
        verdict: group_verdict(&draft, findings, &affected),
        rank: draft
            .members
            .iter()
            .map(|(index, _)| findings[*index].rank)
            .min()
            .unwrap_or(usize::MAX),
        affected,
    };
    (group, draft)
}

/// The groups, the verdict's first, with the findings numbered in the order
/// they are told (each group's causes, then its symptoms; informational last)
/// and each pointing at its group; and the summary.
pub fn group(
    mut findings: Vec<Finding>,
    chains: &[Chain],
    dependencies: &Dependencies<'_>,
) -> (Vec<Finding>, Vec<CauseGroup>, Option<Summary>) {
    let mut groups: Vec<(CauseGroup, Draft)> = drafts(&findings, chains, dependencies)
        .into_iter()
        .map(|draft| cause_group(draft, &findings))
        .collect();
    groups.sort_by(|(left, _), (right, _)| {
        let time = |group: &CauseGroup| group.first_event.as_ref().map(|event| event.time.clone());
        (left.rank, time(left).is_none(), time(left)).cmp(&(
            right.rank,
            time(right).is_none(),
            time(right),
        ))
    });
    let mut order: Vec<usize> = Vec::new();
    for (number, (group, draft)) in groups.iter_mut().enumerate() {
        group.id = number + 1;
        for (index, role) in &draft.members {
            order.push(*index);
            let finding = &mut findings[*index];
            finding.id = order.len();
            finding.role = *role;
            finding.group = Some(group.id);
            match role {
                Role::Symptom => group.symptoms.push(finding.id),
                _ => group.causes.push(finding.id),
            }
        }
    }
    for (index, finding) in findings.iter_mut().enumerate() {
        if finding.severity == Severity::Info {
            order.push(index);
            finding.id = order.len();
        }
    }
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    let ordered: Vec<Finding> = order
        .iter()
        .filter_map(|index| slots[*index].take())
        .collect();
    let groups: Vec<CauseGroup> = groups.into_iter().map(|(group, _)| group).collect();
    let summary = summary(&ordered, &groups);
    (ordered, groups, summary)
}

/// The verdict of the first group, and the service whose failure came first in it.
fn summary(findings: &[Finding], groups: &[CauseGroup]) -> Option<Summary> {
    let primary = groups.first()?;
    let mut services: Vec<&String> = findings
        .iter()
        .filter(|finding| finding.group == Some(primary.id))
        .flat_map(|finding| &finding.services)
        .collect();
    services.sort();
    services.dedup();
    let verdict = &primary.verdict;
    Some(Summary {
        group: primary.id,
        first_failing_service: Some(
            primary
                .first_event
                .as_ref()
                .map_or_else(|| primary.service.clone(), |event| event.service.clone()),
        ),
        first_event: primary.first_event.clone(),
        affected: primary.affected.clone(),
        cross_service: services.len() > 1,
        side: verdict.side,
        rule: verdict.rule.clone(),
        cause: verdict.cause.clone(),
        advice: verdict.advice.clone(),
        next: verdict.next.clone(),
        began_with: None,
    })
}

//! The grouping of `causes.rs` on hand-made findings: a dead dependency
//! with what fails through it, an unrelated oddity apart, and "first
//! failing" as the earliest event, not the first service with errors.

use super::causes::{Dependencies, group};
use super::chain::Chain;
use super::report::{Finding, Role, Severity, Source, Verdict};
use super::rules::Side;
use crate::ops::order::Graph;

fn finding(source: Source, service: &str, began: Option<&str>, rule: &str, rank: usize) -> Finding {
    Finding {
        id: 0,
        source,
        severity: Severity::Problem,
        role: Role::Cause,
        group: None,
        signature: format!("{service} {rule}"),
        level: None,
        count: 1,
        seen: None,
        began: began.map(str::to_string),
        services: vec![service.to_string()],
        sample: format!("{service} detail"),
        location: None,
        request_ids: Vec::new(),
        verdict: Verdict {
            side: Side::Product,
            rule: rule.into(),
            cause: format!("{service} {rule}"),
            advice: format!("advice of {service}"),
            next: Some(format!("next of {service}")),
        },
        rank,
        unreachable: None,
    }
}

/// porter-api needs rabbitmq; egisplus-agent needs nothing.
fn graph() -> Vec<Graph> {
    let mut graph = Graph::default();
    graph.add_edge("porter-api", "rabbitmq");
    graph.add_service("egisplus-agent");
    vec![graph]
}

#[test]
fn a_dead_dependency_holds_what_fails_through_it_and_failed_first() {
    let mut refused = finding(
        Source::Logs,
        "porter-api",
        Some("2026-12-04 19:20:05.000"),
        "middleware-unreachable",
        20,
    );
    refused.unreachable = Some("rabbitmq".into());
    let findings = vec![
        // rabbitmq logs nothing: porter-api is the first with errors, but
        // rabbitmq's exit is the earliest event.
        finding(
            Source::State,
            "porter-api",
            Some("2026-12-04 19:20:06.000"),
            "service-unhealthy",
            25,
        ),
        finding(
            Source::State,
            "egisplus-agent",
            None,
            "service-not-installed",
            105,
        ),
        refused,
        finding(
            Source::State,
            "rabbitmq",
            Some("2026-12-04 19:20:03.412"),
            "service-down",
            25,
        ),
    ];
    let graphs = graph();
    let (findings, groups, summary) = group(findings, &[], &Dependencies { graphs: &graphs });
    assert_eq!(groups.len(), 2);
    let (outage, other) = (&groups[0], &groups[1]);
    assert_eq!(outage.service, "rabbitmq");
    assert_eq!(
        (outage.causes.clone(), outage.symptoms.clone()),
        (vec![1], vec![2, 3])
    );
    assert_eq!(outage.affected, vec!["porter-api"]);
    assert_eq!(other.service, "egisplus-agent");
    assert_eq!(findings[1].role, Role::Symptom);
    assert_eq!(findings[3].group, Some(2));
    // The dead service's own state decides what to do; the unreachable rule, why.
    assert_eq!(outage.verdict.rule, "middleware-unreachable");
    assert_eq!(outage.verdict.next.as_deref(), Some("next of rabbitmq"));
    assert_eq!(
        outage.verdict.cause,
        "rabbitmq service-down; porter-api fails through it"
    );
    let summary = summary.unwrap();
    assert_eq!(summary.first_failing_service.as_deref(), Some("rabbitmq"));
    assert_eq!(summary.first_event.unwrap().time, "2026-12-04 19:20:03.412");
    assert!(summary.cross_service);
}

#[test]
fn an_error_passed_on_along_a_request_joins_the_error_it_passes_on() {
    let mut engine = finding(
        Source::Logs,
        "unicloud-engine",
        Some("2025-09-18 16:24:31.123"),
        "cloud-not-found",
        50,
    );
    let mut porter = finding(
        Source::Logs,
        "porter-api",
        Some("2025-09-18 16:24:33.415"),
        "unclassified",
        90,
    );
    engine.request_ids = vec!["req-1".into()];
    porter.request_ids = vec!["req-1".into()];
    let chains = vec![Chain {
        id: "req-1".into(),
        services: vec!["unicloud-engine".into(), "porter-api".into()],
        failed_first: Some("unicloud-engine".into()),
        links: Vec::new(),
    }];
    let (_, groups, _) = group(vec![porter, engine], &chains, &Dependencies { graphs: &[] });
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].service, "unicloud-engine");
    assert_eq!(
        groups[0].verdict.cause,
        "unicloud-engine cloud-not-found; porter-api passed it on"
    );
}

#[test]
fn information_is_in_no_group_and_nothing_else_means_no_verdict() {
    let mut starting = finding(Source::State, "influxdb", None, "service-starting", 105);
    starting.severity = Severity::Info;
    starting.role = Role::Info;
    let (findings, groups, summary) = group(vec![starting], &[], &Dependencies { graphs: &[] });
    assert!(groups.is_empty());
    assert!(summary.is_none());
    assert_eq!((findings[0].id, findings[0].group), (1, None));
}

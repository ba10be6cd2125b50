//! `hmctl diagnose` as text that reads like the troubleshooting guide's worked
//! examples (state, log search, analysis, actions), and as JSON.

use crate::catalog::windows_agent;
use crate::diagnose::chain::Chain;
use crate::diagnose::report::{
    CauseGroup, Finding, Report, Role, Seen, ServiceState, Severity, Source, Summary,
};
use crate::model::State;
use crate::ops::host::checks::human_bytes;
use std::fmt::Write;

/// `HH:MM:SS.mmm` of a time key, or the key itself when short.
fn clock(key: &str) -> &str {
    key.get(11..23).unwrap_or(key)
}

fn heading(report: &Report) -> String {
    let mut what = Vec::new();
    if let Some(stage) = &report.scope.stage {
        what.push(format!("stage {stage}"));
    }
    if let Some(service) = &report.scope.service {
        what.push(service.clone());
    }
    if let Some(id) = &report.scope.id {
        what.push(format!("id {id}"));
    }
    if let Some(keyword) = &report.scope.keyword {
        what.push(format!("keyword {keyword:?}"));
    }
    if what.is_empty() {
        what.push("every service".into());
    }
    let window = &report.window;
    let around = window
        .at
        .map(|at| format!(" (10 minutes either side of {})", window.local(at)))
        .unwrap_or_default();
    format!(
        "Diagnosis of {}, {} to {}{around}\n",
        what.join(", "),
        window.local(window.since),
        window.local(window.until)
    )
}

fn state_lines(out: &mut String, service: &ServiceState) {
    let Some(details) = &service.details else {
        return;
    };
    let mut facts = Vec::new();
    if details.oom_killed {
        facts.push("killed for lack of memory (OOM)".to_string());
    }
    if let Some(code) = details.exit_code.filter(|code| *code != 0) {
        facts.push(format!("exit code {code}"));
    }
    if let Some(result) = details
        .result
        .as_ref()
        .filter(|result| *result != "success")
    {
        facts.push(format!("Result: {result}"));
    }
    if let Some(restarts) = details.restarts.filter(|count| *count > 0) {
        facts.push(format!("restarted {restarts} times"));
    }
    if let Some(error) = &details.error {
        facts.push(error.clone());
    }
    if !facts.is_empty() {
        let _ = writeln!(out, "       {}", facts.join("; "));
    }
    for run in &details.health_checks {
        let when = run
            .end
            .as_deref()
            .and_then(|end| end.get(11..19))
            .unwrap_or("?");
        let output = run.output.lines().last().unwrap_or("");
        let line = format!(
            "       health check at {when}: exit {} {output}",
            run.exit_code
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    for line in &details.journal {
        let _ = writeln!(out, "       journal: {line}");
    }
    for line in &details.output {
        let _ = writeln!(out, "       output: {line}");
    }
}

/// The width of a column of service names: the longest, 7 when none.
fn name_width<'a>(names: impl Iterator<Item = &'a String>) -> usize {
    names.map(String::len).max().unwrap_or(7)
}

fn state(out: &mut String, report: &Report) {
    if report.services.is_empty() {
        out.push_str("\nState: not asked (see the notes below)\n");
        return;
    }
    let well: Vec<&str> = report
        .services
        .iter()
        .filter(|service| service.status.ok)
        .map(|service| service.status.name.as_str())
        .collect();
    let _ = writeln!(
        out,
        "\nState ({} services, {} running and healthy)",
        report.services.len(),
        well.len()
    );
    let unwell: Vec<&ServiceState> = report
        .services
        .iter()
        .filter(|service| !service.status.ok)
        .collect();
    let width = name_width(unwell.iter().map(|service| &service.status.name));
    for service in unwell {
        let status = &service.status;
        let _ = writeln!(
            out,
            "  ! {:width$}  {:10} {:9} {}",
            status.name,
            status.state.as_str(),
            status.health.as_str(),
            status.detail
        );
    }
    if !well.is_empty() {
        let _ = writeln!(out, "  running and healthy: {}", well.join(", "));
    }
}

/// When a finding began or was seen, for its line.
fn when(finding: &Finding) -> String {
    match (&finding.seen, &finding.began) {
        (Some(Seen { first, last }), _) if first != last => {
            format!(", {} to {}", clock(first), clock(last))
        }
        (Some(Seen { first, .. }), _) => format!(", at {}", clock(first)),
        (None, Some(began)) => format!(", since {}", clock(began)),
        (None, None) => String::new(),
    }
}

fn finding(out: &mut String, report: &Report, finding: &Finding) {
    let mark = if finding.role == Role::Symptom {
        "↳"
    } else {
        "✗"
    };
    if finding.source == Source::State {
        let service = report
            .services
            .iter()
            .find(|service| finding.services.contains(&service.status.name));
        let state = service.map_or("", |service| service.status.state.as_str());
        let _ = writeln!(
            out,
            "   {mark} {}  {state}  {}{}",
            finding.services.join(", "),
            finding.sample,
            when(finding)
        );
        if finding.role == Role::Symptom {
            let _ = writeln!(out, "       {}", finding.verdict.cause);
        }
        if let Some(service) = service {
            state_lines(out, service);
        }
        return;
    }
    let _ = writeln!(
        out,
        "   {mark} {}, {}×{}",
        finding.services.join(", "),
        finding.count,
        when(finding)
    );
    let _ = writeln!(
        out,
        "       {}",
        finding.sample.chars().take(300).collect::<String>()
    );
    if let Some(location) = &finding.location {
        let _ = writeln!(out, "       in {location}");
    }
    if !finding.request_ids.is_empty() {
        let _ = writeln!(
            out,
            "       request ids: {}",
            finding.request_ids.join(", ")
        );
    }
    let verdict = &finding.verdict;
    // A symptom no rule explains is explained by its group.
    if finding.role == Role::Cause || verdict.rule != "unclassified" {
        let _ = writeln!(out, "       {} (rule {})", verdict.cause, verdict.rule);
    }
}

fn group(out: &mut String, report: &Report, group: &CauseGroup) {
    let verdict = &group.verdict;
    let _ = writeln!(
        out,
        "  {}. {} [{}, rule {}]",
        group.id,
        verdict.cause,
        verdict.side.words(),
        verdict.rule
    );
    for id in group.causes.iter().chain(&group.symptoms) {
        if let Some(found) = report.findings.iter().find(|found| found.id == *id) {
            finding(out, report, found);
        }
    }
    if group.id != 1 {
        let _ = writeln!(out, "     {}", verdict.advice);
    }
    match &verdict.next {
        Some(next) => {
            let _ = writeln!(out, "     next: {next}");
        }
        None => out.push_str("     next: nothing hmctl can run\n"),
    }
}

fn chain(out: &mut String, chain: &Chain) {
    let first = chain
        .failed_first
        .as_deref()
        .map(|service| format!("; failed first: {service}"))
        .unwrap_or_default();
    let _ = writeln!(out, "  {}: {}{first}", chain.id, chain.services.join(" → "));
    let width = name_width(chain.links.iter().map(|link| &link.service));
    for link in &chain.links {
        let mark = if link.failed { "✗" } else { "·" };
        let _ = writeln!(
            out,
            "     {} {mark} {:width$}  {}",
            clock(&link.time),
            link.service,
            link.message
        );
    }
}

fn cost(out: &mut String, report: &Report) {
    let cost = &report.cost;
    let _ = writeln!(
        out,
        "\nRead {} of {} log files ({} last written before the window, not opened).",
        human_bytes(cost.bytes_read),
        cost.files_read,
        cost.files_skipped
    );
    if cost.budget_hit {
        let _ = writeln!(
            out,
            "Stopped at the byte budget of {}: some files, or their ends, were not read (raise --max-read).",
            human_bytes(cost.byte_budget)
        );
    }
}

/// The opening: the verdict, the first failing service and the one next
/// step — what an operator reads first.
fn verdict(out: &mut String, summary: &Summary) {
    let _ = writeln!(
        out,
        "Verdict: {} — {} (rule {})",
        summary.side.words(),
        summary.cause,
        summary.rule
    );
    if let Some(first) = &summary.first_event {
        let _ = writeln!(
            out,
            "First failing: {} at {} — {}",
            first.service,
            clock(&first.time),
            first.what
        );
    } else if let Some(service) = &summary.first_failing_service {
        let _ = writeln!(out, "First failing: {service}");
    }
    match &summary.next {
        Some(next) => {
            let _ = writeln!(out, "Next: {next}");
        }
        None => out.push_str("Next: nothing hmctl can run (below)\n"),
    }
    let _ = writeln!(out, "  {}", summary.advice);
    if let Some(began) = &summary.began_with {
        let _ = writeln!(out, "Began with: {began}");
    }
}

/// What happened to the services in the window, oldest first.
fn happenings(out: &mut String, report: &Report) {
    if report.happenings.is_empty() {
        return;
    }
    out.push_str("\nWhat happened in the window\n");
    for happening in &report.happenings {
        let _ = writeln!(
            out,
            "  {}  {} {}",
            happening.time, happening.service, happening.what
        );
    }
}

/// The one line of a window with nothing abnormal.
fn clean(report: &Report) -> String {
    let heading = heading(report);
    let cost = &report.cost;
    let unasked = report
        .services
        .iter()
        .filter(|service| service.status.state == State::Unknown)
        .count();
    // Never "running" for what could not be asked.
    let state = match (report.services.is_empty(), unasked) {
        (true, _) if !report.notes.is_empty() => {
            "the services' state could not be asked (below)".to_string()
        }
        (false, 0) | (true, _) => "every service that matters is running".to_string(),
        (false, 1) => "the state of 1 service could not be asked (below)".to_string(),
        (false, count) => format!("the state of {count} services could not be asked (below)"),
    };
    format!(
        "Nothing abnormal: {}; {state}, no errors in the window (read {} of {} log files).\n",
        heading.trim_end().trim_start_matches("Diagnosis of "),
        human_bytes(cost.bytes_read),
        cost.files_read
    )
}

/// The report for people: the verdict first, then the evidence grouped by
/// cause, what is only informational, the request chains and the state.
pub fn human(report: &Report) -> String {
    let information: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|finding| finding.severity == Severity::Info)
        .collect();
    let mut out = String::new();
    match &report.summary {
        None => out.push_str(&clean(report)),
        Some(summary) => {
            verdict(&mut out, summary);
            out.push('\n');
            out.push_str(&heading(report));
        }
    }
    for (index, found) in report.groups.iter().enumerate() {
        match index {
            0 => out.push_str("\nThe cause, and what fails through it\n"),
            1 => out.push_str("\nAlso not well (not part of the verdict)\n"),
            _ => {}
        }
        group(&mut out, report, found);
    }
    if report.unrelated_signatures > 0 {
        let _ = writeln!(
            out,
            "  ({} more error signatures in the window do not concern the id or keyword)",
            report.unrelated_signatures
        );
    }
    if !information.is_empty() {
        out.push_str(if report.summary.is_some() {
            "\nFor information\n"
        } else {
            ""
        });
        for found in information {
            let _ = writeln!(out, "  · {}: {}", found.verdict.cause, found.verdict.advice);
        }
    }
    if report.summary.is_some() {
        happenings(&mut out, report);
        if !report.chains.is_empty() {
            out.push_str("\nRequest chains\n");
            for found in &report.chains {
                chain(&mut out, found);
            }
        }
        state(&mut out, report);
    }
    if report.summary.is_some() && !report.notes.is_empty() {
        out.push('\n');
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    elsewhere(&mut out, report);
    if report.summary.is_some() {
        cost(&mut out, report);
    }
    out
}

/// The stage's logs on the Windows host: named for the operator, not read.
fn elsewhere(out: &mut String, report: &Report) {
    if report.elsewhere.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nThe Windows agent's logs for this stage are {} (not read here):",
        windows_agent::WHERE
    );
    for log in &report.elsewhere {
        let _ = writeln!(out, "  {}: {}", log.service, log.path);
    }
    let services: Vec<&str> = windows_agent::services()
        .into_iter()
        .filter(|service| report.elsewhere.iter().any(|log| log.service == *service))
        .collect();
    let _ = writeln!(
        out,
        "  before reading them, check that {} is running in {}",
        services.join(" and "),
        windows_agent::CONTROL
    );
}

/// The report as one JSON document.
pub fn json(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}

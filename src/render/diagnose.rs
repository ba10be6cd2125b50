//! `hmctl diagnose` as text that reads like the troubleshooting guide's worked
//! examples (state, log search, analysis, actions), and as JSON.

use crate::ops::checks::human_bytes;
use crate::ops::diagnose::chain::Chain;
use crate::ops::diagnose::report::{Finding, Report, Seen, ServiceState, Source};
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
    if let Some(result) = &details.result {
        facts.push(format!("Result: {result}"));
    }
    if let Some(restarts) = details.restarts.filter(|count| *count > 0) {
        facts.push(format!("restarted {restarts} times"));
    }
    if let Some(error) = &details.error {
        facts.push(error.clone());
    }
    if !facts.is_empty() {
        let _ = writeln!(out, "    {}", facts.join("; "));
    }
    for run in &details.health_checks {
        let when = run
            .end
            .as_deref()
            .and_then(|end| end.get(11..19))
            .unwrap_or("?");
        let output = run.output.lines().last().unwrap_or("");
        let _ = writeln!(
            out,
            "    health check at {when}: exit {} {output}",
            run.exit_code
        );
    }
    for line in &details.journal {
        let _ = writeln!(out, "    journal: {line}");
    }
}

/// The width of a column of service names: the longest, 7 when none.
fn name_width<'a>(names: impl Iterator<Item = &'a String>) -> usize {
    names.map(String::len).max().unwrap_or(7)
}

fn state(out: &mut String, report: &Report) {
    out.push_str("\nState\n");
    if report.services.is_empty() {
        out.push_str("  (no service state: see the notes below)\n");
        return;
    }
    let width = name_width(report.services.iter().map(|service| &service.status.name));
    for service in &report.services {
        let status = &service.status;
        let mark = if status.ok { " " } else { "!" };
        let _ = writeln!(
            out,
            "{mark} {:width$}  {:10} {:9} {}",
            status.name,
            status.state.as_str(),
            status.health.as_str(),
            status.detail
        );
        state_lines(out, service);
    }
}

fn finding(out: &mut String, number: usize, finding: &Finding) {
    let verdict = &finding.verdict;
    let when = match &finding.seen {
        Some(Seen { first, last }) if first != last => {
            format!(", {} to {}", clock(first), clock(last))
        }
        Some(Seen { first, .. }) => format!(", at {}", clock(first)),
        None => String::new(),
    };
    let count = if finding.source == Source::Logs {
        format!(", {}×", finding.count)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "  {number}. [{}] {}{count}{when}",
        verdict.side.words(),
        finding.services.join(", ")
    );
    let _ = writeln!(
        out,
        "     {}",
        finding.sample.chars().take(300).collect::<String>()
    );
    if let Some(location) = &finding.location {
        let _ = writeln!(out, "     in {location}");
    }
    if !finding.request_ids.is_empty() {
        let _ = writeln!(out, "     request ids: {}", finding.request_ids.join(", "));
    }
    let _ = writeln!(out, "     {} (rule {})", verdict.cause, verdict.rule);
    let _ = writeln!(out, "     next: {}", verdict.next);
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

/// The report for people.
pub fn human(report: &Report) -> String {
    let mut out = heading(report);
    state(&mut out, report);
    let logs = report
        .findings
        .iter()
        .filter(|finding| finding.source == Source::Logs)
        .count();
    let _ = writeln!(
        out,
        "\nFindings ({} from state, {logs} error signatures in the logs)",
        report.findings.len() - logs
    );
    if report.findings.is_empty() {
        out.push_str(
            "  none: no errors in the window, and every service that matters is running\n",
        );
    }
    for (index, found) in report.findings.iter().enumerate() {
        finding(&mut out, index + 1, found);
    }
    if report.unrelated_signatures > 0 {
        let _ = writeln!(
            out,
            "  ({} more error signatures in the window do not concern the id or keyword)",
            report.unrelated_signatures
        );
    }
    if !report.chains.is_empty() {
        out.push_str("\nRequest chains\n");
        for found in &report.chains {
            chain(&mut out, found);
        }
    }
    if let Some(summary) = &report.summary {
        out.push_str("\nAnalysis\n");
        let _ = writeln!(
            out,
            "  Verdict: {} (rule {})",
            summary.side.words(),
            summary.rule
        );
        let _ = writeln!(out, "  {}", summary.cause);
        if let Some(service) = &summary.first_failing_service {
            let spread = if summary.cross_service {
                "a failure across services"
            } else {
                "a single-service issue"
            };
            let _ = writeln!(out, "  First failing service: {service} ({spread})");
        }
        out.push_str("\nActions\n");
        let _ = writeln!(out, "  {}", summary.advice);
        let _ = writeln!(out, "  Next: {}", summary.next);
    }
    for note in &report.notes {
        let _ = writeln!(out, "\nnote: {note}");
    }
    cost(&mut out, report);
    out
}

/// The report as one JSON document.
pub fn json(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}

//! Upgrade plans and outcomes as text and JSON.

use super::Style;
use crate::ops::host::checks::human_bytes;
use crate::ops::upgrade::{Plan, Report};
use serde_json::json;

/// The plan, printed before anything changes.
pub fn plan(plan: &Plan) -> String {
    let mut text = format!(
        "{} plan for group {}: {} -> {}\n",
        plan.kind,
        plan.group,
        plan.source.display(),
        plan.live_dir.display()
    );
    for (entry, action) in &plan.entries {
        text.push_str(&format!("  {action:8} {entry}\n"));
    }
    if !plan.untouched.is_empty() {
        text.push_str(&format!("  left alone: {}\n", plan.untouched.join(", ")));
    }
    if plan.files > 0 {
        text.push_str(&format!(
            "  {} files, {}\n",
            plan.files,
            human_bytes(plan.bytes)
        ));
    }
    if plan.services.is_empty() {
        text.push_str("  no service to stop\n");
    } else {
        text.push_str(&format!(
            "  services stopped, then started and checked: {}\n",
            plan.services.join(", ")
        ));
    }
    text.trim_end().to_string()
}

/// What happened, for stdout.
pub fn outcome(report: &Report, style: Style) -> String {
    match report {
        Report::Planned(planned) => format!("{}\n", plan(planned)),
        Report::Declined(planned) => format!(
            "{} of {} not done: not confirmed\n",
            planned.kind, planned.group
        ),
        Report::Upgraded {
            plan,
            backup,
            results,
        } => {
            let mut text = format!(
                "{} of {} done: {} entr{} in place, services healthy; the replaced version is kept in {}\n",
                plan.kind,
                plan.group,
                plan.entries.len(),
                if plan.entries.len() == 1 { "y" } else { "ies" },
                backup.display()
            );
            if !results.is_empty() {
                text.push_str(&super::lifecycle::results(results, style));
            }
            text
        }
        Report::RolledBack { plan, results, .. } => {
            let mut text = format!(
                "{} of {} rolled back; the previous files are in place\n",
                plan.kind, plan.group
            );
            if !results.is_empty() {
                text.push_str(&super::lifecycle::results(results, style));
            }
            text
        }
    }
}

pub fn json(report: &Report) -> String {
    let (outcome, plan, extra) = match report {
        Report::Planned(plan) => ("planned", plan, json!({})),
        Report::Declined(plan) => ("declined", plan, json!({})),
        Report::Upgraded {
            plan,
            backup,
            results,
        } => ("done", plan, json!({"backup": backup, "results": results})),
        Report::RolledBack {
            plan,
            reason,
            results,
        } => (
            "rolled-back",
            plan,
            json!({"reason": reason, "results": results}),
        ),
    };
    let mut text = serde_json::to_string_pretty(&json!({
        "schema": 1,
        "outcome": outcome,
        "ok": report.exit() == crate::exit::Exit::Success,
        "plan": plan,
        "details": extra,
    }))
    .unwrap_or_default();
    text.push('\n');
    text
}

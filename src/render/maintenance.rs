//! `hmctl maintenance` as text and JSON: the list (who, since, why, what to
//! give back) and what `on` / `off` did or would do (the lifecycle's plan
//! and results, and each restart policy or enablement changed).

use super::{Style, finish, table};
use crate::model::format_timestamp;
use crate::ops::maintenance::register::{Phase, Register};
use crate::ops::maintenance::{Change, Report};
use comfy_table::Cell;
use serde_json::json;

/// The list as a table, or that nothing is in maintenance.
pub fn list(register: &Register, style: Style) -> String {
    if register.entries.is_empty() {
        return "nothing is in maintenance on this host\n".to_string();
    }
    let mut rows = table(
        style,
        &[
            "SERVICE",
            "GROUP",
            "SINCE",
            "BY",
            "REASON",
            "GIVEN BACK BY OFF",
        ],
    );
    for entry in &register.entries {
        let since = match entry.phase {
            Phase::In => format_timestamp(entry.since),
            Phase::Entering => format!("{} (entering)", format_timestamp(entry.since)),
            Phase::Leaving => format!("{} (leaving)", format_timestamp(entry.since)),
        };
        rows.add_row(vec![
            Cell::new(&entry.service),
            Cell::new(&entry.group),
            Cell::new(since),
            Cell::new(format!("{} ({})", entry.by, entry.from)),
            Cell::new(entry.reason.as_deref().unwrap_or("-")),
            Cell::new(entry.previous.describe()),
        ]);
    }
    finish(&rows)
}

/// The list as one JSON document.
pub fn list_json(register: &Register) -> String {
    let services: Vec<_> = register
        .entries
        .iter()
        .map(|entry| {
            json!({
                "service": entry.service,
                "group": entry.group,
                "backend": entry.backend,
                "by": entry.by,
                "from": entry.from,
                "since": format_timestamp(entry.since),
                "reason": entry.reason,
                "previous": entry.previous,
                "phase": entry.phase,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&json!({"schema": 1, "services": services}))
        .unwrap_or_default();
    text.push('\n');
    text
}

/// Each change in words, one line each, under a heading.
pub fn changes(changes: &[Change], dry_run: bool) -> String {
    if changes.is_empty() {
        return String::new();
    }
    let mut text = String::from(if dry_run {
        "restart policies and enablement to change:\n"
    } else {
        "restart policies and enablement changed:\n"
    });
    for change in changes {
        text.push_str(&format!("  {}\n", change.describe()));
    }
    text
}

/// What `on` / `off` did or would do, as one JSON document: the lifecycle's
/// document with the changes and which verb.
pub fn json(verb: &str, report: &Report) -> String {
    let lifecycle = super::lifecycle::json(&report.lifecycle);
    let mut document: serde_json::Value =
        serde_json::from_str(&lifecycle).unwrap_or_else(|_| json!({}));
    document["verb"] = json!(format!("maintenance {verb}"));
    document["changes"] = json!(report.changes);
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AutoStart, BackendKind, RestartPolicyName};

    #[test]
    fn an_empty_list_says_so_and_a_change_reads_from_to() {
        assert_eq!(
            list(&Register::default(), Style::plain()),
            "nothing is in maintenance on this host\n"
        );
        let change = Change {
            service: "rabbitmq".into(),
            group: "console".into(),
            backend: BackendKind::Compose,
            from: AutoStart::RestartPolicy {
                name: RestartPolicyName::Always,
                maximum_retry_count: 0,
            },
            to: AutoStart::RestartPolicy {
                name: RestartPolicyName::No,
                maximum_retry_count: 0,
            },
        };
        assert_eq!(
            changes(&[change], true),
            "restart policies and enablement to change:\n  rabbitmq: restart policy always -> restart policy no\n"
        );
    }
}

//! `hmctl status` as text: the services table, the host checks under it, and
//! what could not be asked.

use super::{Style, finish, table};
use crate::model::{Health, ServiceStatus, State};
use crate::ops::host::checks::Check;
use crate::ops::status::StatusReport;
use comfy_table::{Cell, Color};

fn state_color(service: &ServiceStatus) -> Color {
    match service.state {
        State::Running if service.ok => Color::Green,
        State::Running | State::Starting | State::Restarting | State::Stopped => Color::Yellow,
        State::Unknown => Color::Magenta,
        State::Maintenance => Color::Blue,
        State::Exited | State::Failed | State::Missing => Color::Red,
    }
}

fn health_color(health: Health) -> Color {
    match health {
        Health::Healthy => Color::Green,
        Health::Unhealthy => Color::Red,
        Health::Starting | Health::None => Color::Reset,
    }
}

fn colored(text: &str, color: Color, style: Style) -> Cell {
    let cell = Cell::new(text);
    if style.color && color != Color::Reset {
        cell.fg(color)
    } else {
        cell
    }
}

fn uptime(service: &ServiceStatus, now: jiff::Timestamp) -> String {
    match (service.state, service.since) {
        (State::Running | State::Starting, Some(since)) => {
            super::duration::short(now.as_second() - since.as_second())
        }
        _ => "-".to_string(),
    }
}

/// The services table.
pub fn services_table(services: &[ServiceStatus], style: Style, now: jiff::Timestamp) -> String {
    let mut table = table(
        style,
        &[
            "SERVICE", "GROUP", "STATE", "HEALTH", "UPTIME", "RESTARTS", "DETAIL",
        ],
    );
    for service in services {
        table.add_row(vec![
            Cell::new(&service.name),
            Cell::new(&service.group),
            colored(service.state.as_str(), state_color(service), style),
            colored(
                if service.health == Health::None {
                    "-"
                } else {
                    service.health.as_str()
                },
                health_color(service.health),
                style,
            ),
            Cell::new(uptime(service, now)),
            Cell::new(
                service
                    .restarts
                    .map_or("-".to_string(), |count| count.to_string()),
            ),
            Cell::new(detail(service, now)),
        ]);
    }
    finish(&table)
}

/// The backend's words, then what last happened when it was recent
/// (`Up 2 minutes; restarted by alice via hmctl 2 min ago`).
fn detail(service: &ServiceStatus, now: jiff::Timestamp) -> String {
    match &service.last_change {
        Some(change) if service.detail.is_empty() => change.words(now),
        Some(change) => format!("{}; {}", service.detail, change.words(now)),
        None => service.detail.clone(),
    }
}

fn check_where(check: &Check) -> String {
    match (&check.path, check.port) {
        (Some(path), _) => path.clone(),
        (None, Some(port)) => format!("port {port}"),
        (None, None) => String::new(),
    }
}

/// The host checks table.
pub fn checks_table(checks: &[Check], style: Style) -> String {
    let mut table = table(style, &["CHECK", "GROUP", "WHERE", "RESULT", "DETAIL"]);
    for check in checks {
        let result = if check.ok { "ok" } else { "FAIL" };
        table.add_row(vec![
            Cell::new(check.name),
            Cell::new(check.group.as_deref().unwrap_or("")),
            Cell::new(check_where(check)),
            colored(
                result,
                if check.ok { Color::Green } else { Color::Red },
                style,
            ),
            Cell::new(check.detail.as_deref().unwrap_or("")),
        ]);
    }
    finish(&table)
}

/// The whole human `status` output (stdout); errors go to stderr separately.
pub fn human(report: &StatusReport, style: Style, now: jiff::Timestamp) -> String {
    if report.services.is_empty() && report.errors.is_empty() {
        let mut text =
            String::from("No HyperBDR / HyperMotion component is installed on this host.\n");
        for (group, rule) in &report.absent_groups {
            text.push_str(&format!("  {group}: not present ({rule})\n"));
        }
        return text;
    }
    let mut text = services_table(&report.services, style, now);
    if !report.checks.is_empty() {
        text.push('\n');
        text.push_str(&checks_table(&report.checks, style));
    }
    text
}

/// The `--json` document.
pub fn json(report: &StatusReport) -> String {
    report.to_json()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Exit;
    use crate::model::{Handle, Observation};

    fn service(name: &str, state: State, health: Health, detail: &str) -> ServiceStatus {
        let since: jiff::Timestamp = "2026-11-23T08:00:00Z".parse().unwrap();
        ServiceStatus::new(
            name,
            "console",
            Handle::compose("hyperbdr", name, Some(format!("{name}-id"))),
            Observation {
                state,
                health,
                detail: detail.into(),
                since: Some(since),
                restarts: Some(0),
                exit_code: None,
                pid: Some(4242),
                reason: None,
                readiness: crate::model::Readiness::Started,
                last_exit: None,
                started_on_demand_by: Vec::new(),
            },
        )
    }

    fn report(services: Vec<ServiceStatus>) -> StatusReport {
        StatusReport {
            schema: 1,
            host: "console-01".into(),
            ok: false,
            services,
            checks: vec![],
            errors: vec![],
            absent_groups: vec![(
                "gateway".into(),
                "present when /var/lib/sgateway exists".into(),
            )],
            exit: Exit::NotRunning,
        }
    }

    #[test]
    fn the_table_has_the_contract_columns_and_the_backend_words() {
        let now: jiff::Timestamp = "2026-11-23T11:12:00Z".parse().unwrap();
        let text = human(
            &report(vec![
                service(
                    "porter-api",
                    State::Running,
                    Health::Healthy,
                    "Up 3 hours (healthy)",
                ),
                service(
                    "mysql",
                    State::Exited,
                    Health::None,
                    "Exited (137) 5 minutes ago",
                ),
            ]),
            Style::plain(),
            now,
        );
        let lines: Vec<&str> = text.lines().collect();
        for column in [
            "SERVICE", "GROUP", "STATE", "HEALTH", "UPTIME", "RESTARTS", "DETAIL",
        ] {
            assert!(lines[0].contains(column), "{text}");
        }
        assert!(
            lines[1].contains("porter-api")
                && lines[1].contains("3h 12m")
                && lines[1].contains("Up 3 hours (healthy)")
        );
        assert!(lines[2].contains("exited") && lines[2].contains("Exited (137) 5 minutes ago"));
        assert!(!text.contains('\u{1b}'), "no colour when plain");
    }

    #[test]
    fn a_bare_host_says_so() {
        let text = human(&report(vec![]), Style::plain(), jiff::Timestamp::now());
        assert!(text.starts_with("No HyperBDR / HyperMotion component is installed on this host."));
        assert!(text.contains("gateway: not present"));
    }

    #[test]
    fn json_follows_the_contract_schema() {
        let value: serde_json::Value = serde_json::from_str(&json(&report(vec![service(
            "porter-api",
            State::Running,
            Health::Healthy,
            "Up",
        )])))
        .unwrap();
        assert_eq!(value["schema"], 1);
        assert_eq!(value["host"], "console-01");
        let row = &value["services"][0];
        assert_eq!(row["name"], "porter-api");
        assert_eq!(row["backend"], "compose");
        assert_eq!(row["state"], "running");
        assert_eq!(row["health"], "healthy");
        assert_eq!(row["ok"], true);
        assert_eq!(row["since"], "2026-11-23T08:00:00Z");
        assert_eq!(row["restarts"], 0);
        assert_eq!(row["exit_code"], serde_json::Value::Null);
        assert_eq!(row["pid"], 4242);
        assert_eq!(row["last_change"], serde_json::Value::Null);
        let keys: Vec<&String> = row.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 12, "{keys:?}");
    }

    #[test]
    fn what_last_happened_follows_the_backend_words_in_detail() {
        let now: jiff::Timestamp = "2026-11-23T08:10:00Z".parse().unwrap();
        let mut restarted = service(
            "porter-api",
            State::Running,
            Health::Healthy,
            "Up 2 minutes",
        );
        restarted.last_change = Some(crate::model::LastChange {
            at: "2026-11-23T08:08:00Z".parse().unwrap(),
            what: "restarted".into(),
            by: Some("alice".into()),
        });
        assert_eq!(
            detail(&restarted, now),
            "Up 2 minutes; restarted by alice via hmctl 2 min ago"
        );
        let table = services_table(&[restarted], Style::plain(), now);
        assert!(
            table.contains("restarted by alice via hmctl 2 min ago"),
            "{table}"
        );
        let quiet = service(
            "porter-api",
            State::Running,
            Health::Healthy,
            "Up 2 minutes",
        );
        assert_eq!(detail(&quiet, now), "Up 2 minutes");
    }
}

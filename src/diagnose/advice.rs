//! What a service's state means and what to do about it, as an on-call
//! colleague would say it: only advice that can work in that state. A missing
//! container is created by `hmctl start`; a unit that is not installed has
//! nothing to restart; a crash loop shows its exit code and last output
//! before any restart; a health check still within its start period is
//! normal (an informational line, "give it N s"), not a fault.

use super::context::{Context, rank_of};
use super::report::{Finding, Role, ServiceState, Severity, Source, Verdict};
use super::rules::{Side, Table};
use crate::model::{Details, Health, HealthCheckTiming, ServiceStatus, State};

/// How long systemd gives a unit to start unless it says otherwise
/// (`DefaultTimeoutStartSec`).
const UNIT_START_GRACE_SECONDS: u64 = 90;

/// What is the matter with one service that is not ok.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Condition {
    OutOfMemory,
    /// Declared, no container: `hmctl start` creates it.
    NotCreated,
    /// No unit of that name on this host.
    NotInstalled,
    CrashLooping,
    Failed,
    Exited,
    /// Stopped; `enabled`: whether it starts at boot, where known.
    Stopped {
        enabled: Option<bool>,
    },
    Unhealthy,
    /// Health check or start not over yet; `left`: seconds of grace left.
    StillStarting {
        left: Option<u64>,
    },
}

/// Seconds since `status.since`, when the daemon keeps it.
fn up_for(status: &ServiceStatus, now: jiff::Timestamp) -> Option<u64> {
    let since = status.since?;
    u64::try_from(now.as_second() - since.as_second()).ok()
}

pub(super) fn condition(service: &ServiceState, now: jiff::Timestamp) -> Condition {
    let status = &service.status;
    let details = service.details.as_ref();
    let grace_left = |grace: u64| up_for(status, now).map(|up| grace.saturating_sub(up));
    match (status.state, status.health) {
        _ if details.is_some_and(|details| details.oom_killed) => Condition::OutOfMemory,
        (State::Missing, _) if status.backend().creates_missing() => Condition::NotCreated,
        (State::Missing, _) => Condition::NotInstalled,
        (State::Restarting, _) => Condition::CrashLooping,
        (State::Failed, _) => Condition::Failed,
        (State::Exited, _) => Condition::Exited,
        (State::Stopped, _) => Condition::Stopped {
            enabled: details.and_then(|details| details.enabled),
        },
        (State::Running, Health::Starting) => {
            let grace = details
                .and_then(|details| details.health_timing)
                .map_or(30, HealthCheckTiming::grace_seconds);
            Condition::StillStarting {
                left: grace_left(grace),
            }
        }
        (State::Starting, _) => Condition::StillStarting {
            left: grace_left(UNIT_START_GRACE_SECONDS),
        },
        _ => Condition::Unhealthy,
    }
}

/// The facts a cause sentence quotes: the exit code, Result, restarts.
fn facts(status: &ServiceStatus, details: Option<&Details>) -> String {
    let mut facts = Vec::new();
    if let Some(result) = details.and_then(|details| details.result.as_deref())
        && result != "success"
    {
        facts.push(format!("Result: {result}"));
    }
    if let Some(code) = status.exit_code {
        facts.push(format!("exit code {code}"));
    }
    if let Some(restarts) = status.restarts.filter(|count| *count > 0) {
        facts.push(format!("restarted {restarts} times"));
    }
    if facts.is_empty() {
        String::new()
    } else {
        format!(" ({})", facts.join(", "))
    }
}

/// Where the catalog expects a service that is not installed, in words.
fn expected_by(context: &Context<'_>, status: &ServiceStatus) -> String {
    match context.catalog.group(&status.group) {
        Some(group) if !group.present_if.is_empty() => format!(
            "the catalog expects it here: group {} is on this host ({})",
            group.name,
            group.presence_rule()
        ),
        _ => format!(
            "the configuration lists it in group {}, always present",
            status.group
        ),
    }
}

/// The verdict on one condition, before it is a finding.
struct Judgement {
    side: Side,
    rule: &'static str,
    cause: String,
    advice: String,
    next: Option<String>,
}

impl Judgement {
    fn new(
        side: Side,
        rule: &'static str,
        cause: String,
        advice: String,
        next: Option<String>,
    ) -> Self {
        Judgement {
            side,
            rule,
            cause,
            advice,
            next,
        }
    }
}

/// What restarting it does for the services that need it.
const DEPENDENTS: &str = "services that depend on it recover after";

fn judge(condition: Condition, service: &ServiceState, context: &Context<'_>) -> Judgement {
    match condition {
        Condition::NotCreated | Condition::NotInstalled | Condition::Stopped { .. } => {
            absent(condition, &service.status, context)
        }
        Condition::Unhealthy | Condition::StillStarting { .. } => {
            unwell(condition, &service.status)
        }
        _ => down(condition, service),
    }
}

/// A service that is not there, or not started: what makes it run.
fn absent(condition: Condition, status: &ServiceStatus, context: &Context<'_>) -> Judgement {
    let name = &status.name;
    let start = Some(format!("hmctl start {name}"));
    match condition {
        Condition::NotCreated => Judgement::new(
            Side::Product,
            "service-not-created",
            format!("{name} is declared in the compose files but has no container"),
            format!(
                "`hmctl start {name}` creates and starts it; if it should not run here, check its compose file"
            ),
            start,
        ),
        Condition::NotInstalled => Judgement::new(
            Side::Host,
            "service-not-installed",
            format!(
                "{name} is not installed on this host (no unit {})",
                status.handle.name
            ),
            format!(
                "{}; install its package, or leave it out of that group in hmctl.toml if this host should not run it",
                expected_by(context, status)
            ),
            None,
        ),
        Condition::Stopped {
            enabled: Some(false),
        } => Judgement::new(
            Side::Host,
            "service-not-enabled",
            format!("{name} is stopped and not enabled: it does not start at boot"),
            format!(
                "if this host should run it: `hmctl start {name}` now, and `systemctl enable {}` to keep it across reboots",
                status.handle.name
            ),
            start,
        ),
        _ => Judgement::new(
            Side::Product,
            "service-down",
            format!("{name} is stopped ({})", status.detail),
            format!("start it again; {DEPENDENTS}"),
            start,
        ),
    }
}

/// A service that runs but does not serve (yet): its log, not a restart.
fn unwell(condition: Condition, status: &ServiceStatus) -> Judgement {
    let name = &status.name;
    let read = Some(format!("hmctl logs {name} -n 50"));
    let checks = format!(
        "its health checks say why (shown with its state); fix that, then `hmctl restart {name}`"
    );
    match condition {
        Condition::StillStarting { left: Some(0) } => Judgement::new(
            Side::Product,
            "service-unhealthy",
            format!(
                "{name} is still not ready after its start period ({})",
                status.detail
            ),
            checks,
            read,
        ),
        Condition::StillStarting { left } => Judgement::new(
            Side::Product,
            "service-starting",
            format!("{name} is still starting ({})", status.detail),
            left.map_or_else(
                || "give it a moment".to_string(),
                |seconds| format!("give it {seconds} s"),
            ),
            None,
        ),
        _ => Judgement::new(
            Side::Product,
            "service-unhealthy",
            format!("{name} is {} ({})", status.health.as_str(), status.detail),
            checks,
            read,
        ),
    }
}

/// A service that stopped on its own: what it said, then a restart — not
/// for a crash loop, which a restart does not end.
fn down(condition: Condition, service: &ServiceState) -> Judgement {
    let status = &service.status;
    let name = &status.name;
    let facts = facts(status, service.details.as_ref());
    let restart = Some(format!("hmctl restart {name}"));
    let read_first = format!("read its last lines (shown with its state, or `hmctl logs {name}`)");
    match condition {
        Condition::OutOfMemory => Judgement::new(
            Side::Host,
            "out-of-memory",
            format!("{name} was killed for lack of memory (OOM){facts}"),
            format!(
                "check what uses the memory (`free -m`, `docker stats`), then start it again; {DEPENDENTS}"
            ),
            restart,
        ),
        Condition::CrashLooping => Judgement::new(
            Side::Product,
            "service-crash-loop",
            format!("{name} is crash-looping{facts}"),
            format!(
                "a restart alone will not help: {read_first}, fix what it reports, then `hmctl restart {name}`"
            ),
            Some(format!("hmctl logs {name} -n 50")),
        ),
        Condition::Failed => Judgement::new(
            Side::Product,
            "service-failed",
            format!("{name} failed{facts}"),
            format!("{read_first}, fix what they report, then restart it; {DEPENDENTS}"),
            restart,
        ),
        _ => Judgement::new(
            Side::Product,
            "service-down",
            format!(
                "{name} is {}: {}{facts}",
                status.state.as_str(),
                status.detail
            ),
            format!("{read_first}, then start it again; {DEPENDENTS}"),
            restart,
        ),
    }
}

/// A daemon's timestamp as findings write their times (`2025-09-18
/// 16:24:31.123`, this host's zone, to the millisecond): sortable with the
/// log lines' times.
pub(super) fn time_key(timestamp: jiff::Timestamp) -> String {
    let zoned = timestamp.to_zoned(jiff::tz::TimeZone::system());
    format!(
        "{}.{:03}",
        zoned.strftime("%Y-%m-%d %H:%M:%S"),
        timestamp.subsec_millisecond().max(0)
    )
}

/// When the trouble began: a failing health check's first failed run of its
/// last streak (the container started well before); the state change for
/// the rest; nothing for what never existed.
pub(super) fn began(service: &ServiceState, condition: Condition) -> Option<String> {
    match condition {
        Condition::NotCreated | Condition::NotInstalled => None,
        Condition::Unhealthy => {
            let runs = &service.details.as_ref()?.health_checks;
            let streak = runs
                .iter()
                .rposition(|run| run.exit_code == 0)
                .map_or(0, |passed| passed + 1);
            let end: jiff::Timestamp = runs.get(streak)?.end.as_deref()?.parse().ok()?;
            Some(time_key(end))
        }
        _ => service.status.since.map(time_key),
    }
}

/// The precedence of a state finding: a service that is down or failing
/// ranks with an unreachable middleware; an oddity (not installed, not
/// enabled) after every log rule, so it decides the verdict only alone.
fn rank(table: &Table, rule: &str) -> usize {
    match rule {
        "out-of-memory" => rank_of(table, "out-of-memory"),
        "service-not-installed" | "service-not-enabled" | "service-starting" => {
            table.rules.len() * 10 + 5
        }
        _ => rank_of(table, "middleware-unreachable") + 5,
    }
}

/// A finding for each selected service that is not running or not healthy
/// (a service whose daemon could not be asked is a note, not a finding).
pub fn state_findings(table: &Table, context: &Context<'_>) -> Vec<Finding> {
    context
        .states
        .iter()
        .filter(|state| !state.status.ok && state.status.state != State::Unknown)
        .map(|state| {
            let status = &state.status;
            let condition = condition(state, context.now);
            let Judgement {
                side,
                rule,
                cause,
                advice,
                next,
            } = judge(condition, state, context);
            // A dead middleware is said to be one: every other service needs it.
            let cause = match table.middleware_service(&status.name) {
                Some(_) if rule == "service-down" => format!("the middleware {cause}"),
                _ => cause,
            };
            let informational = matches!(
                condition,
                Condition::StillStarting {
                    left: Some(1..) | None
                }
            );
            Finding {
                id: 0,
                source: Source::State,
                severity: if informational {
                    Severity::Info
                } else {
                    Severity::Problem
                },
                role: if informational {
                    Role::Info
                } else {
                    Role::Cause
                },
                group: None,
                signature: format!("{} {}", status.name, status.state.as_str()),
                level: None,
                count: 1,
                seen: None,
                began: began(state, condition),
                services: vec![status.name.clone()],
                sample: status.detail.clone(),
                location: None,
                request_ids: Vec::new(),
                verdict: Verdict {
                    side,
                    rule: rule.into(),
                    cause,
                    advice,
                    next,
                },
                rank: rank(table, rule),
                unreachable: None,
            }
        })
        .collect()
}

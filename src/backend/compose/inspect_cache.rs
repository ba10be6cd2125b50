//! Remembering `docker inspect`, so `status` need not inspect every container
//! every time: at 200 containers that cost dockerd 20 ms per run, more than
//! all the rest. The list call, made every time, gives each container's state
//! and Docker's own words (`Up 3 hours (healthy)`, `Exited (137) 5 minutes
//! ago`); a remembered inspect (at most a minute old) is used only when those
//! words are exactly what the remembered start or finish time would make
//! Docker say now. A restart since resets the uptime, so the words differ and
//! the container is inspected again. Restarting containers are always inspected.
//!
//! The cache lives in `/run/hmctl` (tmpfs, root only); when it cannot be
//! read or written, every container is inspected, as without it.
//!
//! What it earns: checking and rebuilding a remembered inspect costs 0.35 to
//! 0.56 µs a container, against 4.3 to 5.8 µs to decode an inspect answer
//! (`measure_a_remembered_inspect`, opt-level 2 test build) and, before that,
//! dockerd's own round trip: 0.17 ms at best, 1.3 ms median per inspect
//! (200 sequential `GET /containers/ID/json` on the sandbox's dockerd). All
//! on the 2-core VM while other builds loaded it (load average 3 to 14),
//! 2026-12-05. `what_is_remembered_answers_as_bollards_inspect_did` holds a
//! rebuilt inspect to the same observation and events as the original on
//! every recorded inspect.

use super::docker_list::Listed;
use bollard::models::{
    ContainerConfig, ContainerInspectResponse, ContainerState, ContainerStateStatusEnum, Health,
    HealthConfig, HealthStatusEnum, HealthcheckResult,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// How long a remembered inspect may be used.
pub const MAX_AGE_SECONDS: i64 = 60;

/// How long after a container's start (or finish) an inspect must have been
/// taken to be remembered usefully. Docker's words count whole seconds, so a
/// container that died within a second of the remembered start and came back
/// reads the same words as before (`Up 12 seconds`) with a new start and a
/// higher restart count; only a container that was that young when inspected
/// can do so. Such an inspect is not trusted: the container is asked again.
const SETTLED_SECONDS: f64 = 2.0;

/// What hmctl keeps of one inspect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RememberedInspect {
    pub cached_at: i64,
    pub state: String,
    pub created: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub exit_code: Option<i64>,
    pub pid: Option<i64>,
    pub restart_count: Option<i64>,
    pub error: Option<String>,
    pub oom_killed: Option<bool>,
    pub health: Option<String>,
    pub health_last: Option<(i64, String)>,
    pub healthcheck_test: Option<Vec<String>>,
    /// `started_at` and `finished_at` as seconds since the epoch, for checking.
    pub started: Option<f64>,
    pub finished: Option<f64>,
}

/// Docker's `units.HumanDuration`, which its list endpoint uses in `Status`.
pub fn human_duration(seconds: f64) -> String {
    let whole = seconds as i64;
    if whole < 1 {
        return "Less than a second".into();
    }
    if whole == 1 {
        return "1 second".into();
    }
    if whole < 60 {
        return format!("{whole} seconds");
    }
    let minutes = whole / 60;
    if minutes == 1 {
        return "About a minute".into();
    }
    if minutes < 60 {
        return format!("{minutes} minutes");
    }
    let hours = (seconds / 3600.0).round() as i64;
    if hours == 1 {
        "About an hour".into()
    } else if hours < 48 {
        format!("{hours} hours")
    } else if hours < 24 * 7 * 2 {
        format!("{} days", hours / 24)
    } else if hours < 24 * 30 * 2 {
        format!("{} weeks", hours / 24 / 7)
    } else if hours < 24 * 365 * 2 {
        format!("{} months", hours / 24 / 30)
    } else {
        format!("{} years", whole / 3600 / 24 / 365)
    }
}

fn epoch(time: Option<&str>) -> Option<f64> {
    let then: jiff::Timestamp = time?.parse().ok()?;
    Some(then.as_nanosecond() as f64 / 1e9)
}

fn seconds_since(then: Option<f64>, now: jiff::Timestamp) -> Option<f64> {
    Some(now.as_nanosecond() as f64 / 1e9 - then?)
}

/// The health word of a status text (`healthy`, `unhealthy`, `starting`, or none).
fn health_word(status: &str) -> &'static str {
    if status.contains("(healthy)") {
        "healthy"
    } else if status.contains("(unhealthy)") {
        "unhealthy"
    } else if status.contains("(health: starting)") {
        "starting"
    } else {
        ""
    }
}

impl RememberedInspect {
    pub fn of(inspect: &ContainerInspectResponse, now: jiff::Timestamp) -> RememberedInspect {
        let state = inspect.state.clone().unwrap_or_default();
        let health = state.health.as_ref();
        RememberedInspect {
            cached_at: now.as_second(),
            state: state
                .status
                .map(|status| status.to_string())
                .unwrap_or_default(),
            created: inspect.created.clone(),
            started_at: state.started_at.clone(),
            finished_at: state.finished_at.clone(),
            exit_code: state.exit_code,
            pid: state.pid,
            restart_count: inspect.restart_count,
            error: state.error.clone(),
            oom_killed: state.oom_killed,
            health: health
                .and_then(|health| health.status)
                .map(|status| status.to_string()),
            health_last: health
                .and_then(|health| health.log.as_ref())
                .and_then(|log| log.last())
                .map(|last| {
                    (
                        last.exit_code.unwrap_or(-1),
                        last.output.clone().unwrap_or_default(),
                    )
                }),
            healthcheck_test: inspect
                .config
                .as_ref()
                .and_then(|config| config.healthcheck.as_ref())
                .and_then(|healthcheck| healthcheck.test.clone()),
            started: epoch(state.started_at.as_deref()),
            finished: epoch(state.finished_at.as_deref()),
        }
    }

    /// Whether this still describes the container the list shows now.
    pub fn agrees_with(&self, listed: &Listed, now: jiff::Timestamp) -> bool {
        if now.as_second() - self.cached_at > MAX_AGE_SECONDS || now.as_second() < self.cached_at {
            return false;
        }
        let status = listed.status.as_str();
        if listed.state != self.state
            || health_word(status)
                != self.health.as_deref().map_or("", |health| match health {
                    "healthy" => "healthy",
                    "unhealthy" => "unhealthy",
                    "starting" => "starting",
                    _ => "",
                })
        {
            return false;
        }
        let settled = |since: Option<f64>| {
            since.is_some_and(|since| self.cached_at as f64 - since >= SETTLED_SECONDS)
        };
        match self.state.as_str() {
            "running" | "paused" => match seconds_since(self.started, now) {
                Some(uptime) if settled(self.started) => {
                    status.starts_with(&format!("Up {}", human_duration(uptime)))
                }
                _ => false,
            },
            "exited" => match (self.exit_code, seconds_since(self.finished, now)) {
                (Some(code), Some(ago)) if settled(self.finished) => {
                    status == format!("Exited ({code}) {} ago", human_duration(ago))
                }
                _ => false,
            },
            "created" => status == "Created",
            // Restarting, dead, removing: changing by the moment; always ask.
            _ => false,
        }
    }

    /// An inspect answer with what was remembered.
    pub fn to_inspect(&self, id: &str) -> ContainerInspectResponse {
        let parse_state = |text: &str| {
            serde_json::from_value::<ContainerStateStatusEnum>(serde_json::Value::String(
                text.into(),
            ))
            .ok()
        };
        let parse_health = |text: &str| {
            serde_json::from_value::<HealthStatusEnum>(serde_json::Value::String(text.into())).ok()
        };
        ContainerInspectResponse {
            id: Some(id.to_string()),
            created: self.created.clone(),
            restart_count: self.restart_count,
            state: Some(ContainerState {
                status: parse_state(&self.state),
                // Docker's status word is made from these flags
                // (`State.StateString`), so they are read back from it.
                running: Some(matches!(
                    self.state.as_str(),
                    "running" | "paused" | "restarting"
                )),
                paused: Some(self.state == "paused"),
                restarting: Some(self.state == "restarting"),
                started_at: self.started_at.clone(),
                finished_at: self.finished_at.clone(),
                exit_code: self.exit_code,
                pid: self.pid,
                error: self.error.clone(),
                oom_killed: self.oom_killed,
                health: self.health.as_deref().map(|health| Health {
                    status: parse_health(health),
                    log: self.health_last.as_ref().map(|(code, output)| {
                        vec![HealthcheckResult {
                            exit_code: Some(*code),
                            output: Some(output.clone()),
                            ..HealthcheckResult::default()
                        }]
                    }),
                    ..Health::default()
                }),
                ..ContainerState::default()
            }),
            config: Some(ContainerConfig {
                healthcheck: self.healthcheck_test.as_ref().map(|test| HealthConfig {
                    test: Some(test.clone()),
                    ..HealthConfig::default()
                }),
                ..ContainerConfig::default()
            }),
            ..ContainerInspectResponse::default()
        }
    }
}

/// The remembered inspects of one project.
#[derive(Debug, Default)]
pub struct Cache {
    path: Option<PathBuf>,
    pub entries: HashMap<String, RememberedInspect>,
}

fn file_name(endpoint: &str, project: &str) -> String {
    let clean = |text: &str| -> String {
        text.chars()
            .map(|character| {
                if character.is_ascii_alphanumeric() || character == '-' || character == '_' {
                    character
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("docker-{}-{}.json", clean(endpoint), clean(project))
}

impl Cache {
    /// Loads the cache of a project (empty when there is none or it is unusable).
    pub fn load(cache_dir: &Path, endpoint: &str, project: &str) -> Cache {
        if !rustix::process::geteuid().is_root() {
            return Cache::default();
        }
        let path = cache_dir.join(file_name(endpoint, project));
        let entries = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Cache {
            path: Some(path),
            entries,
        }
    }

    /// Saves the entries of the containers listed now.
    pub fn save(&self) {
        let Some(path) = &self.path else { return };
        if let Ok(bytes) = serde_json::to_vec(&self.entries) {
            // A cache: when it cannot be written safely, it is not written.
            let _ = crate::private_file::write_private(path, &bytes, 0o600);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_human_durations() {
        for (seconds, words) in [
            (0.4, "Less than a second"),
            (1.5, "1 second"),
            (42.0, "42 seconds"),
            (61.0, "About a minute"),
            (300.0, "5 minutes"),
            (3700.0, "About an hour"),
            (3.0 * 3600.0, "3 hours"),
            (3.0 * 86400.0, "3 days"),
            (20.0 * 86400.0, "2 weeks"),
            (90.0 * 86400.0, "3 months"),
            (800.0 * 86400.0, "2 years"),
        ] {
            assert_eq!(human_duration(seconds), words, "{seconds}");
        }
    }

    fn summary(state: &str, status: &str) -> Listed {
        Listed {
            id: "abc".into(),
            state: state.into(),
            status: status.into(),
            ..Listed::default()
        }
    }

    fn remembered(state: &str, started: &str, now: jiff::Timestamp) -> RememberedInspect {
        RememberedInspect {
            cached_at: now.as_second() - 10,
            state: state.into(),
            created: None,
            started_at: Some(started.into()),
            finished_at: Some(started.into()),
            exit_code: Some(137),
            pid: Some(42),
            restart_count: Some(0),
            error: None,
            oom_killed: None,
            health: Some("healthy".into()),
            health_last: None,
            healthcheck_test: None,
            started: epoch(Some(started)),
            finished: epoch(Some(started)),
        }
    }

    #[test]
    fn a_remembered_inspect_is_used_only_while_the_words_agree() {
        let now: jiff::Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
        let entry = remembered("running", "2026-11-23T09:00:00Z", now);
        assert!(entry.agrees_with(&summary("running", "Up 3 hours (healthy)"), now));
        // Restarted since: Docker now counts seconds.
        assert!(!entry.agrees_with(&summary("running", "Up 4 seconds (healthy)"), now));
        // Health changed.
        assert!(!entry.agrees_with(&summary("running", "Up 3 hours (unhealthy)"), now));
        // Stopped since.
        assert!(!entry.agrees_with(&summary("exited", "Exited (0) 2 seconds ago"), now));
        // Too old.
        let later = jiff::Timestamp::from_second(now.as_second() + 120).unwrap();
        assert!(!entry.agrees_with(&summary("running", "Up 3 hours (healthy)"), later));
        let mut exited = remembered("exited", "2026-11-23T11:55:00Z", now);
        exited.health = None;
        assert!(exited.agrees_with(&summary("exited", "Exited (137) 5 minutes ago"), now));
        assert!(!exited.agrees_with(&summary("exited", "Exited (1) 5 minutes ago"), now));
        let mut looping = remembered("restarting", "2026-11-23T11:59:00Z", now);
        looping.health = None;
        assert!(!looping.agrees_with(&summary("restarting", "Restarting (3) 1 second ago"), now));
    }

    #[test]
    fn an_inspect_taken_in_a_containers_first_seconds_is_asked_again() {
        // Inspected half a second after its start; it died and came back
        // within that second: Docker's words are the ones the remembered
        // start would make, but the restart count is not.
        let now: jiff::Timestamp = "2026-11-23T12:00:10Z".parse().unwrap();
        let mut young = remembered("running", "2026-11-23T11:59:59.500Z", now);
        young.cached_at = now.as_second() - 10;
        assert!(!young.agrees_with(&summary("running", "Up 10 seconds (healthy)"), now));
        // The same words from an inspect taken once it had settled are trusted.
        let mut settled = remembered("running", "2026-11-23T11:59:56Z", now);
        settled.cached_at = now.as_second() - 2;
        assert!(settled.agrees_with(&summary("running", "Up 14 seconds (healthy)"), now));
        let mut just_exited = remembered("exited", "2026-11-23T12:00:00Z", now);
        just_exited.health = None;
        just_exited.cached_at = now.as_second() - 10;
        assert!(!just_exited.agrees_with(&summary("exited", "Exited (137) 10 seconds ago"), now));
    }

    /// Every recorded inspect (healthy, sick, paused, created, dead,
    /// crash-looping, a plain porter-api).
    fn recorded_inspects() -> Vec<(String, ContainerInspectResponse)> {
        let dir = format!(
            "{}/src/backend/compose/fixtures",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut recorded: Vec<(String, ContainerInspectResponse)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| {
                path.file_name()
                    .is_some_and(|name| name.to_string_lossy().starts_with("docker-inspect-"))
            })
            .map(|path| {
                let text = std::fs::read_to_string(&path).unwrap();
                (
                    path.display().to_string(),
                    serde_json::from_str(&text).unwrap(),
                )
            })
            .collect();
        recorded.sort_by(|one, other| one.0.cmp(&other.0));
        assert_eq!(recorded.len(), 7);
        recorded
    }

    #[test]
    fn what_is_remembered_answers_as_bollards_inspect_did() {
        use super::super::docker_events::events_of_state;
        use super::super::docker_state::observe_container;
        let now = jiff::Timestamp::now();
        let mut inspects = recorded_inspects();
        // A running container that was stopped before (its last finish
        // kept): the cache vouches for it, and its old exit is no event now.
        let (_, mut restarted) = inspects[2].clone();
        if let Some(state) = restarted.state.as_mut() {
            state.finished_at = Some("2026-11-23T07:00:00.5Z".into());
        }
        inspects.push(("restarted by hand".into(), restarted));
        for (name, inspect) in inspects {
            let rebuilt = RememberedInspect::of(&inspect, now).to_inspect("abc");
            for words in [
                None,
                Some("Up 3 hours (healthy)"),
                Some("Exited (137) 5 minutes ago"),
            ] {
                assert_eq!(
                    observe_container(&inspect, words),
                    observe_container(&rebuilt, words),
                    "{name}, {words:?}"
                );
            }
            assert_eq!(
                events_of_state(&inspect, "console", "porter-api"),
                events_of_state(&rebuilt, "console", "porter-api"),
                "{name}"
            );
        }
    }

    /// What the cache saves and costs per container: a remembered inspect
    /// checked and rebuilt, against decoding the inspect answer bollard
    /// would read (dockerd's own work for each inspect comes on top).
    /// `cargo test --lib inspect_cache -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement, not a check"]
    fn measure_a_remembered_inspect() {
        let (_, inspect) = recorded_inspects().remove(2);
        let body = serde_json::to_vec(&inspect).unwrap();
        let now = jiff::Timestamp::now();
        let mut entry = RememberedInspect::of(&inspect, now);
        entry.cached_at = now.as_second() - 10;
        let listed = summary(&entry.state, "Up 3 hours (healthy)");
        let rounds = 20_000;
        let started = std::time::Instant::now();
        for _ in 0..rounds {
            let _ = std::hint::black_box(entry.agrees_with(&listed, now));
            let _ = std::hint::black_box(entry.to_inspect("abc"));
        }
        let remembered = started.elapsed() / rounds;
        let started = std::time::Instant::now();
        for _ in 0..rounds {
            let decoded: ContainerInspectResponse = serde_json::from_slice(&body).unwrap();
            let _ = std::hint::black_box(decoded);
        }
        let decoded = started.elapsed() / rounds;
        println!("per container: remembered {remembered:?}, decoding an inspect {decoded:?}");
    }
}

//! What hmctl keeps of a compose project: its services, in declaration order,
//! with their dependency edges (explicit and implicit).

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// One service of a compose project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComposeService {
    pub name: String,
    /// Services that must be up before this one: `depends_on` (both forms),
    /// `links`, `volumes_from`, and `network_mode` / `ipc` / `pid: service:X`.
    pub depends_on: Vec<String>,
    /// Whether the service has an enabled health check.
    pub has_healthcheck: bool,
    /// The profiles that enable the service; empty means always enabled.
    pub profiles: Vec<String>,
    /// `stop_grace_period`, when set.
    pub stop_grace_period: Option<Duration>,
}

/// The services declared by a set of compose files used together.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComposeProject {
    pub files: Vec<PathBuf>,
    pub services: Vec<ComposeService>,
}

impl ComposeProject {
    pub fn service(&self, name: &str) -> Option<&ComposeService> {
        self.services.iter().find(|service| service.name == name)
    }

    /// The services `up` would create with `profiles` active (`COMPOSE_PROFILES`).
    pub fn enabled_services<'a>(
        &'a self,
        profiles: &'a [String],
    ) -> impl Iterator<Item = &'a ComposeService> {
        self.services.iter().filter(move |service| {
            service.profiles.is_empty()
                || service.profiles.iter().any(|profile| {
                    profiles
                        .iter()
                        .any(|active| active == profile || active == "*")
                })
        })
    }
}

/// Parses a compose duration (`10s`, `1m30s`, `500ms`, `2h`, or plain seconds).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return (seconds >= 0.0 && seconds.is_finite()).then(|| Duration::from_secs_f64(seconds));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|character: char| !(character.is_ascii_digit() || character == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let value: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_length = rest
            .find(|character: char| character.is_ascii_digit())
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_length] {
            "h" => value * 3600.0,
            "m" => value * 60.0,
            "s" => value,
            "ms" => value / 1000.0,
            "us" | "µs" => value / 1_000_000.0,
            "ns" => value / 1_000_000_000.0,
            _ => return None,
        };
        rest = &rest[unit_length..];
        total += Duration::try_from_secs_f64(seconds).ok()?;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_durations() {
        assert_eq!(parse_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("15"), Some(Duration::from_secs(15)));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("-1"), None);
    }

    #[test]
    fn profiles_enable_services() {
        let service = |name: &str, profiles: &[&str]| ComposeService {
            name: name.into(),
            depends_on: vec![],
            has_healthcheck: false,
            profiles: profiles.iter().map(ToString::to_string).collect(),
            stop_grace_period: None,
        };
        let project = ComposeProject {
            files: vec![],
            services: vec![service("a", &[]), service("debug", &["debug"])],
        };
        let names = |profiles: &[String]| {
            project
                .enabled_services(profiles)
                .map(|service| service.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&[]), vec!["a"]);
        assert_eq!(names(&["debug".to_string()]), vec!["a", "debug"]);
    }
}

//! The guide's "trace the request path": the request ids in the window's error
//! lines (`req-…`, `request_id=…`, `trace_id=…`, and `--id`), each followed
//! across services into one time-ordered chain, so it shows which service
//! failed first and which only passed the failure on.

use super::scan::Event;
use super::signature::unreachable_regex;
use crate::log_files::timeline::local_text;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Chains kept in a report, the longest first.
pub const MAX_CHAINS: usize = 10;

static IDS: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r#"\b(req-[0-9A-Za-z][0-9A-Za-z-]{5,})|\b(?:request_id|request-id|requestId|trace_id|traceId|trace-id|x-request-id)["']?\s*[=:]\s*["']?([0-9A-Za-z][\w.-]{5,})"#,
    )
    .unwrap_or_else(|_| unreachable_regex())
});

/// The request and trace ids a text names, in order, without repeats.
pub fn request_ids(text: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for captures in IDS.captures_iter(text) {
        if let Some(found) = captures.get(1).or_else(|| captures.get(2)) {
            let id = found.as_str().trim_end_matches(['-', '.']).to_string();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids
}

/// One service's part in a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub time: String,
    pub service: String,
    /// Whether this line is an error (else it only mentions the id).
    pub failed: bool,
    pub message: String,
}

/// A request followed across services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chain {
    pub id: String,
    /// The services in the order the id first appears in each.
    pub services: Vec<String>,
    /// The first service that logged an error for it.
    pub failed_first: Option<String>,
    pub links: Vec<Link>,
}

/// Chains of the ids in `events` (plus `wanted`, the `--id`), time-ordered,
/// their times shown in `zone` (the operator's); an id seen in one service
/// only makes a chain only when it is `wanted`.
pub fn chains(events: &[Event], wanted: Option<&str>, zone: &TimeZone) -> Vec<Chain> {
    let mut by_id: BTreeMap<String, Vec<&Event>> = BTreeMap::new();
    for event in events {
        let mut ids = request_ids(&event.text);
        if let Some(wanted) = wanted
            && event.text.contains(wanted)
            && !ids.iter().any(|id| id == wanted)
        {
            ids.push(wanted.to_string());
        }
        for id in ids {
            by_id.entry(id).or_default().push(event);
        }
    }
    let mut chains: Vec<Chain> = by_id
        .into_iter()
        .filter_map(|(id, mut found)| {
            found.sort_by_key(|event| event.time);
            let mut services: Vec<String> = Vec::new();
            for event in &found {
                if !services.contains(&event.service) {
                    services.push(event.service.clone());
                }
            }
            if services.len() < 2 && wanted != Some(id.as_str()) {
                return None;
            }
            let failed_first = found
                .iter()
                .find(|event| event.level.is_some())
                .map(|event| event.service.clone());
            let links = found
                .iter()
                .map(|event| Link {
                    time: local_text(event.time, zone),
                    service: event.service.clone(),
                    failed: event.level.is_some(),
                    message: super::signature::message(&event.first)
                        .chars()
                        .take(160)
                        .collect(),
                })
                .collect();
            Some(Chain {
                id,
                services,
                failed_first,
                links,
            })
        })
        .collect();
    // The wanted id first, then the chains through the most services, earliest first.
    chains.sort_by(|left, right| {
        let wanted_first = |chain: &Chain| Some(chain.id.as_str()) != wanted;
        (
            wanted_first(left),
            std::cmp::Reverse(left.services.len()),
            &left.links[0].time,
        )
            .cmp(&(
                wanted_first(right),
                std::cmp::Reverse(right.services.len()),
                &right.links[0].time,
            ))
    });
    chains.truncate(MAX_CHAINS);
    chains
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::event::Location;
    use crate::diagnose::signature::Level;

    fn event(time: &str, service: &str, level: Option<Level>, text: &str) -> Event {
        Event {
            time: format!("{}Z", time.replace(' ', "T")).parse().unwrap(),
            service: service.into(),
            location: Location {
                path: format!("/logs/{service}.log"),
                line: Some(1),
            },
            level,
            first: text.into(),
            text: text.into(),
        }
    }

    #[test]
    fn ids_of_the_product_formats() {
        assert_eq!(
            request_ids(
                "[req-8f2b4c1e-2d3a-4b5c-9e7f-0a1b2c3d4e5f admin] x req-8f2b4c1e-2d3a-4b5c-9e7f-0a1b2c3d4e5f"
            ),
            vec!["req-8f2b4c1e-2d3a-4b5c-9e7f-0a1b2c3d4e5f"]
        );
        assert_eq!(
            request_ids(r#"request_id=ab12cd34ef trace_id: "t-998877" done"#),
            vec!["ab12cd34ef", "t-998877"]
        );
        assert!(request_ids("request_id=- no id; req-x").is_empty());
    }

    #[test]
    fn a_chain_says_which_service_failed_first() {
        let events = vec![
            event(
                "2025-09-18 16:24:33",
                "porter-api",
                Some(Level::Error),
                "[req-aaaaaaaa] boot failed",
            ),
            event(
                "2025-09-18 16:24:31",
                "unicloud-engine",
                Some(Level::Error),
                "[req-aaaaaaaa] HTTP 404",
            ),
            event(
                "2025-09-18 16:24:30",
                "mistral-server",
                None,
                "[req-aaaaaaaa] task started",
            ),
            event(
                "2025-09-18 16:24:35",
                "porter-api",
                Some(Level::Error),
                "[req-bbbbbbbb] alone",
            ),
        ];
        let found = chains(&events, None, &TimeZone::UTC);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "req-aaaaaaaa");
        assert_eq!(
            found[0].services,
            vec!["mistral-server", "unicloud-engine", "porter-api"]
        );
        assert_eq!(found[0].failed_first.as_deref(), Some("unicloud-engine"));
        assert_eq!(found[0].links[0].time, "2025-09-18 16:24:30.000");
        // An id asked for is a chain even in one service.
        let wanted = chains(&events, Some("req-bbbbbbbb"), &TimeZone::UTC);
        assert_eq!(wanted[0].id, "req-bbbbbbbb");
        assert_eq!(wanted[0].failed_first.as_deref(), Some("porter-api"));
    }
}

//! Listing containers straight from dockerd's unix socket. `status` spends
//! most of its time waiting for this one call, and decoding all of bollard's
//! `ContainerSummary` (networks, mounts, ports, host config) costs twice what
//! decoding the five fields hmctl reads does: for 200 containers as dockerd
//! lists them (296 KiB), 0.45 ms by hand against 0.91 ms through bollard
//! (best of 5 × 200 rounds, `measure_decoding_200_containers`, an opt-level 2
//! test build on the 2-core VM while other builds loaded it; 2026-12-05).
//! The test `the_hand_decoder_reads_what_bollard_reads` holds its answers
//! equal to bollard's on recorded lists. Other endpoints (`tcp://`, TLS) are
//! listed through bollard.

use serde::{Deserialize, Deserializer};
use std::collections::HashMap;
use std::path::Path;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What hmctl reads of a listed container.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Listed {
    pub id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub labels: HashMap<String, String>,
    /// `running`, `exited`, ...
    #[serde(default, deserialize_with = "null_as_default")]
    pub state: String,
    /// Docker's words: `Up 3 hours (healthy)`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub status: String,
    /// Seconds since the epoch.
    #[serde(default, deserialize_with = "null_as_default")]
    pub created: i64,
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

impl From<bollard::models::ContainerSummary> for Listed {
    fn from(summary: bollard::models::ContainerSummary) -> Listed {
        Listed {
            id: summary.id.unwrap_or_default(),
            labels: summary.labels.unwrap_or_default(),
            state: summary
                .state
                .map(|state| state.to_string())
                .unwrap_or_default(),
            status: summary.status.unwrap_or_default(),
            created: summary.created.unwrap_or_default(),
        }
    }
}

/// Why a raw list failed.
#[derive(Debug)]
pub enum ListError {
    /// The socket could not be used (absent, refused, permission, reset).
    Io(std::io::Error),
    /// dockerd answered with an error status: its message and the status.
    Refused { status: u16, message: String },
    /// The answer was not an HTTP response with a JSON list.
    Garbled(String),
}

/// `GET /containers/json?all=1&filters=…` on a unix socket, HTTP/1.0 so the
/// body comes whole (no chunking) and the connection closes after it.
pub async fn list(socket: &Path, labels: &[String]) -> Result<Vec<Listed>, ListError> {
    let filters = serde_json::json!({ "label": labels }).to_string();
    let request = format!(
        "GET /containers/json?all=1&filters={} HTTP/1.0\r\nHost: docker\r\nUser-Agent: hmctl\r\n\r\n",
        percent_encoded(&filters)
    );
    let mut stream = tokio::net::UnixStream::connect(socket)
        .await
        .map_err(ListError::Io)?;
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(ListError::Io)?;
    let mut response = Vec::with_capacity(64 * 1024);
    stream
        .read_to_end(&mut response)
        .await
        .map_err(ListError::Io)?;
    parse_response(&response)
}

/// The containers in a whole HTTP response, or dockerd's error.
pub fn parse_response(response: &[u8]) -> Result<Vec<Listed>, ListError> {
    let garbled = |why: &str| ListError::Garbled(why.to_string());
    let split = response
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or_else(|| garbled("no end of the response head"))?;
    let head =
        std::str::from_utf8(&response[..split]).map_err(|_| garbled("a head that is not UTF-8"))?;
    let body = &response[split + 4..];
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| garbled("no status code"))?;
    if head.lines().any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    }) {
        return Err(garbled("a chunked body to an HTTP/1.0 request"));
    }
    if status != 200 {
        #[derive(Deserialize)]
        struct Message {
            message: String,
        }
        let message = serde_json::from_slice::<Message>(body)
            .map(|error| error.message)
            .unwrap_or_else(|_| String::from_utf8_lossy(body).trim().to_string());
        return Err(ListError::Refused { status, message });
    }
    serde_json::from_slice(body)
        .map_err(|error| ListError::Garbled(format!("a list that does not decode: {error}")))
}

/// Percent-encodes all but RFC 3986's unreserved characters.
fn percent_encoded(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_answer_decodes_to_what_hmctl_reads() {
        let response = b"HTTP/1.0 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n\r\n\
[{\"Id\":\"abc\",\"Names\":[\"/p_web_1\"],\"Image\":\"busybox\",\"Created\":1700000000,\
\"Labels\":{\"com.docker.compose.service\":\"web\"},\"State\":\"running\",\"Status\":\"Up 3 hours (healthy)\",\
\"NetworkSettings\":{\"Networks\":{\"none\":{\"IPAddress\":\"\"}}},\"Mounts\":[]},\
{\"Id\":\"def\",\"Labels\":null,\"State\":\"exited\",\"Status\":\"Exited (1) 2 minutes ago\"}]\n";
        let listed = parse_response(response).unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].id, "abc");
        assert_eq!(listed[0].labels["com.docker.compose.service"], "web");
        assert_eq!(listed[0].status, "Up 3 hours (healthy)");
        assert_eq!(listed[0].created, 1_700_000_000);
        assert!(listed[1].labels.is_empty());
        assert_eq!(listed[1].state, "exited");
    }

    #[test]
    fn an_error_answer_gives_dockerds_message() {
        let response = b"HTTP/1.0 500 Internal Server Error\r\nContent-Type: application/json\r\n\r\n{\"message\":\"invalid filter 'lable'\"}\n";
        match parse_response(response) {
            Err(ListError::Refused { status, message }) => {
                assert_eq!(status, 500);
                assert_eq!(message, "invalid filter 'lable'");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_response(b"HTTP/1.0 200 OK\r\n"),
            Err(ListError::Garbled(_))
        ));
        assert!(matches!(
            parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n[]\r\n"),
            Err(ListError::Garbled(_))
        ));
    }

    #[test]
    fn filters_are_percent_encoded() {
        assert_eq!(
            percent_encoded(r#"{"label":["a=b c"]}"#),
            "%7B%22label%22%3A%5B%22a%3Db%20c%22%5D%7D"
        );
    }

    /// A whole HTTP answer around `body`.
    fn answer(body: &[u8]) -> Vec<u8> {
        let mut response = b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n".to_vec();
        response.extend_from_slice(body);
        response
    }

    /// What bollard's own decoding of the same body gives hmctl.
    fn through_bollard(body: &[u8]) -> Vec<Listed> {
        serde_json::from_slice::<Vec<bollard::models::ContainerSummary>>(body)
            .unwrap()
            .into_iter()
            .map(Listed::from)
            .collect()
    }

    /// `count` containers as dockerd 20.10 lists them (recorded from the
    /// sandbox's dockerd): every field of the summary, not only hmctl's.
    fn full_listing(count: usize) -> Vec<u8> {
        let recorded = format!(
            "{}/src/backend/compose/fixtures/docker-list.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let recorded: Vec<serde_json::Value> =
            serde_json::from_str(&std::fs::read_to_string(recorded).unwrap()).unwrap();
        let containers: Vec<serde_json::Value> = (0..count)
            .map(|index| {
                let mut container = recorded[index % recorded.len()].clone();
                let extra = serde_json::json!({
                    "Id": format!("{index:064x}"),
                    "Ports": [{"IP": "0.0.0.0", "PrivatePort": 8080, "PublicPort": 10443, "Type": "tcp"}],
                    "HostConfig": {"NetworkMode": "hyperbdr_default"},
                    "NetworkSettings": {"Networks": {"hyperbdr_default": {
                        "IPAMConfig": null, "Links": null, "Aliases": null,
                        "NetworkID": "9b1ef5e03b0e69ca8e7d6861ccba594a29df90896f130a115c365cdd1c1c8448",
                        "EndpointID": "1ede652008cc90a31c8c3ba86a93a79ab75c84ee648b8bef9bd385b1750b5956",
                        "Gateway": "172.18.0.1", "IPAddress": "172.18.0.5", "IPPrefixLen": 16,
                        "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
                        "MacAddress": "02:42:ac:12:00:05", "DriverOpts": null}}},
                    "Mounts": [
                        {"Type": "bind", "Source": "/opt/installer/production/config", "Destination": "/etc/porter",
                         "Mode": "ro", "RW": false, "Propagation": "rprivate"},
                        {"Type": "bind", "Source": "/var/log/porter", "Destination": "/var/log/porter",
                         "Mode": "", "RW": true, "Propagation": "rprivate"}
                    ]
                });
                if let (Some(target), Some(fields)) = (container.as_object_mut(), extra.as_object()) {
                    target.extend(fields.clone());
                }
                container
            })
            .collect();
        serde_json::to_vec(&containers).unwrap()
    }

    #[test]
    fn the_hand_decoder_reads_what_bollard_reads() {
        let recorded = std::fs::read(format!(
            "{}/src/backend/compose/fixtures/docker-list.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        for body in [recorded, full_listing(200)] {
            let by_hand = parse_response(&answer(&body)).unwrap();
            assert!(!by_hand.is_empty());
            assert_eq!(by_hand, through_bollard(&body));
        }
    }

    /// What decoding a list of 200 containers costs, by hand and through
    /// bollard's `ContainerSummary`; run it with an optimised build:
    /// `cargo test --lib docker_list -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement, not a check"]
    fn measure_decoding_200_containers() {
        let body = full_listing(200);
        let response = answer(&body);
        let rounds = 200;
        let time = |decode: &dyn Fn() -> usize| {
            let mut best = std::time::Duration::MAX;
            for _ in 0..5 {
                let started = std::time::Instant::now();
                for _ in 0..rounds {
                    assert_eq!(decode(), 200);
                }
                best = best.min(started.elapsed() / rounds);
            }
            best
        };
        let by_hand = time(&|| parse_response(&response).unwrap().len());
        let bollard = time(&|| through_bollard(&body).len());
        println!(
            "200 containers ({} KiB): by hand {by_hand:?}, through bollard {bollard:?}",
            body.len() / 1024
        );
    }
}

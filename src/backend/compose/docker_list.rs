//! Listing containers straight from dockerd's unix socket. `status` spends
//! most of its time waiting for this one call, and decoding all of bollard's
//! `ContainerSummary` (networks, mounts, ports, host config) for 200
//! containers cost over a millisecond more than decoding the five fields
//! hmctl reads. Other endpoints (`tcp://`, TLS) are listed through bollard.

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
}

//! What an error line says, apart from when and where: its level, its message
//! without the log format's prefix, and a normalised signature (ids, numbers,
//! addresses and paths masked) so that the same error from a thousand
//! requests counts as one finding.

use std::sync::LazyLock;

/// How severe a line says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Critical,
}

/// The level words of the product's formats: OpenStack / Python logging
/// (`ERROR`), RabbitMQ (`[error]`), logrus (`level=error`), Go (`[ERROR]`).
/// `None`: not a level word; `Some(None)`: a level word below the ones kept.
#[allow(clippy::option_option)]
fn level_word(token: &str) -> Option<Option<Level>> {
    let trimmed =
        token.trim_matches(|character: char| matches!(character, '[' | ']' | ':' | '<' | '>'));
    let word = trimmed.strip_prefix("level=").unwrap_or(trimmed);
    match word.to_ascii_uppercase().as_str() {
        "ERROR" | "ERR" => Some(Some(Level::Error)),
        "CRITICAL" | "FATAL" | "PANIC" | "EMERG" | "ALERT" => Some(Some(Level::Critical)),
        "INFO" | "DEBUG" | "TRACE" | "WARNING" | "WARN" | "NOTICE" | "AUDIT" => Some(None),
        _ => None,
    }
}

/// The text after a line's leading timestamp (and the `]` or `"` closing it).
pub fn after_time(line: &str) -> &str {
    let window = &line[..line.len().min(40)];
    let Some(start) = window.find(|character: char| character.is_ascii_digit()) else {
        return line;
    };
    let rest = &line[start..];
    if rest.len() < 19 || !rest.is_char_boundary(19) {
        return line;
    }
    // The fraction and the zone (`.123`, `,123`, `Z`, `+08:00`) end the time.
    let tail = &rest[19..];
    let end = tail
        .find(|character: char| {
            !(character.is_ascii_digit() || matches!(character, '.' | ',' | ':' | '+' | '-' | 'Z'))
        })
        .unwrap_or(tail.len());
    tail[end..].trim_start_matches([']', '"', ' ', '\t'])
}

/// The line's level: from the first words after its timestamp; a line with no
/// level word is an error when it starts a Python traceback or names an exception.
pub fn level(line: &str) -> Option<Level> {
    for token in after_time(line).split_whitespace().take(5) {
        if let Some(level) = level_word(token) {
            return level;
        }
    }
    let untimed = line.trim_start();
    (untimed.starts_with("Traceback (most recent call last)")
        || untimed.starts_with("panic:")
        || EXCEPTION.is_match(untimed))
    .then_some(Level::Error)
}

/// `keystoneauth1.exceptions.http.NotFound: ...`, `ValueError: ...` at the start of a line.
static EXCEPTION: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^[A-Za-z_][\w.]*(Error|Exception|NotFound|Failure|Timeout)\b:")
        .unwrap_or_else(|_| unreachable_regex())
});

/// A regex that never matches, for the impossible case of a built-in pattern
/// failing to compile (a test compiles each of them).
pub fn unreachable_regex() -> regex::Regex {
    regex::Regex::new(r"[^\s\S]").unwrap_or_else(|_| std::process::abort())
}

/// The message of a line: its timestamp, pid, level, logger name and the
/// bracketed request context (`[req-… …]`, `[-]`) removed.
pub fn message(line: &str) -> &str {
    let mut rest = after_time(line);
    if let Some(index) = rest.find(" msg=") {
        return rest[index + 5..].trim_matches('"');
    }
    // Up to: pid, level, logger — each only when it looks like one.
    let mut seen_level = false;
    for _ in 0..4 {
        let trimmed = rest.trim_start();
        let token_end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        let token = &trimmed[..token_end];
        if token.is_empty() {
            break;
        }
        let is_pid = token.chars().all(|character| character.is_ascii_digit());
        let is_level = level_word(token).is_some();
        let is_erlang_pid = token.starts_with("<0.") || token.starts_with('<');
        let is_logger = seen_level
            && token.contains('.')
            && !token.ends_with(':')
            && token
                .chars()
                .all(|character| character.is_alphanumeric() || matches!(character, '.' | '_'));
        if is_pid || is_level || is_erlang_pid || is_logger {
            seen_level |= is_level;
            rest = &trimmed[token_end..];
        } else {
            break;
        }
    }
    let mut rest = rest.trim_start();
    // The OpenStack request context: `[req-… user project …]` or `[-]`.
    if rest.starts_with('[')
        && let Some(end) = rest.find(']')
        && (rest[1..end].starts_with("req-") || &rest[1..end] == "-" || rest[1..end].contains(' '))
    {
        rest = rest[end + 1..].trim_start();
    }
    rest.trim_end()
}

static MASKS: LazyLock<Vec<(regex::Regex, &'static str)>> =
    LazyLock::new(|| {
        [
        (r"req-[0-9A-Za-z-]+", "<req>"),
        (
            r"\b[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\b",
            "<uuid>",
        ),
        (r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b", "<addr>"),
        (r"https?://[^\s'\x22,)]+", "<url>"),
        (r"(?:/[\w.@%+-]+){2,}/?", "<path>"),
        (r"\b0x[0-9a-fA-F]+\b", "<hex>"),
        (r"\b[0-9a-fA-F]*\d[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*\b", "<hex>"),
        (r"\b[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*\d[0-9a-fA-F]*\b", "<hex>"),
        (r"\d+(?:\.\d+)?", "<n>"),
    ]
    .into_iter()
    .map(|(pattern, mask)| {
        (
            regex::Regex::new(pattern).unwrap_or_else(|_| unreachable_regex()),
            mask,
        )
    })
    .collect()
    });

/// The normalised signature of a message: request ids, UUIDs, addresses, URLs,
/// paths, hex ids and numbers masked; at most 200 characters.
pub fn signature(message: &str) -> String {
    let mut text = message.to_string();
    for (pattern, mask) in MASKS.iter() {
        if let std::borrow::Cow::Owned(replaced) = pattern.replace_all(&text, *mask) {
            text = replaced;
        }
    }
    // A hex mask inside a word (`<hex>` of `user-5d1c`) is still the same error.
    let mut short: String = text.chars().take(200).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

static UUID: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
    )
    .unwrap_or_else(|_| unreachable_regex())
});

/// A string to grep for to find this error again, as the guide does: a
/// resource's UUID when the message names one, else the message's longest
/// plain phrase (between masks and punctuation).
pub fn keyword(message: &str) -> String {
    // A request id's UUID is not the resource's.
    let without_requests = MASKS[0].0.replace_all(message, "<req>");
    if let Some(found) = UUID.find(&without_requests) {
        return found.as_str().to_string();
    }
    let signature = signature(message);
    signature
        .split(['<', '>', '(', ')', '[', ']', ':', '\'', '"', '{', '}', '='])
        .map(|part| {
            part.trim_matches(|character: char| {
                character.is_whitespace() || character == '.' || character == ','
            })
        })
        .filter(|part| !part.contains("req") || part.len() > 3)
        .max_by_key(|part| part.len())
        .unwrap_or("")
        .chars()
        .take(60)
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPENSTACK: &str = "2025-09-18 16:24:31.123 1234 ERROR unicloud.engine.volume [req-8f2b4c1e-2d3a-4b5c-9e7f-0a1b2c3d4e5f admin demo] Failed to attach volume 6ec3e693-69f7-4129-a43a-16eebe74b528 to server 10.0.0.12: HTTP 404";

    #[test]
    fn levels_of_the_product_formats() {
        assert_eq!(level(OPENSTACK), Some(Level::Error));
        assert_eq!(
            level("2025-09-18 16:24:31,123 CRITICAL hamal.period [-] boom"),
            Some(Level::Critical)
        );
        assert_eq!(
            level("2025-09-18 16:20:00.102 [error] <0.552.0> closing AMQP connection"),
            Some(Level::Error)
        );
        assert_eq!(
            level(r#"time="2025-09-18T16:24:31+08:00" level=error msg="upload failed""#),
            Some(Level::Error)
        );
        assert_eq!(
            level("2025-09-18 16:24:31.123 1234 INFO hamal.exception [-] Exception handled"),
            None
        );
        assert_eq!(
            level(
                "keystoneauth1.exceptions.http.NotFound: The resource could not be found. (HTTP 404)"
            ),
            Some(Level::Error)
        );
        assert_eq!(level("  File \"x.py\", line 3, in f"), None);
    }

    #[test]
    fn the_message_without_the_format() {
        assert_eq!(
            message(OPENSTACK),
            "Failed to attach volume 6ec3e693-69f7-4129-a43a-16eebe74b528 to server 10.0.0.12: HTTP 404"
        );
        assert_eq!(
            message(
                "2025-09-18 16:24:31,123 ERROR hamal.exception [-] Unhandled error type <class 'x'>"
            ),
            "Unhandled error type <class 'x'>"
        );
        assert_eq!(
            message(r#"time="2025-09-18T16:24:31+08:00" level=error msg="upload failed""#),
            "upload failed"
        );
        assert_eq!(
            message("2025-09-18 16:20:00.102 [error] <0.552.0> closing AMQP connection"),
            "closing AMQP connection"
        );
    }

    #[test]
    fn signatures_mask_what_varies() {
        let one = signature(message(OPENSTACK));
        assert_eq!(
            one,
            "Failed to attach volume <uuid> to server <addr>: HTTP <n>"
        );
        let other = signature(
            "Failed to attach volume 11111111-2222-3333-4444-555555555555 to server 10.9.8.7: HTTP 404",
        );
        assert_eq!(one, other);
        assert_eq!(
            signature("cannot open /var/log/hamal/vm-a.log: errno 28, id 5d1c0a9f"),
            "cannot open <path>: errno <n>, id <hex>"
        );
        assert_eq!(
            signature("request req-ab12cd34 took 12.5 s via http://keystone:5000/v3/auth"),
            "request <req> took <n> s via <url>"
        );
    }

    #[test]
    fn keywords_are_what_the_guide_greps_for() {
        assert_eq!(
            keyword(message(OPENSTACK)),
            "6ec3e693-69f7-4129-a43a-16eebe74b528"
        );
        assert_eq!(
            keyword("NotFound: The resource could not be found. (HTTP 404)"),
            "The resource could not be found"
        );
        assert_eq!(
            keyword(
                "Unauthorized: requires authentication. (Request-ID: req-a1a1a1a1-b2b2-4c3c-8d4d-e5e5e5e5e5e5)"
            ),
            "requires authentication"
        );
    }
}

//! The line-oriented rules, for logs and for what no parser accepts: one
//! pass of one regular expression finds credential-shaped tokens wherever
//! they stand (PEM private keys, URL userinfo, `Authorization` / token
//! headers, bearer tokens, JWTs, AWS access key ids and secret keys, fernet
//! tokens, long random-looking strings) and `key = value` forms whose key
//! names a secret. Where a value ends cannot be guessed reliably, so a secret
//! key's value is taken to run to the end of the line: over-masking is safe.

use super::{MASK, is_secret_key};
use regex::{Captures, Regex};
use std::sync::LazyLock;

const PRIVATE_KEY: &str = r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----(?s:.*?)(?:-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|\z)";

static PRIVATE_KEYS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(PRIVATE_KEY).expect("a valid regex"));

/// What a PEM private key becomes.
fn masked_private_key() -> String {
    format!("-----BEGIN PRIVATE KEY-----\n{MASK}\n-----END PRIVATE KEY-----")
}

/// PEM private keys masked in a whole text, before it is taken line by line.
pub fn redact_private_keys(text: &str) -> (String, usize) {
    let mut count = 0;
    let redacted = PRIVATE_KEYS.replace_all(text, |_: &Captures| {
        count += 1;
        masked_private_key()
    });
    (redacted.into_owned(), count)
}

static RULES: LazyLock<Regex> = LazyLock::new(|| {
    // A PEM private key of any kind, to its END line (or the end of the text).
    let private_key = format!("(?P<pem>{PRIVATE_KEY})");
    let pattern = [
        private_key.as_str(),
        // scheme://user:password@ — the password runs to the last `@` of the word.
        r#"(?P<url>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@'"]*:)(?P<userinfo>[^\s'"]*)@"#,
        // Headers that carry a credential: the rest of the line.
        r#"(?P<header>(?i:\b(?:proxy-)?authorization|\bx-auth-token|\bx-subject-token|\bx-storage-token|\bx-api-key|\bset-cookie|\bcookie)["']?[ \t]*[:=][ \t]*)(?P<header_value>[^\r\n]*)"#,
        // `Authorization "Basic ..."` (a header set in a web server's config).
        r#"(?P<scheme>(?i:\b(?:proxy-)?authorization)[ \t]+["']?)(?i:basic|bearer|digest|negotiate|token)\b[^\r\n]*"#,
        r"(?P<bearer>(?i:\bbearer)[ \t]+)[A-Za-z0-9\-._~+/]+=*",
        // JWTs (a base64url JSON header, a payload and a signature).
        r"(?P<jwt>\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*)",
        r"(?P<aws_id>\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b)",
        // A key naming a secret, a separator, and the rest of the line.
        r#"(?P<key>[A-Za-z0-9_.\-]*(?i:pass|pwd|secret|token|credential|key|auth|cookie|signature|_pw\b|\bpw\b)[A-Za-z0-9_.\-]*)(?P<separator>["']?[ \t]*[:=][ \t]*)(?P<value>[^\r\n]*)"#,
        // Fernet tokens, AWS secret keys, long random-looking words: judged
        // in `looks_random`.
        r"(?P<fernet>\bgAAAAA[A-Za-z0-9_\-]{50,}=*)",
        r"(?P<run>\b[A-Za-z0-9/+]{40}\b|\b[A-Za-z0-9]{32,}\b)",
    ]
    .join("|")
    // ASCII word boundaries keep the whole expression in the fast DFA.
    .replace(r"\b", r"(?-u:\b)");
    Regex::new(&pattern).expect("a valid regex")
});

/// Whether a long word is a credential: 32 or more characters that mix upper
/// case, lower case and digits (hex ids and UUIDs do not), or an AWS secret
/// access key's 40 (a path has slashes too, but starts with one or has more).
fn looks_random(run: &str) -> bool {
    let upper = run.bytes().any(|byte| byte.is_ascii_uppercase());
    let lower = run.bytes().any(|byte| byte.is_ascii_lowercase());
    let digit = run.bytes().any(|byte| byte.is_ascii_digit());
    let slashes = run.bytes().filter(|byte| *byte == b'/').count();
    upper && lower && digit && (slashes == 0 || (slashes <= 4 && !run.starts_with('/')))
}

fn already_masked(value: &str) -> bool {
    let value = value.trim().trim_matches(['"', '\'']);
    value.is_empty() || value == MASK
}

/// What to do with one match.
enum Decision {
    /// Replace the match with this text.
    Replace(String),
    /// Leave it, and search again from this offset.
    Resume(usize),
}

/// Redacts a text line by line; returns it and how many values were masked.
pub fn redact_text(text: &str) -> (String, usize) {
    let mut redacted = String::new();
    let mut copied = 0;
    let mut position = 0;
    let mut count = 0;
    while position < text.len() {
        let Some(captures) = RULES.captures_at(text, position) else {
            break;
        };
        let Some(whole) = captures.get(0) else { break };
        // A URL's host (`http://keystone:5000`) is not a key.
        let before = &text[..whole.start()];
        let decision = match captures.name("key") {
            Some(key) if before.ends_with("://") || before.ends_with('@') => {
                Decision::Resume(key.end())
            }
            _ => decide(&captures),
        };
        match decision {
            Decision::Replace(masked) => {
                redacted.push_str(&text[copied..whole.start()]);
                redacted.push_str(&masked);
                copied = whole.end();
                position = whole.end().max(whole.start() + 1);
                count += 1;
            }
            Decision::Resume(next) => position = next.max(whole.start() + 1),
        }
    }
    if copied == 0 {
        return (text.to_string(), 0);
    }
    redacted.push_str(&text[copied..]);
    (redacted, count)
}

/// What one match becomes.
fn decide(captures: &Captures) -> Decision {
    let text = |name: &str| captures.name(name).map_or("", |found| found.as_str());
    let end_of = |name: &str| captures.name(name).map_or(0, |found| found.end());
    let start = captures.get(0).map_or(0, |whole| whole.start());
    if captures.name("pem").is_some() {
        Decision::Replace(masked_private_key())
    } else if captures.name("url").is_some() {
        Decision::Replace(format!("{}{MASK}@", text("url")))
    } else if captures.name("header").is_some() {
        if already_masked(text("header_value")) {
            Decision::Resume(end_of("header_value"))
        } else {
            Decision::Replace(format!("{}{MASK}", text("header")))
        }
    } else if captures.name("scheme").is_some() {
        Decision::Replace(format!("{}{MASK}", text("scheme")))
    } else if captures.name("bearer").is_some() {
        Decision::Replace(format!("{}{MASK}", text("bearer")))
    } else if captures.name("jwt").is_some()
        || captures.name("aws_id").is_some()
        || captures.name("fernet").is_some()
    {
        Decision::Replace(MASK.to_string())
    } else if captures.name("run").is_some() {
        if looks_random(text("run")) {
            Decision::Replace(MASK.to_string())
        } else {
            Decision::Resume(start + 1)
        }
    } else if is_secret_key(text("key")) && !already_masked(text("value")) {
        Decision::Replace(format!("{}{}{MASK}", text("key"), text("separator")))
    } else {
        // Not a secret's name: its value may still hold a token of its own.
        Decision::Resume(end_of("separator"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_wherever_they_stand() {
        let jwt =
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let text = format!(
            "2025-09-18 INFO got {jwt} for the user\n\
             GET / Authorization: Basic dXNlcjpwYXNzd29yZA==\n\
             curl -H 'X-Auth-Token: gAAAAABk3ZxYzAbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghijklmnop'\n\
             using AKIAIOSFODNN7EXAMPLE and wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\
             bearer abc.def-ghi\n\
             volume 6ec3e693-69f7-4129-a43a-16eebe74b528 path /var/lib/hyperbdr/AbcDef123/x\n"
        );
        let (redacted, count) = redact_text(&text);
        for secret in [
            "eyJzdWIiOiIxMjM0In0",
            "dXNlcjpwYXNzd29yZA",
            "gAAAAABk3Zx",
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI",
            "abc.def-ghi",
        ] {
            assert!(!redacted.contains(secret), "{secret} in {redacted}");
        }
        assert!(count >= 6, "{count}");
        assert!(redacted.contains("6ec3e693-69f7-4129-a43a-16eebe74b528"));
        assert!(redacted.contains("/var/lib/hyperbdr/AbcDef123/x"));
    }

    #[test]
    fn a_secret_value_runs_to_the_end_of_the_line() {
        for line in [
            "password = a,b;c}d]e\"f",
            "\"password\": \"x\\\"tail, more\"",
            "db_password: 'semi;colon' # note",
        ] {
            let (redacted, count) = redact_text(line);
            assert_eq!(count, 1, "{line}");
            assert!(redacted.ends_with(MASK), "{redacted}");
        }
        let (redacted, _) = redact_text("mysql://ant:p@ss/w@rd@mysql:3306/ant");
        assert_eq!(redacted, "mysql://ant:***@mysql:3306/ant");
    }
}

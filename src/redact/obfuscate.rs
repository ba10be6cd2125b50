//! `logs collect --obfuscate`, as `sos clean` offers: host names, IP
//! addresses and user names replaced by tokens (`host-1`, `ip-1`, `user-1`),
//! the same input by the same token in every file, so the vendor can still
//! follow one machine or one user through the logs. The mapping stays with
//! the operator, in a file beside the bundle and never in it, to translate
//! the vendor's answer back.
//!
//! What counts: IPv4 and IPv6 addresses (loopback and unspecified kept); this
//! host's names and those in `/etc/hosts`; the login names of people (uid
//! 1000 and up in `/etc/passwd`) and any value of a `user` / `username` /
//! `login` key. Service and container names are not obfuscated.

use regex::{Captures, Regex};
use std::collections::BTreeMap;
use std::sync::LazyLock;

static ADDRESSES: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = concat!(
        r"(?P<v4>\b(?:\d{1,3}\.){3}\d{1,3}\b)",
        r"|(?P<v6>\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\b|\b(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4})*)?)",
        r#"|(?P<user_key>(?i:\b(?:user|username|user_name|login|owner))["']?[ \t]*[:=][ \t]*["']?)(?P<user>[A-Za-z0-9._@\-]+)"#,
    )
    .replace(r"\b", r"(?-u:\b)");
    Regex::new(&pattern).expect("a valid regex")
});

/// Names kept: system accounts, not people.
const SYSTEM_USERS: &[&str] = &[
    "root", "nobody", "daemon", "admin", "null", "none", "true", "false",
];

/// The tokens handed out so far, by what they replace.
#[derive(Debug, Default)]
pub struct Obfuscator {
    tokens: BTreeMap<String, String>,
    counters: BTreeMap<&'static str, usize>,
    /// Host and user names to replace wherever they appear, longest first.
    names: Vec<(String, &'static str)>,
    names_pattern: Option<Regex>,
}

impl Obfuscator {
    /// An obfuscator that knows this host's names (`host`, and those in
    /// /etc/hosts) and its people.
    pub fn new(host: &str) -> Obfuscator {
        let mut names: Vec<(String, &'static str)> = Vec::new();
        names.push((host.to_string(), "host"));
        if let Some((short, _)) = host.split_once('.') {
            names.push((short.to_string(), "host"));
        }
        let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
        for line in hosts.lines() {
            let line = line.split('#').next().unwrap_or("");
            for name in line.split_whitespace().skip(1) {
                if !name.starts_with("localhost") && !name.starts_with("ip6-") {
                    names.push((name.to_string(), "host"));
                }
            }
        }
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        for line in passwd.lines() {
            let fields: Vec<&str> = line.split(':').collect();
            if let (Some(name), Some(uid)) = (fields.first(), fields.get(2))
                && uid
                    .parse::<u32>()
                    .is_ok_and(|uid| (1000..65534).contains(&uid))
            {
                names.push(((*name).to_string(), "user"));
            }
        }
        Obfuscator::with_names(names)
    }

    /// An obfuscator that replaces these names (and addresses, user keys).
    pub fn with_names(mut names: Vec<(String, &'static str)>) -> Obfuscator {
        names.retain(|(name, _)| name.len() >= 2);
        names.sort_by(|left, right| right.0.len().cmp(&left.0.len()).then(left.0.cmp(&right.0)));
        names.dedup_by(|left, right| left.0 == right.0);
        let alternatives: Vec<String> = names.iter().map(|(name, _)| regex::escape(name)).collect();
        let names_pattern = (!alternatives.is_empty())
            .then(|| Regex::new(&format!(r"(?-u:\b)(?:{})(?-u:\b)", alternatives.join("|"))).ok())
            .flatten();
        Obfuscator {
            names,
            names_pattern,
            ..Obfuscator::default()
        }
    }

    /// The token for `original` of `kind`, the same every time.
    fn token(&mut self, kind: &'static str, original: &str) -> String {
        if let Some(token) = self.tokens.get(original) {
            return token.clone();
        }
        let counter = self.counters.entry(kind).or_insert(0);
        *counter += 1;
        let token = format!("{kind}-{counter}");
        self.tokens.insert(original.to_string(), token.clone());
        token
    }

    /// `text` with every name and address replaced.
    pub fn apply(&mut self, text: &str) -> String {
        let named = match self.names_pattern.clone() {
            Some(pattern) => pattern
                .replace_all(text, |captures: &Captures| {
                    let found = &captures[0];
                    let kind = self
                        .names
                        .iter()
                        .find(|(name, _)| name == found)
                        .map_or("host", |(_, kind)| *kind);
                    self.token(kind, found)
                })
                .into_owned(),
            None => text.to_string(),
        };
        ADDRESSES
            .replace_all(&named, |captures: &Captures| self.replace_address(captures))
            .into_owned()
    }

    fn replace_address(&mut self, captures: &Captures) -> String {
        let whole = captures[0].to_string();
        if let Some(found) = captures.name("v4") {
            return match found.as_str().parse::<std::net::Ipv4Addr>() {
                Ok(address) if !address.is_loopback() && !address.is_unspecified() => {
                    self.token("ip", found.as_str())
                }
                _ => whole,
            };
        }
        if let Some(found) = captures.name("v6") {
            return match found.as_str().parse::<std::net::Ipv6Addr>() {
                Ok(address) if !address.is_loopback() && !address.is_unspecified() => {
                    self.token("ip", found.as_str())
                }
                _ => whole,
            };
        }
        let user = captures.name("user").map_or("", |found| found.as_str());
        if SYSTEM_USERS.contains(&user.to_ascii_lowercase().as_str())
            || user.starts_with("host-")
            || user.starts_with("user-")
            || user.starts_with("ip-")
        {
            return whole;
        }
        let key = captures.name("user_key").map_or("", |found| found.as_str());
        format!("{key}{}", self.token("user", user))
    }

    /// The mapping, token → original, as JSON.
    pub fn mapping_json(&self) -> String {
        let mapping: BTreeMap<&str, &str> = self
            .tokens
            .iter()
            .map(|(original, token)| (token.as_str(), original.as_str()))
            .collect();
        let mut text = serde_json::to_string_pretty(&mapping).unwrap_or_default();
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_input_gets_the_same_token_everywhere() {
        let mut obfuscator = Obfuscator::with_names(vec![
            ("console-7".to_string(), "host"),
            ("alice".to_string(), "user"),
        ]);
        let first =
            obfuscator.apply("console-7 at 10.0.3.17 (fe80::1:2) login by alice, user=bob\n");
        let second = obfuscator
            .apply("{\"host\": \"console-7\", \"ip\": \"10.0.3.17\", \"peer\": \"127.0.0.1\"}");
        assert_eq!(
            first,
            "host-1 at ip-1 (ip-2) login by user-1, user=user-2\n"
        );
        assert_eq!(
            second,
            "{\"host\": \"host-1\", \"ip\": \"ip-1\", \"peer\": \"127.0.0.1\"}"
        );
        let mapping: serde_json::Value = serde_json::from_str(&obfuscator.mapping_json()).unwrap();
        assert_eq!(mapping["ip-1"], "10.0.3.17");
        assert_eq!(mapping["user-2"], "bob");
        assert_eq!(mapping["host-1"], "console-7");
    }
}

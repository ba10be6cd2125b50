//! `logs collect --obfuscate`, as `sos clean` offers: host names, IP and MAC
//! addresses and user names replaced by tokens (`host-1`, `ip-1`, `mac-1`,
//! `user-1`), the same input by the same token in every file, so the vendor
//! can still follow one machine or one user through the logs. The mapping
//! stays with the operator, in a file beside the bundle and never in it, to
//! translate the vendor's answer back.
//!
//! What counts: IPv4 and IPv6 addresses and MACs, as [`address`] tells them
//! from versions, signatures and durations; this host's names and those in
//! `/etc/hosts`; the login names of people (uid 1000 and up in `/etc/passwd`)
//! and any value of a `user` / `username` / `login` key. Service and
//! container names are not obfuscated.

mod address;

use address::{Address, Family};
use regex::{Captures, Regex};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::LazyLock;

/// A key naming a user, and its value.
const USER_KEY: &str =
    r#"(?i:\b(?:user|username|user_name|login|owner))["']?[ \t]*[:=][ \t]*["']?"#;
const USER_VALUE: &str = r"[A-Za-z0-9._@\-]+";

/// Where an address or a user key may stand: one pass of one expression,
/// matches found by the DFA alone (no captures).
static CANDIDATES: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!("{}|{USER_KEY}{USER_VALUE}", address::patterns())
        // ASCII word boundaries keep the whole expression in the fast DFA.
        .replace(r"\b", r"(?-u:\b)");
    Regex::new(&pattern).expect("a valid regex")
});

/// A user key's value, in a match of [`CANDIDATES`] that is one.
static USER: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!("^{USER_KEY}(?P<user>{USER_VALUE})").replace(r"\b", r"(?-u:\b)");
    Regex::new(&pattern).expect("a valid regex")
});

/// Names kept: system accounts, not people.
const SYSTEM_USERS: &[&str] = &[
    "root", "nobody", "daemon", "admin", "null", "none", "true", "false",
];

/// What a token stands for; its word starts the token (`host-1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Host,
    User,
    Ip,
    Mac,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::Host, Kind::User, Kind::Ip, Kind::Mac];

    fn word(self) -> &'static str {
        match self {
            Kind::Host => "host",
            Kind::User => "user",
            Kind::Ip => "ip",
            Kind::Mac => "mac",
        }
    }

    /// Whether `text` is already a token (`user=host-1` is not a user).
    fn is_token(text: &str) -> bool {
        Kind::ALL.iter().any(|kind| {
            text.strip_prefix(kind.word())
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|number| {
                    !number.is_empty() && number.bytes().all(|digit| digit.is_ascii_digit())
                })
        })
    }
}

/// The tokens handed out so far, by what they replace.
#[derive(Debug, Default)]
pub struct Obfuscator {
    /// By kind: original → token (`host-1` is the first host's).
    tokens: BTreeMap<Kind, BTreeMap<String, String>>,
    /// Host and user names to replace wherever they appear, longest first.
    names: Vec<(String, Kind)>,
    names_pattern: Option<Regex>,
}

impl Obfuscator {
    /// An obfuscator that knows this host's names (`host`, and those in
    /// /etc/hosts) and its people.
    pub fn new(host: &str) -> Obfuscator {
        let mut names: Vec<(String, Kind)> = Vec::new();
        names.push((host.to_string(), Kind::Host));
        if let Some((short, _)) = host.split_once('.') {
            names.push((short.to_string(), Kind::Host));
        }
        let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
        for line in hosts.lines() {
            let line = line.split('#').next().unwrap_or("");
            for name in line.split_whitespace().skip(1) {
                if !name.starts_with("localhost") && !name.starts_with("ip6-") {
                    names.push((name.to_string(), Kind::Host));
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
                names.push(((*name).to_string(), Kind::User));
            }
        }
        Obfuscator::with_names(names)
    }

    /// An obfuscator that replaces these names (and addresses, user keys).
    pub fn with_names(mut names: Vec<(String, Kind)>) -> Obfuscator {
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
    fn token(&mut self, kind: Kind, original: &str) -> String {
        let tokens = self.tokens.entry(kind).or_default();
        if let Some(token) = tokens.get(original) {
            return token.clone();
        }
        let token = format!("{}-{}", kind.word(), tokens.len() + 1);
        tokens.insert(original.to_string(), token.clone());
        token
    }

    /// `text` with every name and address replaced.
    pub fn apply(&mut self, text: &str) -> String {
        let named = self.replace_names(text);
        self.replace_addresses(&named)
    }

    fn replace_names<'a>(&mut self, text: &'a str) -> Cow<'a, str> {
        let Some(pattern) = self.names_pattern.clone() else {
            return Cow::Borrowed(text);
        };
        pattern.replace_all(text, |captures: &Captures| {
            let found = &captures[0];
            let kind = self
                .names
                .iter()
                .find(|(name, _)| name == found)
                .map_or(Kind::Host, |(_, kind)| *kind);
            self.token(kind, found)
        })
    }

    /// Addresses and user keys' values replaced, copying `text` only once
    /// one is found.
    fn replace_addresses(&mut self, text: &str) -> String {
        let mut replaced = String::new();
        let mut copied = 0;
        let mut position = 0;
        while position < text.len() {
            let Some(whole) = CANDIDATES.find_at(text, position) else {
                break;
            };
            let (range, token) = match Family::of(whole.as_str()) {
                Some(family) => {
                    let found = address::recognise(text, position, whole.range(), family);
                    let token = found.address.map(|address| {
                        let kind = match address {
                            Address::Ip(_) => Kind::Ip,
                            Address::Mac(_) => Kind::Mac,
                        };
                        self.token(kind, &address.canonical())
                    });
                    (found.run, token)
                }
                None => self.replace_user(whole.as_str(), whole.start()),
            };
            position = range.end.max(whole.end()).max(whole.start() + 1);
            if let Some(token) = token {
                replaced.push_str(&text[copied..range.start]);
                replaced.push_str(&token);
                copied = range.end;
            }
        }
        if copied == 0 {
            return text.to_string();
        }
        replaced.push_str(&text[copied..]);
        replaced
    }

    /// The value of a `user=` key (`found`, at `offset` in the text): its
    /// range and token, unless it is a system account or a token already.
    fn replace_user(&mut self, found: &str, offset: usize) -> (Range<usize>, Option<String>) {
        let Some(user) = USER
            .captures(found)
            .and_then(|captures| captures.name("user"))
        else {
            return (offset..offset, None);
        };
        let name = user.as_str();
        let kept =
            SYSTEM_USERS.contains(&name.to_ascii_lowercase().as_str()) || Kind::is_token(name);
        let range = offset + user.start()..offset + user.end();
        (range, (!kept).then(|| self.token(Kind::User, name)))
    }

    /// The mapping, token → original, as JSON.
    pub fn mapping_json(&self) -> String {
        let mapping: BTreeMap<&str, &str> = self
            .tokens
            .values()
            .flatten()
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
            ("console-7".to_string(), Kind::Host),
            ("alice".to_string(), Kind::User),
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

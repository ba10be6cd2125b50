//! Whether what looks like an address in a text is one: IPv4, IPv6, or a MAC
//! (EUI-48 as `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff` or `aabb.ccdd.eeff`;
//! EUI-64 as eight such groups or `aabb:ccdd:eeff:0011`). The expression in
//! [`super`] only finds where one may start; here the whole run of groups
//! around it is read, so that what has more groups than any address (a
//! version `1.2.3.4.5`, a signature `2D:4F:…:31:93` of twenty), a group wider
//! than any address's, or a word joined to it is refused whole, as sos clean
//! refuses them. A run that is an address but names no host (loopback,
//! unspecified, multicast, a netmask, the all-zero and broadcast MACs) is kept.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

const HEX: &str = "[0-9A-Fa-f]";

/// The places an address may start: cheap to search for (no look-around,
/// no captures); [`Family::of`] tells which kind a match is.
pub(super) fn patterns() -> String {
    [
        r"\b[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\b".to_string(),
        // Eight groups (IPv6 in full, EUI-64), six of two digits (EUI-48),
        // four of four (EUI-64), or any run holding `::`.
        format!(
            r"\b{HEX}{{1,4}}(?::{HEX}{{1,4}}){{7}}\b|\b{HEX}{{2}}(?::{HEX}{{2}}){{5}}\b|\b{HEX}{{4}}(?::{HEX}{{4}}){{3}}\b|\b(?:{HEX}{{1,4}}:){{1,7}}:"
        ),
        format!(r"\b{HEX}{{2}}(?:-{HEX}{{2}}){{5}}\b|\b{HEX}{{4}}(?:-{HEX}{{4}}){{3}}\b"),
        format!(r"\b{HEX}{{4}}\.{HEX}{{4}}\.{HEX}{{4}}\b"),
    ]
    .join("|")
}

/// How a candidate's groups are written: which separator, which digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    /// Four decimal numbers and dots.
    Ipv4,
    /// Hexadecimal groups and colons: IPv6, or a MAC.
    Colon,
    /// Hexadecimal groups and dashes: a MAC.
    Dash,
    /// Three groups of four hexadecimal digits and dots: a MAC.
    Dot,
}

impl Family {
    /// The family of a match of [`patterns`], by its separators; `None`
    /// for what no pattern matches (a match that starts with no hex digit).
    pub(super) fn of(found: &str) -> Option<Family> {
        let bytes = found.as_bytes();
        if !bytes.first().is_some_and(u8::is_ascii_hexdigit) {
            return None;
        }
        let dots = bytes.iter().filter(|byte| **byte == b'.').count();
        if bytes.contains(&b':') {
            Some(Family::Colon)
        } else if bytes.contains(&b'-') {
            Some(Family::Dash)
        } else if dots == 3 {
            Some(Family::Ipv4)
        } else {
            (dots == 2).then_some(Family::Dot)
        }
    }

    fn separator(self) -> u8 {
        match self {
            Family::Ipv4 | Family::Dot => b'.',
            Family::Colon => b':',
            Family::Dash => b'-',
        }
    }

    /// Whether `byte` belongs to a run of this family (on its right side,
    /// where an IPv6 address may end in an IPv4 one).
    fn holds(self, byte: u8, right: bool) -> bool {
        match self {
            Family::Ipv4 => byte.is_ascii_digit() || byte == b'.',
            Family::Colon => byte.is_ascii_hexdigit() || byte == b':' || (right && byte == b'.'),
            Family::Dash | Family::Dot => byte.is_ascii_hexdigit() || byte == self.separator(),
        }
    }
}

/// An address found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Address {
    Ip(std::net::IpAddr),
    /// Its digits in lower case, two by two between colons: the same MAC
    /// written in any form has the same stand-in.
    Mac(String),
}

impl Address {
    /// How the mapping records it.
    pub(super) fn canonical(&self) -> String {
        match self {
            Address::Ip(address) => address.to_string(),
            Address::Mac(digits) => digits.clone(),
        }
    }
}

/// What a candidate turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Recognised {
    /// The whole run read around the candidate: search again from its end.
    pub run: Range<usize>,
    /// The address to replace (the whole run), if the run is one that names
    /// a host.
    pub address: Option<Address>,
}

/// Reads the run around `candidate`, of `family`, in `text`, from `floor`
/// on (what comes before it was read already, as a run of its own).
pub(super) fn recognise(
    text: &str,
    floor: usize,
    candidate: Range<usize>,
    family: Family,
) -> Recognised {
    let run = run_around(text.as_bytes(), floor, candidate, family);
    let written = &text[run.clone()];
    let address = match family {
        Family::Ipv4 => ipv4(written)
            .filter(|address| !names_a_version(&text[..run.start]) && names_a_host_v4(*address))
            .map(|address| Address::Ip(address.into())),
        Family::Colon => colon_run(written),
        Family::Dash | Family::Dot => mac(written, family.separator()),
    };
    Recognised { run, address }
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// The run of `family` holding `candidate`: widened over its groups and
/// separators, less a group joined to a word (`mac:` before, `.log` after)
/// and a separator left at either end (a sentence's full stop).
fn run_around(bytes: &[u8], floor: usize, candidate: Range<usize>, family: Family) -> Range<usize> {
    let separator = family.separator();
    let is_separator = |byte: u8| byte == separator || (family == Family::Colon && byte == b'.');
    let mut start = candidate.start;
    while start > floor && family.holds(bytes[start - 1], false) {
        start -= 1;
    }
    if start > 0 && is_word(bytes[start - 1]) {
        // The first group is the tail of a word: the run starts after it.
        start = bytes[start..candidate.start]
            .iter()
            .position(|byte| is_separator(*byte))
            .map_or(candidate.start, |offset| start + offset + 1);
    }
    let mut end = candidate.end;
    while end < bytes.len() && family.holds(bytes[end], true) {
        end += 1;
    }
    if end < bytes.len() && is_word(bytes[end]) {
        // The last group is the head of a word: the run ends before it.
        end = bytes[start..end]
            .iter()
            .rposition(|byte| is_separator(*byte))
            .map_or(start, |offset| start + offset);
    }
    // `::` at either end is part of an IPv6 address (`ff02::`).
    let pair =
        |first: usize| family == Family::Colon && bytes[first] == b':' && bytes[first + 1] == b':';
    while start < end && is_separator(bytes[start]) && !(start + 1 < end && pair(start)) {
        start += 1;
    }
    while end > start && is_separator(bytes[end - 1]) && !(end - 1 > start && pair(end - 2)) {
        end -= 1;
    }
    start..end.max(start)
}

/// Four dotted decimal numbers, no more: an address (if each is 0 to 255).
fn ipv4(written: &str) -> Option<Ipv4Addr> {
    written.parse().ok()
}

/// Whether the text before four numbers says they are a version:
/// `version 1.2.3.4`, `"release": "1.2.3.4"`, `requests==2.31.0.1`.
fn names_a_version(before: &str) -> bool {
    let before = before.as_bytes();
    if [b"==", b">=", b"<=", b"~=", b"!="]
        .iter()
        .any(|operator| before.ends_with(*operator))
    {
        return true;
    }
    let trimmed = before.len()
        - before
            .iter()
            .rev()
            .take(4)
            .take_while(|byte| {
                matches!(
                    byte,
                    b' ' | b'\t' | b':' | b'=' | b'"' | b'\'' | b'-' | b'_'
                )
            })
            .count();
    let word = &before[..trimmed];
    ["version", "release"].iter().any(|name| {
        word.len() >= name.len()
            && word[word.len() - name.len()..].eq_ignore_ascii_case(name.as_bytes())
    })
}

/// Whether an IPv4 address may name a host: not loopback, unspecified,
/// multicast, nor a netmask or broadcast (255.x.x.x).
fn names_a_host_v4(address: Ipv4Addr) -> bool {
    !(address.is_loopback()
        || address.is_unspecified()
        || address.is_multicast()
        || address.octets()[0] == 255)
}

/// A run of colon-separated groups: a MAC if its groups are a MAC's, else an
/// IPv6 address if it parses as one (a compressed one holding a decimal
/// digit: `Db::add` is a method).
fn colon_run(written: &str) -> Option<Address> {
    if !written.contains("::") && !written.contains('.') {
        if let Some(found) = mac(written, b':') {
            return Some(found);
        }
        if written.split(':').count() != 8 {
            return None;
        }
    }
    if written.contains("::") && !written.bytes().any(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let address: Ipv6Addr = written.parse().ok()?;
    let names_a_host =
        !(address.is_loopback() || address.is_unspecified() || address.is_multicast());
    names_a_host.then_some(Address::Ip(address.into()))
}

/// The groups of a MAC, by separator: six of two digits or eight of two
/// (colon, dash), four of four (colon, dash), three of four (dot). The
/// all-zero and broadcast MACs name no host.
fn mac(written: &str, separator: u8) -> Option<Address> {
    let groups: Vec<&str> = written.split(char::from(separator)).collect();
    let widths_fit = |count: usize, width: usize| {
        groups.len() == count
            && groups.iter().all(|group| {
                group.len() == width && group.bytes().all(|byte| byte.is_ascii_hexdigit())
            })
    };
    let is_mac = match separator {
        b'.' => widths_fit(3, 4),
        _ => widths_fit(6, 2) || widths_fit(8, 2) || widths_fit(4, 4),
    };
    if !is_mac {
        return None;
    }
    let digits: String = groups.concat().to_ascii_lowercase();
    if digits.bytes().all(|digit| digit == b'0') || digits.bytes().all(|digit| digit == b'f') {
        return None;
    }
    let pairs: Vec<&str> = digits
        .as_bytes()
        .chunks(2)
        .filter_map(|pair| std::str::from_utf8(pair).ok())
        .collect();
    Some(Address::Mac(pairs.join(":")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_of(text: &str, candidate: &str, family: Family) -> String {
        let start = text.find(candidate).unwrap();
        let found = recognise(text, 0, start..start + candidate.len(), family);
        text[found.run].to_string()
    }

    #[test]
    fn a_run_is_read_whole_without_the_words_joined_to_it() {
        assert_eq!(
            run_of("pkg-1.2.3.4.5 x", "1.2.3.4", Family::Ipv4),
            "1.2.3.4.5"
        );
        assert_eq!(run_of("at 10.0.0.1.", "10.0.0.1", Family::Ipv4), "10.0.0.1");
        assert_eq!(
            run_of("/var/log/10.0.0.1.log", "10.0.0.1", Family::Ipv4),
            "10.0.0.1"
        );
        assert_eq!(
            run_of(
                "mac:aa:bb:cc:dd:ee:ff:eth0",
                "aa:bb:cc:dd:ee:ff",
                Family::Colon
            ),
            "aa:bb:cc:dd:ee:ff"
        );
        assert_eq!(run_of("net ff02:: up", "ff02::", Family::Colon), "ff02::");
        assert_eq!(run_of("[fe80::1]:8080", "fe80::", Family::Colon), "fe80::1");
        assert_eq!(
            run_of("64:ff9b::192.0.2.33.", "64:ff9b::", Family::Colon),
            "64:ff9b::192.0.2.33"
        );
    }

    #[test]
    fn macs_in_every_form_have_one_canonical_form() {
        for written in ["52:54:00:AB:cd:0e", "52-54-00-ab-cd-0e", "5254.00ab.cd0e"] {
            let separator = written
                .bytes()
                .find(|byte| !byte.is_ascii_hexdigit())
                .unwrap();
            assert_eq!(
                mac(written, separator),
                Some(Address::Mac("52:54:00:ab:cd:0e".to_string())),
                "{written}"
            );
        }
        assert_eq!(
            mac("1234:56ff:fe78:90ab", b':'),
            Some(Address::Mac("12:34:56:ff:fe:78:90:ab".to_string()))
        );
        assert_eq!(mac("ff:ff:ff:ff:ff:ff", b':'), None);
        assert_eq!(mac("00-00-00-00-00-00", b'-'), None);
        assert_eq!(mac("12:34:56", b':'), None);
    }

    #[test]
    fn versions_are_told_by_what_precedes_them() {
        assert!(names_a_version("requests=="));
        assert!(names_a_version("\"version\": \""));
        assert!(names_a_version("HyperBDR Release "));
        assert!(!names_a_version("peer "));
        assert!(!names_a_version("server="));
    }
}

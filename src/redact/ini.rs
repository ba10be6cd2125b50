//! INI / conf files — the product's own (`hamal.conf`, `config.ini`,
//! `s3block_config.ini`, `Sysconfig.ini`, the console's `config/*.conf`):
//! sections, `key = value` or `key: value`, `#` / `;` comments, and values
//! continued on indented lines. A secret key's value is masked whole, its
//! continuation lines with it; every other value is still scanned for
//! tokens. Comments, order and layout stay as they were.

use super::lines::redact_text;
use super::{MASK, is_secret_key};

/// One line of an INI file, as this reader sees it.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    Blank,
    Comment,
    Section(&'a str),
    /// `key`, the text up to the value (key, separator, spaces), the value.
    Entry {
        key: &'a str,
        head: &'a str,
        value: &'a str,
    },
    /// An indented line continuing the previous entry's value.
    Continuation,
    /// Anything else.
    Other,
}

/// Reads one line; `after_entry` tells whether an entry (or its
/// continuation) came just before.
pub fn classify(line: &str, after_entry: bool) -> Line<'_> {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return Line::Blank;
    }
    // An indented line after an entry continues it, even one that looks
    // like a comment: a masked value takes it along.
    if after_entry && line.starts_with([' ', '\t']) {
        return Line::Continuation;
    }
    if trimmed.starts_with('#') || trimmed.starts_with(';') {
        return Line::Comment;
    }
    if let Some(name) = trimmed
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    {
        return Line::Section(name);
    }
    let Some(separator) = line.find(['=', ':']) else {
        return Line::Other;
    };
    let key = line[..separator].trim();
    if key.is_empty() {
        return Line::Other;
    }
    let after = &line[separator + 1..];
    let value = after.trim_start_matches([' ', '\t']);
    let head = &line[..line.len() - value.len()];
    Line::Entry { key, head, value }
}

/// Redacts an INI text; returns it and how many values were masked.
pub fn redact(text: &str) -> (String, usize) {
    let (text, private_keys) = super::lines::redact_private_keys(text);
    let text = text.as_str();
    let mut output = String::with_capacity(text.len());
    let mut count = private_keys;
    let mut after_entry = false;
    let mut masking = false;
    for line in text.split_inclusive('\n') {
        let ending = &line[line.trim_end_matches(['\r', '\n']).len()..];
        let body = &line[..line.len() - ending.len()];
        match classify(body, after_entry) {
            Line::Continuation if masking => continue,
            Line::Entry { key, head, value } => {
                after_entry = true;
                masking = is_secret_key(key) && !value.trim().is_empty() && value.trim() != MASK;
                if masking {
                    count += 1;
                    output.push_str(head);
                    output.push_str(MASK);
                    output.push_str(ending);
                    continue;
                }
                let (value, found) = redact_text(value);
                count += found;
                output.push_str(head);
                output.push_str(&value);
                output.push_str(ending);
                continue;
            }
            Line::Continuation | Line::Blank | Line::Comment => {}
            Line::Section(_) | Line::Other => {
                after_entry = false;
                masking = false;
            }
        }
        let (body, found) = redact_text(body);
        count += found;
        output.push_str(&body);
        output.push_str(ending);
    }
    (output, count)
}

/// Whether every line of `text` is one an INI reader accepts.
pub fn parses(text: &str) -> bool {
    let mut after_entry = false;
    for line in text.lines() {
        match classify(line, after_entry) {
            Line::Other => return false,
            Line::Entry { .. } | Line::Continuation => after_entry = true,
            Line::Section(_) => after_entry = false,
            Line::Blank | Line::Comment => {}
        }
    }
    true
}

/// Whether `text` looks like INI: a `[section]` line and entries.
pub fn looks_like(text: &str) -> bool {
    text.lines()
        .any(|line| matches!(classify(line, false), Line::Section(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_lines_go_with_the_secret() {
        let text =
            "[db]\n# the password\npassword = first\n  second-line\nhost = db.local\n  other\n";
        let (redacted, count) = redact(text);
        assert_eq!(count, 1);
        assert_eq!(
            redacted,
            "[db]\n# the password\npassword = ***\nhost = db.local\n  other\n"
        );
        assert!(parses(&redacted));
    }
}

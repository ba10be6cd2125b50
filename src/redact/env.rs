//! Env files and shell assignments (`KEY=value`, `export KEY="value"`): a
//! secret key's value is masked whole, a quoted value to its closing quote
//! even on a later line; everything else is scanned for tokens.

use super::lines::redact_text;
use super::{MASK, is_secret_key};

/// The key of an assignment line, and where its value starts.
fn assignment(line: &str) -> Option<(&str, usize)> {
    let indent = line.len() - line.trim_start().len();
    let rest = &line[indent..];
    let (rest, offset) = match rest.strip_prefix("export ") {
        Some(after) => (after.trim_start(), line.len() - after.trim_start().len()),
        None => (rest, indent),
    };
    let equals = rest.find('=')?;
    let key = &rest[..equals];
    let valid = !key.is_empty()
        && key
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
    valid.then_some((key, offset + equals + 1))
}

/// Whether `text` holds a `quote` that closes a quoted value (a `\"` does not).
fn closes(text: &str, quote: char) -> bool {
    let mut escaped = false;
    for character in text.chars() {
        match character {
            '\\' if quote == '"' && !escaped => escaped = true,
            found if found == quote && !escaped => return true,
            _ => escaped = false,
        }
    }
    false
}

/// The quote of a quoted value opened in `value` and still open at its end.
fn unclosed(value: &str) -> Option<char> {
    let quote = value
        .chars()
        .next()
        .filter(|first| matches!(first, '"' | '\''))?;
    (!closes(&value[1..], quote)).then_some(quote)
}

/// Redacts an env / shell text; returns it and how many values were masked.
pub fn redact(text: &str) -> (String, usize) {
    let (text, private_keys) = super::lines::redact_private_keys(text);
    let text = text.as_str();
    let mut output = String::with_capacity(text.len());
    let mut count = private_keys;
    let mut open_quote: Option<char> = None;
    for line in text.split_inclusive('\n') {
        if let Some(quote) = open_quote {
            // Inside a masked multi-line value: drop lines to its closing quote.
            if closes(line, quote) {
                open_quote = None;
            }
            continue;
        }
        let body = line.trim_end_matches(['\r', '\n']);
        let ending = &line[body.len()..];
        match assignment(body) {
            Some((key, start))
                if is_secret_key(key)
                    && !body[start..].trim().is_empty()
                    && body[start..].trim_matches(['"', '\'']) != MASK =>
            {
                count += 1;
                open_quote = unclosed(&body[start..]);
                output.push_str(&body[..start]);
                output.push_str(MASK);
                output.push_str(ending);
            }
            _ => {
                let (redacted, found) = redact_text(line);
                count += found;
                output.push_str(&redacted);
            }
        }
    }
    (output, count)
}

/// Whether most non-comment lines of `text` are assignments.
pub fn looks_like(text: &str) -> bool {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect();
    !lines.is_empty() && lines.iter().all(|line| assignment(line).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_value_is_masked_to_its_closing_quote() {
        let text = "export DB_PASSWORD=\"first\nsecond \\\" still\nlast\"\nHOST=db\n";
        let (redacted, count) = redact(text);
        assert_eq!(count, 1);
        assert_eq!(redacted, "export DB_PASSWORD=***\nHOST=db\n");
    }
}

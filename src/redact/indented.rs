//! Masking by lines and indentation, keeping everything else as written:
//! YAML's first pass (comments, order and anchors kept; checked against the
//! parsed tree before it is trusted) and the fallback for configuration no
//! parser accepts. A secret key's value is masked whole, with every more
//! indented line below it (a nested mapping, a list, a block scalar).

use super::lines::redact_text;
use super::{MASK, is_secret_key};

/// How a key is separated from its value and how a mask is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `key: value`; the mask is quoted (`"***"`), as YAML needs.
    Yaml,
    /// `key = value` (TOML); the mask is quoted.
    Toml,
    /// `key: value` or `key = value`; the mask is bare.
    Plain,
}

/// Where a line's key is: its column, the key, and where its value starts.
fn key_of(line: &str, style: Style) -> Option<(usize, &str, usize)> {
    let mut column = line.len() - line.trim_start_matches([' ', '\t']).len();
    while line[column..].starts_with("- ") {
        column += 2;
        column += line[column..].len() - line[column..].trim_start_matches(' ').len();
    }
    let rest = &line[column..];
    if rest.starts_with(['#', '{', '[', '"', '\'', '&', '*', '|', '>']) && style == Style::Yaml {
        return quoted_key(line, column);
    }
    let separator = match style {
        Style::Yaml => rest
            .find(": ")
            .or_else(|| rest.ends_with(':').then(|| rest.len() - 1))?,
        Style::Toml => rest.find('=')?,
        Style::Plain => rest.find([':', '='])?,
    };
    let key = rest[..separator].trim().trim_matches(['"', '\'']);
    let valid = !key.is_empty() && !key.contains(['#', '{', '[', ' ', '"', '\'']);
    valid.then_some((column, key, column + separator + 1))
}

/// A YAML key in quotes (`"password": x`).
fn quoted_key(line: &str, column: usize) -> Option<(usize, &str, usize)> {
    let rest = &line[column..];
    let quote = rest
        .chars()
        .next()
        .filter(|first| matches!(first, '"' | '\''))?;
    let close = rest[1..].find(quote)? + 1;
    let after = &rest[close + 1..];
    let after = after.strip_prefix(':')?;
    (after.is_empty() || after.starts_with(' ')).then_some((
        column,
        &rest[1..close],
        column + close + 2,
    ))
}

/// A token masked as a whole YAML value (`note: ***`) would read as an
/// alias: quoted, it is the string the parsed tree holds.
fn quote_bare_mask(line: &str) -> String {
    let body = line.trim_end_matches(['\r', '\n']);
    let ending = &line[body.len()..];
    match body.strip_suffix(MASK) {
        Some(head) if head.ends_with(": ") || head.ends_with("- ") || head.trim().is_empty() => {
            format!("{head}\"{MASK}\"{ending}")
        }
        _ => line.to_string(),
    }
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

/// Redacts `text`; returns it and how many values were masked.
pub fn redact(text: &str, style: Style) -> (String, usize) {
    let (text, private_keys) = super::lines::redact_private_keys(text);
    let text = text.as_str();
    let mask = match style {
        Style::Plain => MASK.to_string(),
        Style::Yaml | Style::Toml => format!("\"{MASK}\""),
    };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut output = String::with_capacity(text.len());
    let mut count = private_keys;
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        index += 1;
        let body = line.trim_end_matches(['\r', '\n']);
        let ending = &line[body.len()..];
        let secret = key_of(body, style).filter(|(_, key, _)| is_secret_key(key));
        let Some((column, _, value_start)) = secret else {
            let (redacted, found) = redact_text(line);
            count += found;
            if style == Style::Yaml && found > 0 {
                output.push_str(&quote_bare_mask(&redacted));
            } else {
                output.push_str(&redacted);
            }
            continue;
        };
        let value = body[value_start..].trim();
        let mut children = 0;
        while let Some(next) = lines.get(index + children) {
            let next_body = next.trim_end_matches(['\r', '\n']);
            let sequence_below = value.is_empty()
                && indent_of(next_body) == column
                && next_body.trim_start().starts_with("- ");
            if next_body.trim().is_empty() || indent_of(next_body) > column || sequence_below {
                children += 1;
            } else {
                break;
            }
        }
        // Blank lines after the block belong to what follows.
        while children > 0 && lines[index + children - 1].trim().is_empty() {
            children -= 1;
        }
        let already = value.trim_matches(['"', '\'']) == MASK && children == 0;
        if (value.is_empty() && children == 0) || already {
            output.push_str(line);
            continue;
        }
        index += children;
        count += 1;
        output.push_str(body[..value_start].trim_end());
        output.push(' ');
        output.push_str(&mask);
        output.push_str(if ending.is_empty() && children > 0 {
            "\n"
        } else {
            ending
        });
    }
    (output, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_keys_block_goes_whole() {
        let text = "db:\n  password: |\n    line one\n    line two\n\n  user: ant\nauth:\n  - a: 1\n  - b: 2\ntoken: plain # comment\n";
        let (redacted, count) = redact(text, Style::Yaml);
        assert_eq!(count, 3, "{redacted}");
        assert_eq!(
            redacted,
            "db:\n  password: \"***\"\n\n  user: ant\nauth: \"***\"\ntoken: \"***\"\n"
        );
    }
}

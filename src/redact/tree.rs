//! JSON, YAML and TOML, parsed: every value under a secret-naming key is
//! replaced whole (a scalar, or everything beneath a mapping or list), every
//! other string scanned for tokens, and the tree written back in its format,
//! so the bundle's copy still parses. YAML and TOML first try the
//! line-preserving pass (comments and order kept) and keep it only when it
//! parses to exactly the masked tree; otherwise the tree is written out.

use super::indented::{self, Style};
use super::lines::redact_text;
use super::{MASK, is_secret_key};

fn is_empty_json(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => true,
        serde_json::Value::String(text) => text.is_empty() || text == MASK,
        _ => false,
    }
}

/// Masks a JSON tree in place; returns how many values were masked.
pub fn mask_json(value: &mut serde_json::Value) -> usize {
    match value {
        serde_json::Value::Object(map) => map
            .iter_mut()
            .map(|(key, child)| {
                if is_secret_key(key) {
                    if is_empty_json(child) {
                        return 0;
                    }
                    *child = serde_json::Value::String(MASK.to_string());
                    1
                } else {
                    mask_json(child)
                }
            })
            .sum(),
        serde_json::Value::Array(items) => items.iter_mut().map(mask_json).sum(),
        serde_json::Value::String(text) => mask_string(text),
        _ => 0,
    }
}

/// Masks a TOML tree in place; returns how many values were masked.
pub fn mask_toml(value: &mut toml::Value) -> usize {
    match value {
        toml::Value::Table(table) => mask_table(table),
        toml::Value::Array(items) => items.iter_mut().map(mask_toml).sum(),
        toml::Value::String(text) => mask_string(text),
        _ => 0,
    }
}

/// Masks the secrets in a string value in place; returns how many.
fn mask_string(text: &mut String) -> usize {
    let (redacted, count) = redact_text(text);
    if count > 0 {
        *text = redacted;
    }
    count
}

fn mask_table(table: &mut toml::Table) -> usize {
    table
        .iter_mut()
        .map(|(key, child)| {
            if is_secret_key(key) {
                if matches!(child, toml::Value::String(text) if text.is_empty() || text == MASK) {
                    return 0;
                }
                *child = toml::Value::String(MASK.to_string());
                1
            } else {
                mask_toml(child)
            }
        })
        .sum()
}

/// A JSON text, masked and written back; `None` when it does not parse.
pub fn json(text: &str) -> Option<(String, usize)> {
    let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
    let count = mask_json(&mut value);
    if count == 0 {
        return Some((text.to_string(), 0));
    }
    let mut written = serde_json::to_string_pretty(&value).ok()?;
    written.push('\n');
    Some((written, count))
}

/// YAML parsed within serde-saphyr's limits (as the compose reader does,
/// without the alias/anchor ratio that ordinary `x-common` merges trip): an
/// alias bomb is refused (and the file masked by lines), not expanded.
fn parse_yaml(text: &str) -> Option<serde_json::Value> {
    let mut budget = serde_saphyr::Budget::default();
    budget.enforce_alias_anchor_ratio = false;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    serde_saphyr::from_str_with_options(text, options).ok()
}

/// A YAML text, masked; `None` when it does not parse.
pub fn yaml(text: &str) -> Option<(String, usize)> {
    let mut value = parse_yaml(text)?;
    let count = mask_json(&mut value);
    // Comments are not in the tree: the line pass masks those too.
    let (kept, kept_count) = indented::redact(text, Style::Yaml);
    if parse_yaml(&kept).as_ref() == Some(&value) {
        return Some((kept, kept_count.max(count)));
    }
    serde_saphyr::to_string(&value)
        .ok()
        .map(|written| (written, count))
}

/// A TOML text, masked; `None` when it does not parse.
pub fn toml(text: &str) -> Option<(String, usize)> {
    let mut table: toml::Table = text.parse().ok()?;
    let count = mask_table(&mut table);
    let (kept, kept_count) = indented::redact(text, Style::Toml);
    if kept.parse::<toml::Table>().ok().as_ref() == Some(&table) {
        return Some((kept, kept_count.max(count)));
    }
    toml::to_string(&table).ok().map(|written| (written, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_keeps_comments_order_and_anchors_when_it_can() {
        let text = "# the console\nz: &base\n  path: /opt/x\ndb:\n  <<: *base\n  password: p,w\"d\n  note: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl\na: 1\n";
        let (redacted, count) = yaml(text).unwrap();
        assert_eq!(count, 2);
        assert_eq!(
            redacted,
            "# the console\nz: &base\n  path: /opt/x\ndb:\n  <<: *base\n  password: \"***\"\n  note: \"***\"\na: 1\n"
        );
    }

    #[test]
    fn what_lines_cannot_mask_is_written_from_the_tree() {
        let text = "command: [\"--db-password=x,y\", \"--log-dir=/var/log\"]\n";
        let (redacted, count) = yaml(text).unwrap();
        assert_eq!(count, 1);
        let parsed: serde_json::Value = serde_saphyr::from_str(&redacted).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({"command": ["--db-password=***", "--log-dir=/var/log"]})
        );
        let (redacted, _) =
            toml("s = \"\"\"\nmulti\"\"\"\n[a]\nsecret = \"\"\"\nx\ny\"\"\"\n").unwrap();
        let parsed: toml::Table = redacted.parse().unwrap();
        assert_eq!(parsed["a"]["secret"].as_str(), Some(MASK));
    }
}

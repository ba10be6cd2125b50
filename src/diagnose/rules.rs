//! The verdict rules, kept as data in `rules.toml` (one file, built into the
//! binary) so that a support engineer can read and extend the table without
//! reading Rust; this module parses it once and matches an error against it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The table, as shipped.
pub const TABLE: &str = include_str!("rules.toml");

/// Who has to act: the guide's three sides, plus the host itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Source,
    Target,
    Product,
    Host,
}

impl Side {
    pub fn words(self) -> &'static str {
        match self {
            Side::Source => "source side",
            Side::Target => "target side",
            Side::Product => "product",
            Side::Host => "host",
        }
    }
}

/// A rule's side as written: a side, or "the calling service's platform".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleSide {
    Source,
    Target,
    Product,
    Host,
    Cloud,
}

/// One example a rule's test checks (read by the tests only).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(not(test), allow(dead_code))]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub service: String,
    pub line: String,
    pub side: Option<Side>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    side: RuleSide,
    #[serde(default)]
    any: Vec<String>,
    #[serde(default)]
    all: Vec<String>,
    cause: String,
    advice: String,
    next: String,
    #[serde(default)]
    example: Vec<Example>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sides {
    source: Vec<String>,
    target: Vec<String>,
    default: Side,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    sides: Sides,
    api: String,
    middleware: BTreeMap<String, String>,
    rule: Vec<RawRule>,
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub side: RuleSide,
    any: Vec<regex::Regex>,
    all: Vec<regex::Regex>,
    pub cause: String,
    pub advice: String,
    pub next: String,
    /// The rule's own examples from the table, read by its tests only.
    #[cfg_attr(not(test), allow(dead_code))]
    pub examples: Vec<Example>,
}

/// The compiled table.
#[derive(Debug)]
pub struct Table {
    sides: Sides,
    api: regex::Regex,
    middleware: BTreeMap<String, String>,
    pub rules: Vec<Rule>,
}

/// What a rule decided about one error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The rule's index in the table (its precedence).
    pub rank: usize,
    pub rule: String,
    pub side: Side,
    pub mentions: Mentions,
}

/// What an error line names, for the templates' `{api}`, `{middleware}` and
/// `{code}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mentions {
    /// The cloud API (`Nova`), capitalised.
    pub api: Option<String>,
    /// The middleware service (`rabbitmq`).
    pub middleware: Option<String>,
    /// The HTTP or error code.
    pub code: Option<String>,
}

fn compile(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .multi_line(true)
        .build()
        .map_err(|error| format!("pattern {pattern:?}: {error}"))
}

fn parse(text: &str) -> Result<Table, String> {
    let raw: RawTable = toml::from_str(text).map_err(|error| error.to_string())?;
    let mut rules = Vec::new();
    for rule in raw.rule {
        let compiled = |patterns: &[String]| -> Result<Vec<regex::Regex>, String> {
            patterns
                .iter()
                .map(|pattern| {
                    compile(pattern).map_err(|error| format!("rule {}: {error}", rule.id))
                })
                .collect()
        };
        rules.push(Rule {
            any: compiled(&rule.any)?,
            all: compiled(&rule.all)?,
            id: rule.id,
            side: rule.side,
            cause: rule.cause,
            advice: rule.advice,
            next: rule.next,
            examples: rule.example,
        });
    }
    Ok(Table {
        api: compile(&raw.api)?,
        sides: raw.sides,
        middleware: raw.middleware,
        rules,
    })
}

/// The built-in table (parsed once). An error here is a defect of the
/// shipped file, which the tests below catch.
pub fn table() -> Result<&'static Table, String> {
    static TABLE_ONCE: OnceLock<Result<Table, String>> = OnceLock::new();
    TABLE_ONCE
        .get_or_init(|| parse(TABLE))
        .as_ref()
        .map_err(|error| format!("the built-in verdict table is malformed: {error}"))
}

impl Table {
    /// The platform side of a service's cloud calls.
    pub fn side_of(&self, service: &str) -> Side {
        let module = crate::catalog::module_of(service);
        let listed = |names: &[String]| names.iter().any(|name| name == service || name == module);
        if listed(&self.sides.source) {
            Side::Source
        } else if listed(&self.sides.target) {
            Side::Target
        } else {
            self.sides.default
        }
    }

    /// The service a middleware name in a line stands for (`amqp` → `rabbitmq`).
    pub fn middleware_service(&self, name: &str) -> Option<&str> {
        self.middleware
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// The first rule that matches `text` (an error's lines), for `service`.
    pub fn decide(&self, text: &str, service: &str) -> Option<Decision> {
        for (rank, rule) in self.rules.iter().enumerate() {
            let any = rule.any.is_empty() || rule.any.iter().any(|pattern| pattern.is_match(text));
            if !any || !rule.all.iter().all(|pattern| pattern.is_match(text)) {
                continue;
            }
            let capture = |name: &str| {
                rule.any
                    .iter()
                    .chain(&rule.all)
                    .find_map(|pattern| pattern.captures(text)?.name(name))
                    .map(|found| found.as_str().to_string())
            };
            let side = match rule.side {
                RuleSide::Source => Side::Source,
                RuleSide::Target => Side::Target,
                RuleSide::Product => Side::Product,
                RuleSide::Host => Side::Host,
                RuleSide::Cloud => self.side_of(service),
            };
            let api = self
                .api
                .captures(text)
                .and_then(|found| found.get(1))
                .map(|found| {
                    let name = found.as_str();
                    let mut chars = name.chars();
                    chars.next().map_or_else(String::new, |first| {
                        first.to_uppercase().collect::<String>() + chars.as_str()
                    })
                });
            return Some(Decision {
                rank,
                rule: rule.id.clone(),
                side,
                mentions: Mentions {
                    api,
                    middleware: capture("middleware")
                        .map(|name| self.middleware_service(&name).unwrap_or(&name).to_string()),
                    code: capture("code"),
                },
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks a rule exists, has examples, and decides each of them.
    fn check(id: &str) {
        let table = table().unwrap();
        let rule = table
            .rules
            .iter()
            .find(|rule| rule.id == id)
            .unwrap_or_else(|| panic!("no rule {id}"));
        assert!(!rule.examples.is_empty(), "rule {id} has no example");
        for example in &rule.examples {
            let decision = table.decide(&example.line, &example.service).unwrap();
            assert_eq!(decision.rule, id, "{}", example.line);
            if let Some(side) = example.side {
                assert_eq!(decision.side, side, "{}", example.line);
            }
        }
    }

    /// One test per rule of the table; `every_rule_has_its_test` keeps this list whole.
    const TESTED: &[&str] = &[
        "disk-full",
        "out-of-memory",
        "middleware-unreachable",
        "cloud-authentication",
        "cloud-quota",
        "cloud-not-found",
        "cloud-server-error",
        "cloud-unreachable",
        "product-exception",
        "unclassified",
    ];

    #[test]
    fn every_rule_has_its_test() {
        let ids: Vec<&str> = table()
            .unwrap()
            .rules
            .iter()
            .map(|rule| rule.id.as_str())
            .collect();
        assert_eq!(ids, TESTED);
    }

    #[test]
    fn rule_disk_full() {
        check("disk-full");
    }

    #[test]
    fn rule_out_of_memory() {
        check("out-of-memory");
    }

    #[test]
    fn rule_middleware_unreachable() {
        check("middleware-unreachable");
        let table = table().unwrap();
        let decision = table
            .decide(
                "AMQP server on rabbitmq:5672 is unreachable: [Errno 111] ECONNREFUSED",
                "porter-api",
            )
            .unwrap();
        assert_eq!(decision.mentions.middleware.as_deref(), Some("rabbitmq"));
        assert_eq!(decision.side, Side::Product);
    }

    #[test]
    fn rule_cloud_authentication() {
        check("cloud-authentication");
    }

    #[test]
    fn rule_cloud_quota() {
        check("cloud-quota");
    }

    #[test]
    fn rule_cloud_not_found() {
        check("cloud-not-found");
        let decision = table()
            .unwrap()
            .decide(
                "Nova returned 404 calling Cinder (HTTP 404)",
                "unicloud-engine",
            )
            .unwrap();
        assert_eq!(decision.mentions.api.as_deref(), Some("Nova"));
        assert_eq!(decision.mentions.code.as_deref(), Some("404"));
    }

    #[test]
    fn rule_cloud_server_error() {
        check("cloud-server-error");
    }

    #[test]
    fn rule_cloud_unreachable() {
        check("cloud-unreachable");
    }

    #[test]
    fn rule_product_exception() {
        check("product-exception");
    }

    #[test]
    fn rule_unclassified() {
        check("unclassified");
    }

    #[test]
    fn the_calling_service_decides_the_cloud_side() {
        let table = table().unwrap();
        assert_eq!(table.side_of("hamal"), Side::Source);
        assert_eq!(table.side_of("egisplus-agent"), Side::Source);
        assert_eq!(table.side_of("unicloud-engine"), Side::Target);
        assert_eq!(table.side_of("porter-api"), Side::Target);
    }
}

//! The Prometheus text exposition format (0.0.4): metric families with their
//! HELP and TYPE lines, samples with escaped label values. Knows nothing of
//! hmctl's metrics; `render::metrics` says which families there are.

use std::fmt::Write;

/// A metric family's TYPE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gauge,
    Counter,
}

/// One metric family being written: its samples are added before the header
/// is emitted, so a family without samples leaves no trace.
pub struct Family {
    name: &'static str,
    help: &'static str,
    kind: Kind,
    samples: String,
}

impl Family {
    pub fn new(name: &'static str, kind: Kind, help: &'static str) -> Family {
        Family {
            name,
            help,
            kind,
            samples: String::new(),
        }
    }

    pub fn sample(&mut self, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.samples.push_str(self.name);
        if !labels.is_empty() {
            self.samples.push('{');
            for (index, (name, label_value)) in labels.iter().enumerate() {
                if index > 0 {
                    self.samples.push(',');
                }
                let _ = write!(self.samples, "{name}=\"{}\"", escape_label(label_value));
            }
            self.samples.push('}');
        }
        let _ = writeln!(self.samples, " {value}");
    }

    pub fn write_to(self, out: &mut String) {
        if self.samples.is_empty() {
            return;
        }
        let kind = match self.kind {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
        };
        let _ = writeln!(out, "# HELP {} {}", self.name, escape_help(self.help));
        let _ = writeln!(out, "# TYPE {} {kind}", self.name);
        out.push_str(&self.samples);
    }
}

/// A label value as the text format wants it: backslash, double quote and
/// line feed escaped.
pub fn escape_label(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for character in value.chars() {
        match character {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// HELP text: backslash and line feed escaped.
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_escape_backslash_quote_and_newline() {
        assert_eq!(escape_label(r#"a\b"c"#), r#"a\\b\"c"#);
        assert_eq!(escape_label("line\nnext"), "line\\nnext");
    }

    #[test]
    fn a_family_without_samples_writes_nothing_and_help_is_escaped() {
        let mut out = String::new();
        Family::new("empty", Kind::Gauge, "nothing").write_to(&mut out);
        assert_eq!(out, "");
        let mut family = Family::new("x_total", Kind::Counter, "a\\b\nc");
        family.sample(&[("k", "v")], 2);
        family.sample(&[], 1.5);
        family.write_to(&mut out);
        assert_eq!(
            out,
            "# HELP x_total a\\\\b\\nc\n# TYPE x_total counter\nx_total{k=\"v\"} 2\nx_total 1.5\n"
        );
    }
}

//! Pure functions from hmctl's data to text: tables for people, JSON for
//! scripts. Nothing here talks to a daemon or decides an exit code.

pub mod dependents;
pub mod diagnose;
pub mod duration;
pub mod events;
pub mod exposition;
pub mod history;
pub mod lifecycle;
pub mod list;
pub mod logs;
pub mod maintenance;
pub mod metrics;
pub mod status;
pub mod upgrade;

#[cfg(test)]
mod tests;

/// Whether to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    /// Terminal width to fit tables into; `None` when not a terminal.
    pub width: Option<u16>,
}

impl Style {
    #[cfg(test)]
    pub fn plain() -> Style {
        Style {
            color: false,
            width: None,
        }
    }
}

/// A table in hmctl's look: `docker ps`-like columns, no borders.
pub fn table(style: Style, header: &[&str]) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::NOTHING);
    table.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    match style.width {
        Some(width) => {
            table.set_width(width);
        }
        None => {
            table.force_no_tty();
            table.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
        }
    }
    table.set_header(header.iter().copied().map(comfy_table::Cell::new));
    table
}

/// A table as lines without trailing blanks.
pub fn finish(table: &comfy_table::Table) -> String {
    let mut text: String = table
        .lines()
        .map(|line| line.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    text.push('\n');
    text
}

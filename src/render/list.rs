//! `hmctl list` as text.

use super::{Style, finish, table};
use crate::catalog::windows_agent;
use crate::ops::list::Listing;
use comfy_table::Cell;

pub fn human(listing: &Listing, style: Style) -> String {
    let mut table = table(style, &["SERVICE", "GROUP", "BACKEND", "PRESENT", "LOGS"]);
    for service in &listing.services {
        let present = match service.present {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        };
        let name = match &service.unit {
            Some(unit) if unit.contains('|') => format!("{} ({unit})", service.name),
            _ => service.name.clone(),
        };
        table.add_row(vec![
            Cell::new(name),
            Cell::new(&service.group),
            Cell::new(service.backend.as_str()),
            Cell::new(present),
            Cell::new(service.logs.join("\n")),
        ]);
    }
    for service in &listing.elsewhere {
        table.add_row(vec![
            Cell::new(&service.name),
            Cell::new(&service.group),
            Cell::new("-"),
            Cell::new(windows_agent::WHERE),
            Cell::new(service.logs.join("\n")),
        ]);
    }
    let mut text = finish(&table);
    text.push('\n');
    for group in &listing.groups {
        text.push_str(&format!(
            "group {}: {} ({}, {})\n",
            group.name,
            if group.present {
                "present"
            } else {
                "not present"
            },
            group.backend.as_str(),
            group.rule
        ));
    }
    if !listing.elsewhere.is_empty() {
        text.push_str(&format!(
            "group {}: {} (not this host: hmctl has no state of it and controls nothing there; use {})\n",
            windows_agent::GROUP,
            windows_agent::WHERE,
            windows_agent::CONTROL
        ));
    }
    text
}

pub fn json(listing: &Listing) -> String {
    let mut text = serde_json::to_string_pretty(listing).unwrap_or_default();
    text.push('\n');
    text
}

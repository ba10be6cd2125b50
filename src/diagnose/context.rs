//! The facts every finding of a diagnosis is filled in with (its window,
//! the operator's keyword, the services' states, the catalog, the time), and
//! the rank of a rule: what both the log findings and the state findings read.

use super::report::ServiceState;
use super::rules::Table;
use super::window::Window;

/// What the verdicts are filled in with.
pub struct Context<'a> {
    pub window: &'a Window,
    /// The operator's KEYWORD or `--id`: what to grep for next.
    pub keyword: Option<&'a str>,
    pub states: &'a [ServiceState],
    pub catalog: &'a crate::catalog::Catalog,
    pub now: jiff::Timestamp,
}

/// Rank of a rule (times ten, so state findings can sit between rules).
pub fn rank_of(table: &Table, id: &str) -> usize {
    table
        .rules
        .iter()
        .position(|rule| rule.id == id)
        .unwrap_or(table.rules.len())
        * 10
}

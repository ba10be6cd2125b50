//! The operations behind the verbs. Each takes the catalog and backends and
//! returns plain data; `render` turns it into text.

pub mod bounded_lines;
pub mod dependents;
pub mod events;
pub mod execute;
#[cfg(test)]
pub mod fixtures;
pub mod history;
pub mod host;
pub mod interrupt;
pub mod inventory;
pub mod last_change;
pub mod lifecycle;
pub mod list;
pub mod lock;
pub mod logs;
pub mod maintenance;
pub mod metrics;
pub mod order;
pub mod plan;
pub mod reload;
pub mod snapshot;
pub mod status;
pub mod textfile;
pub mod transitions;
pub mod upgrade;
#[cfg(test)]
pub(crate) mod world_tests;

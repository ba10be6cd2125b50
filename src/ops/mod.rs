//! The operations behind the verbs. Each takes the catalog and backends and
//! returns plain data; `render` turns it into text.

pub mod checks;
pub mod list;
pub mod snapshot;
pub mod status;

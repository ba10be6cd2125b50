//! What is installed on this host, from files alone: the services the present
//! groups' compose files declare (plus the catalog's names for them) and the
//! units of the systemd groups. The log commands resolve TARGETs against it,
//! so reading a log never waits on a daemon.

use crate::backend::{Backend, Installed};
use crate::catalog::Catalog;
use crate::exit::Failure;

/// One service an operator may name.
pub type Entry = Installed;

/// Every service of every present group.
pub fn inventory(catalog: &Catalog) -> Result<Vec<Entry>, Failure> {
    let mut entries = Vec::new();
    let mut seen_units = Vec::new();
    for group in catalog.present_groups() {
        entries.extend(Backend::installed(group, &mut seen_units)?);
    }
    Ok(entries)
}

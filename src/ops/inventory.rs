//! What is installed on this host, from files alone: the services the present
//! groups' compose files declare (plus the catalog's names for them) and the
//! units of the systemd groups. The log commands resolve TARGETs against it,
//! so reading a log never waits on a daemon — nor on a compose file that
//! does not parse: such a group counts the names the guides give it.

use crate::backend::{Backends, Installed};
use crate::catalog::{Catalog, Group};
use crate::exit::Failure;

/// One service an operator may name.
pub type Entry = Installed;

/// Every service of every present group (by the files `backends` reads);
/// a group whose files cannot be read has the services the guides name for it.
pub fn inventory(catalog: &Catalog, backends: &Backends) -> Vec<Entry> {
    collect(catalog, backends, &mut |group, _failure| {
        Ok(group
            .known_services
            .iter()
            .map(|name| Installed {
                name: name.clone(),
                group: group.name.clone(),
                backend: group.backend,
                aliases: Vec::new(),
            })
            .collect())
    })
    .unwrap_or_default()
}

/// The services of `group` (a unit it shares with an earlier group counts
/// there), refusing when its files cannot be read: what a change acts on
/// must be known exactly.
pub fn group_inventory(
    catalog: &Catalog,
    group: &Group,
    backends: &Backends,
) -> Result<Vec<Entry>, Failure> {
    let entries = collect(catalog, backends, &mut |unreadable, failure| {
        if unreadable.name == group.name {
            Err(failure)
        } else {
            Ok(Vec::new())
        }
    })?;
    Ok(entries
        .into_iter()
        .filter(|entry| entry.group == group.name)
        .collect())
}

/// What a group whose files cannot be read counts instead (or the refusal).
type Unreadable<'a> = &'a mut dyn FnMut(&Group, Failure) -> Result<Vec<Entry>, Failure>;

fn collect(
    catalog: &Catalog,
    backends: &Backends,
    unreadable: Unreadable<'_>,
) -> Result<Vec<Entry>, Failure> {
    let mut entries = Vec::new();
    let mut seen_units = Vec::new();
    for group in catalog.present_groups() {
        match backends.installed(group, &mut seen_units) {
            Ok(installed) => entries.extend(installed),
            Err(failure) => entries.extend(unreadable(group, failure)?),
        }
    }
    Ok(entries)
}

//! Moving one top-level entry between the live directory and the stage with a
//! single atomic rename: `renameat2(RENAME_EXCHANGE)` for a replacement, a plain
//! rename for an entry added or taken out. Whether an entry's swap is done is
//! read from inode numbers, so applying or undoing it twice is harmless.

use super::journal::{EntryPlan, Swap};
use crate::exit::{Exit, Failure};
use rustix::fs::{CWD, RenameFlags, renameat_with};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

fn inode(path: &Path) -> Option<u64> {
    std::fs::symlink_metadata(path)
        .ok()
        .map(|metadata| metadata.ino())
}

/// Whether the entry's swap has happened.
pub fn is_applied(entry: &EntryPlan, live_dir: &Path, stage_dir: &Path) -> bool {
    let live = inode(&live_dir.join(&entry.name));
    let staged = inode(&stage_dir.join(&entry.name));
    match entry.swap {
        Swap::Exchange | Swap::Insert => live.is_some() && live == entry.staged_inode,
        Swap::Remove => live.is_none() && staged.is_some() && staged == entry.live_inode,
    }
}

/// Whether the entry is back as it was before the transaction: the live path
/// holds the inode it held then (or, for an added entry, nothing). Only then may
/// the stage, which after a swap holds the live version, be removed.
pub fn is_back(entry: &EntryPlan, live_dir: &Path) -> bool {
    inode(&live_dir.join(&entry.name)) == entry.live_inode
}

/// Where the entry's old and new versions are now, found by their inodes, for
/// an operator who has to finish by hand (`porter: the old version is in
/// /opt/.hmctl-upgrade-console/porter, the new one in /opt/venvs/porter`).
pub fn whereabouts(entry: &EntryPlan, live_dir: &Path, stage_dir: &Path) -> String {
    let live = live_dir.join(&entry.name);
    let staged = stage_dir.join(&entry.name);
    let (live_now, staged_now) = (inode(&live), inode(&staged));
    let place = |recorded: u64| {
        if live_now == Some(recorded) {
            live.display().to_string()
        } else if staged_now == Some(recorded) {
            staged.display().to_string()
        } else {
            format!(
                "neither {} nor {} (check by hand)",
                live.display(),
                staged.display()
            )
        }
    };
    let name = &entry.name;
    match (entry.live_inode, entry.staged_inode) {
        (Some(old), Some(new)) => format!(
            "{name}: the old version is in {}, the new one in {}",
            place(old),
            place(new)
        ),
        (None, Some(new)) => format!("{name}: added by the new version, now in {}", place(new)),
        (Some(old), None) => format!(
            "{name}: taken out by the new version; the old one is in {}",
            place(old)
        ),
        (None, None) => format!("{name}: in neither version"),
    }
}

/// Refuses an upgrade, before anything is changed, on a kernel without
/// `renameat2(RENAME_EXCHANGE)` (Linux 3.15; CentOS / RHEL 6 and SLES 11 run
/// 2.6.32 and 3.0): there a replacement would take two renames, with a moment
/// in which the live path holds neither version.
pub fn refuse_without_exchange() -> Result<(), Failure> {
    // Empty names: a kernel that has the call checks the flags, then answers
    // ENOENT for the names; one without it answers ENOSYS. Nothing is renamed.
    exchange_answered(renameat_with(CWD, "", CWD, "", RenameFlags::EXCHANGE))
}

/// What the kernel's answer to an exchange means for an upgrade: only
/// ENOSYS (no such call) refuses it.
fn exchange_answered(answer: rustix::io::Result<()>) -> Result<(), Failure> {
    match answer {
        Err(rustix::io::Errno::NOSYS) => Err(Failure::new(
            Exit::OperationFailed,
            "this kernel cannot exchange two directories in one step (renameat2 with RENAME_EXCHANGE, Linux 3.15 and later): hmctl upgrade swaps every program directory atomically, so it does not upgrade here; nothing was changed",
        )
        .with_hint(
            "upgrade this host's programs with the installer of the release, as the O&M guide describes",
        )),
        _ => Ok(()),
    }
}

fn exchange(left: &Path, right: &Path) -> std::io::Result<()> {
    renameat_with(CWD, left, CWD, right, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

/// Does the entry's swap, unless done.
pub fn apply(entry: &EntryPlan, live_dir: &Path, stage_dir: &Path) -> std::io::Result<()> {
    turn(entry, live_dir, stage_dir, Direction::Apply)
}

/// Undoes the entry's swap, if done.
pub fn undo(entry: &EntryPlan, live_dir: &Path, stage_dir: &Path) -> std::io::Result<()> {
    turn(entry, live_dir, stage_dir, Direction::Undo)
}

/// Which way [`turn`] moves an entry.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Apply,
    Undo,
}

/// Applies or undoes the entry's swap, unless it is so already: an undo is
/// the same rename as the apply, the other way.
fn turn(
    entry: &EntryPlan,
    live_dir: &Path,
    stage_dir: &Path,
    direction: Direction,
) -> std::io::Result<()> {
    if is_applied(entry, live_dir, stage_dir) == (direction == Direction::Apply) {
        return Ok(());
    }
    super::hooks::fault(match direction {
        Direction::Apply => "swap-in",
        Direction::Undo => "swap-out",
    })?;
    let live = live_dir.join(&entry.name);
    let staged = stage_dir.join(&entry.name);
    let (from, to) = match entry.swap {
        Swap::Exchange => return exchange(&staged, &live),
        Swap::Insert => (&staged, &live),
        Swap::Remove => (&live, &staged),
    };
    match direction {
        Direction::Apply => std::fs::rename(from, to),
        Direction::Undo => std::fs::rename(to, from),
    }
}

/// Makes renames in `dirs` durable; a directory that is gone (a stage
/// already removed) holds nothing to make durable.
pub fn sync_dirs(dirs: &[&Path]) -> std::io::Result<()> {
    for dir in dirs {
        match std::fs::File::open(dir) {
            Ok(file) => file.sync_all()?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// The entry plan for `name`, with the inodes as they are now.
pub fn plan_entry(name: &str, swap: Swap, live_dir: &Path, stage_dir: &Path) -> EntryPlan {
    EntryPlan {
        name: name.to_string(),
        swap,
        live_inode: inode(&live_dir.join(name)),
        staged_inode: inode(&stage_dir.join(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kernel_with_the_exchange_is_not_refused_and_nothing_is_renamed() {
        // This kernel has renameat2; its refusal under ENOSYS is shown in
        // tests/old_kernel_real.rs (the 2.6.32 seccomp profile).
        assert!(refuse_without_exchange().is_ok());
    }

    /// A kernel without the call (ENOSYS): the words the operator reads,
    /// without such a kernel (also shown in tests/old_kernel_real.rs).
    #[test]
    fn a_kernel_without_the_exchange_is_refused_word_for_word() {
        assert!(exchange_answered(Err(rustix::io::Errno::NOENT)).is_ok());
        let failure = exchange_answered(Err(rustix::io::Errno::NOSYS)).unwrap_err();
        assert_eq!(
            (
                failure.exit,
                failure.message.as_str(),
                failure.hint.as_deref()
            ),
            (
                Exit::OperationFailed,
                "this kernel cannot exchange two directories in one step (renameat2 with RENAME_EXCHANGE, Linux 3.15 and later): hmctl upgrade swaps every program directory atomically, so it does not upgrade here; nothing was changed",
                Some(
                    "upgrade this host's programs with the installer of the release, as the O&M guide describes"
                ),
            )
        );
    }

    #[test]
    fn exchange_insert_and_remove_apply_and_undo_idempotently() {
        // No failure planned by another test may reach these renames.
        let _exclusive = super::super::hooks::exclusive();
        let root = tempfile::tempdir().unwrap();
        let live = root.path().join("live");
        let stage = root.path().join("stage");
        for dir in [&live, &stage] {
            std::fs::create_dir(dir).unwrap();
        }
        std::fs::write(live.join("porter"), "old").unwrap();
        std::fs::write(stage.join("porter"), "new").unwrap();
        std::fs::write(stage.join("added"), "new").unwrap();
        std::fs::write(live.join("gone"), "old").unwrap();
        let entries = [
            plan_entry("porter", Swap::Exchange, &live, &stage),
            plan_entry("added", Swap::Insert, &live, &stage),
            plan_entry("gone", Swap::Remove, &live, &stage),
        ];
        for _ in 0..2 {
            for entry in &entries {
                apply(entry, &live, &stage).unwrap();
                assert!(is_applied(entry, &live, &stage));
            }
        }
        assert_eq!(std::fs::read_to_string(live.join("porter")).unwrap(), "new");
        assert_eq!(
            std::fs::read_to_string(stage.join("porter")).unwrap(),
            "old"
        );
        assert!(live.join("added").exists() && !live.join("gone").exists());
        for _ in 0..2 {
            for entry in &entries {
                undo(entry, &live, &stage).unwrap();
                assert!(!is_applied(entry, &live, &stage));
            }
        }
        assert_eq!(std::fs::read_to_string(live.join("porter")).unwrap(), "old");
        assert!(!live.join("added").exists() && live.join("gone").exists());
    }

    /// An entry that is neither where the journal left it nor swapped is
    /// named as such, for the operator to check by hand.
    #[test]
    fn whereabouts_name_the_paths_by_inode_and_say_when_neither_holds_it() {
        let root = tempfile::tempdir().unwrap();
        let (live, stage) = (root.path().join("live"), root.path().join("stage"));
        for dir in [&live, &stage] {
            std::fs::create_dir(dir).unwrap();
        }
        std::fs::write(live.join("porter"), "old").unwrap();
        std::fs::write(stage.join("porter"), "new").unwrap();
        let entry = plan_entry("porter", Swap::Exchange, &live, &stage);
        let (live_path, staged_path) = (live.join("porter"), stage.join("porter"));
        assert_eq!(
            whereabouts(&entry, &live, &stage),
            format!(
                "porter: the old version is in {}, the new one in {}",
                live_path.display(),
                staged_path.display()
            )
        );
        std::fs::remove_file(&staged_path).unwrap();
        assert_eq!(
            whereabouts(&entry, &live, &stage),
            format!(
                "porter: the old version is in {}, the new one in neither {} nor {} (check by hand)",
                live_path.display(),
                live_path.display(),
                staged_path.display()
            )
        );
        assert!(is_back(&entry, &live));
        std::fs::write(live.join("gone"), "old").unwrap();
        let gone = plan_entry("gone", Swap::Remove, &live, &stage);
        std::fs::remove_file(live.join("gone")).unwrap();
        assert_eq!(
            whereabouts(&gone, &live, &stage),
            format!(
                "gone: taken out by the new version; the old one is in neither {} nor {} (check by hand)",
                live.join("gone").display(),
                stage.join("gone").display()
            )
        );
    }
}

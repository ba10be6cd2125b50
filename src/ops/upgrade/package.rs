//! Checking an upgrade package before anything changes: it exists, is a
//! directory, holds only regular files, directories and symlinks, and each
//! top-level entry has the same kind (file, directory or link) as the live
//! entry it replaces. Links inside the package are carried over as links and
//! never followed (a venv's `bin/python3 -> /usr/bin/python3` is normal), so
//! where they point does not matter; a top-level link where a directory lives
//! (`venvs/porter -> /`), devices, fifos and sockets are exit 2.

use crate::exit::Failure;
use std::path::{Path, PathBuf};

/// What a top-level entry is, by its own type (a link is never followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    File,
    Directory,
    Link,
}

impl Kind {
    fn of(metadata: &std::fs::Metadata) -> Option<Kind> {
        let kind = metadata.file_type();
        if kind.is_symlink() {
            Some(Kind::Link)
        } else if kind.is_dir() {
            Some(Kind::Directory)
        } else if kind.is_file() {
            Some(Kind::File)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::File => "a file",
            Kind::Directory => "a directory",
            Kind::Link => "a symlink",
        }
    }
}

/// A checked package.
#[derive(Debug, Clone)]
pub struct Package {
    pub root: PathBuf,
    /// Its top-level entries, sorted.
    pub entries: Vec<(String, Kind)>,
    pub files: u64,
    /// Symlinks, carried over as they are.
    pub links: u64,
    pub bytes: u64,
}

fn refuse(message: String) -> Failure {
    Failure::usage(message)
        .with_hint("nothing was changed; fix the package and run the upgrade again")
}

/// The package's directory, resolved: a directory, apart from the live one.
fn package_root(path: &Path, upgrade_dir: &Path) -> Result<std::path::PathBuf, Failure> {
    let metadata = std::fs::metadata(path).map_err(|error| {
        refuse(format!(
            "cannot use the package {}: {error}",
            path.display()
        ))
    })?;
    if !metadata.is_dir() {
        return Err(refuse(format!(
            "the package {} is not a directory",
            path.display()
        )));
    }
    let root = path
        .canonicalize()
        .map_err(|error| refuse(format!("cannot resolve {}: {error}", path.display())))?;
    if let Ok(live) = upgrade_dir.canonicalize()
        && (root.starts_with(&live) || live.starts_with(&root))
    {
        return Err(refuse(format!(
            "the package {} and the live directory {} overlap",
            root.display(),
            live.display()
        )));
    }
    Ok(root)
}

/// Checks `path` as a package for `upgrade_dir`.
pub fn check(path: &Path, upgrade_dir: &Path) -> Result<Package, Failure> {
    let root = package_root(path, upgrade_dir)?;
    let mut package = Package {
        root: root.clone(),
        entries: Vec::new(),
        files: 0,
        links: 0,
        bytes: 0,
    };
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|error| refuse(format!("cannot read {}: {error}", dir.display())))?;
        for entry in entries {
            let entry =
                entry.map_err(|error| refuse(format!("cannot read {}: {error}", dir.display())))?;
            let path = entry.path();
            let metadata = std::fs::symlink_metadata(&path)
                .map_err(|error| refuse(format!("cannot read {}: {error}", path.display())))?;
            let kind = metadata.file_type();
            if kind.is_symlink() {
                // Carried over as a link by the copy; never followed.
                package.links += 1;
            } else if kind.is_dir() {
                pending.push(path.clone());
            } else if kind.is_file() {
                package.files += 1;
                package.bytes += metadata.len();
            } else {
                return Err(refuse(format!(
                    "{} is not a regular file, a directory or a symlink (a device, fifo or socket)",
                    path.display()
                )));
            }
            if dir == root {
                let name = entry.file_name().into_string().map_err(|name| {
                    refuse(format!(
                        "the entry {:?} of {} is not valid UTF-8",
                        name,
                        root.display()
                    ))
                })?;
                if let Some(kind) = Kind::of(&metadata) {
                    package.entries.push((name, kind));
                }
            }
        }
    }
    if package.entries.is_empty() {
        return Err(refuse(format!("the package {} is empty", root.display())));
    }
    package.entries.sort();
    for (name, kind) in &package.entries {
        let live = upgrade_dir.join(name);
        if let Ok(metadata) = std::fs::symlink_metadata(&live)
            && let Some(live_kind) = Kind::of(&metadata)
            && live_kind != *kind
        {
            return Err(refuse(format!(
                "{name} is {} in the package but {} in {}",
                kind.as_str(),
                live_kind.as_str(),
                upgrade_dir.display()
            )));
        }
    }
    Ok(package)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let package = dir.path().join("package");
        let live = dir.path().join("venvs");
        std::fs::create_dir_all(package.join("porter/bin")).unwrap();
        std::fs::write(package.join("porter/bin/app"), "new").unwrap();
        std::fs::create_dir_all(live.join("porter")).unwrap();
        (dir, package, live)
    }

    /// Asserts that checking `package` against `live` is refused as a usage
    /// error whose message says `words`.
    fn assert_refused(package: &Path, live: &Path, words: &str) {
        let failure = check(package, live).unwrap_err();
        assert_eq!(failure.exit, crate::exit::Exit::Usage);
        assert!(failure.message.contains(words), "{}", failure.message);
    }

    #[test]
    fn a_good_package_lists_its_entries() {
        let (_dir, package, live) = setup();
        std::os::unix::fs::symlink("bin/app", package.join("porter/app")).unwrap();
        let checked = check(&package, &live).unwrap();
        assert_eq!(
            checked.entries,
            vec![("porter".to_string(), Kind::Directory)]
        );
        assert_eq!(checked.files, 1);
    }

    #[test]
    fn links_inside_are_carried_wherever_they_point() {
        let (_dir, package, live) = setup();
        // What `python3 -m venv` makes.
        std::os::unix::fs::symlink("/usr/bin/python3", package.join("porter/bin/python3")).unwrap();
        std::os::unix::fs::symlink("python3", package.join("porter/bin/python")).unwrap();
        std::os::unix::fs::symlink("lib", package.join("porter/lib64")).unwrap();
        std::os::unix::fs::symlink("../../../etc", package.join("porter/bin/up")).unwrap();
        std::os::unix::fs::symlink("/nonexistent", package.join("porter/dangling")).unwrap();
        let checked = check(&package, &live).unwrap();
        assert_eq!((checked.files, checked.links), (1, 5));
    }

    #[test]
    fn a_top_level_link_where_a_directory_lives_is_refused() {
        let (_dir, package, live) = setup();
        std::fs::remove_dir_all(package.join("porter")).unwrap();
        std::os::unix::fs::symlink("/", package.join("porter")).unwrap();
        assert_refused(
            &package,
            &live,
            "porter is a symlink in the package but a directory",
        );
        // A link where a link lives is the same kind.
        std::fs::remove_dir_all(live.join("porter")).unwrap();
        std::os::unix::fs::symlink("/opt", live.join("porter")).unwrap();
        assert!(check(&package, &live).is_ok());
        // A directory where a link lives is not.
        let (_dir, package, live) = setup();
        std::fs::remove_dir_all(live.join("porter")).unwrap();
        std::os::unix::fs::symlink("/nonexistent", live.join("porter")).unwrap();
        assert!(
            check(&package, &live)
                .unwrap_err()
                .message
                .contains("porter is a directory in the package but a symlink")
        );
    }

    #[test]
    fn kinds_must_match_the_live_entries() {
        let (_dir, package, live) = setup();
        std::fs::remove_dir_all(package.join("porter")).unwrap();
        std::fs::write(package.join("porter"), "a file").unwrap();
        assert_refused(
            &package,
            &live,
            "porter is a file in the package but a directory",
        );
    }

    #[test]
    fn missing_empty_overlapping_and_special_files_are_refused() {
        let (dir, package, live) = setup();
        assert!(check(&dir.path().join("nope"), &live).is_err());
        assert!(
            check(&package.join("porter/bin/app"), &live)
                .unwrap_err()
                .message
                .contains("not a directory")
        );
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert!(check(&empty, &live).unwrap_err().message.contains("empty"));
        assert!(
            check(&live, &live.join("porter"))
                .unwrap_err()
                .message
                .contains("overlap")
        );
        let fifo = package.join("porter/pipe");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        assert!(check(&package, &live).unwrap_err().message.contains("fifo"));
        let (_dir, package, live) = setup();
        let _socket =
            std::os::unix::net::UnixListener::bind(package.join("porter/socket")).unwrap();
        assert!(
            check(&package, &live)
                .unwrap_err()
                .message
                .contains("socket")
        );
    }
}

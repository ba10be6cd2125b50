//! Writes a file for node_exporter's textfile collector so that a reader
//! only ever sees the old file or the new one, whole: a temporary file is
//! created exclusively in the same directory (never through a link), written,
//! flushed to disk and renamed over the target. On any error the temporary
//! file is removed and the old file is left as it was.

use crate::exit::{Exit, Failure};
use crate::private_file::Directory;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The file node_exporter reads (its collector reads `*.prom` only, so the
/// temporary name, which does not end in `.prom`, is never read half-written).
pub const FILE_NAME: &str = "hmctl.prom";

/// Replaces `directory/name` with `contents`, mode 0644 (node_exporter runs as
/// its own user and must read it), through `private_file`'s exclusive
/// temporary file, fsync and rename.
pub fn write_atomically(directory: &Path, name: &str, contents: &[u8]) -> Result<PathBuf, Failure> {
    let target = directory.join(name);
    let failure = |what: &str, error: std::io::Error| {
        Failure::new(
            Exit::OperationFailed,
            format!("cannot write {}: {what}: {error}", target.display()),
        )
        .with_hint(format!(
            "create {} (node_exporter's --collector.textfile.directory) and let this user write it",
            directory.display()
        ))
    };
    let directory_handle =
        Directory::open(directory).map_err(|error| failure("cannot open the directory", error))?;
    directory_handle
        .write_atomically(OsStr::new(name), contents, 0o644)
        .map_err(|error| failure("cannot replace it", error))?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn entries(directory: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(directory)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_the_file_whole_with_mode_0644_and_leaves_nothing_else() {
        let directory = tempfile::tempdir().unwrap();
        std::fs::write(directory.path().join(FILE_NAME), "old\n").unwrap();
        let written = write_atomically(directory.path(), FILE_NAME, b"new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&written).unwrap(), "new\n");
        let mode = std::fs::metadata(&written).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
        assert_eq!(entries(directory.path()), vec![FILE_NAME.to_string()]);
    }

    #[test]
    fn a_link_in_place_of_the_file_is_replaced_not_followed() {
        let directory = tempfile::tempdir().unwrap();
        let outside = tempfile::NamedTempFile::new().unwrap();
        std::os::unix::fs::symlink(outside.path(), directory.path().join(FILE_NAME)).unwrap();
        write_atomically(directory.path(), FILE_NAME, b"new\n").unwrap();
        assert_eq!(std::fs::read_to_string(outside.path()).unwrap(), "");
        let metadata = std::fs::symlink_metadata(directory.path().join(FILE_NAME)).unwrap();
        assert!(metadata.is_file());
    }

    #[test]
    fn a_failed_rename_leaves_the_old_file_and_no_temporary() {
        let directory = tempfile::tempdir().unwrap();
        // A directory in the target's place: rename(2) refuses to replace it.
        std::fs::create_dir(directory.path().join(FILE_NAME)).unwrap();
        std::fs::write(directory.path().join(FILE_NAME).join("keep"), "x").unwrap();
        let failure = write_atomically(directory.path(), FILE_NAME, b"new\n").unwrap_err();
        assert!(failure.message.contains(FILE_NAME), "{}", failure.message);
        assert_eq!(entries(directory.path()), vec![FILE_NAME.to_string()]);
        assert!(directory.path().join(FILE_NAME).join("keep").exists());
    }

    #[test]
    fn a_missing_directory_names_it_with_a_hint() {
        let failure =
            write_atomically(Path::new("/nonexistent/textfile"), FILE_NAME, b"x").unwrap_err();
        assert!(failure.message.contains("/nonexistent/textfile/hmctl.prom"));
        assert!(
            failure
                .hint
                .unwrap()
                .contains("--collector.textfile.directory")
        );
        assert_eq!(failure.exit, Exit::OperationFailed);
    }
}

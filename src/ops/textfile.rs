//! Writes a file for node_exporter's textfile collector so that a reader
//! only ever sees the old file or the new one, whole: a temporary file is
//! created exclusively in the same directory (never through a link), written,
//! flushed to disk and renamed over the target. On any error the temporary
//! file is removed and the old file is left as it was.

use crate::exit::{Exit, Failure};
use rustix::fs::{AtFlags, Mode, OFlags};
use std::io::Write;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

/// The file node_exporter reads (its collector reads `*.prom` only, so the
/// temporary name, which does not end in `.prom`, is never read half-written).
pub const FILE_NAME: &str = "hmctl.prom";

/// Replaces `directory/name` with `contents`, mode 0644.
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
    let directory_fd = rustix::fs::open(
        directory,
        OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|error| failure("cannot open the directory", error.into()))?;
    let (temporary_name, file) = create_temporary(&directory_fd, name)
        .map_err(|error| failure("cannot create a temporary file", error))?;
    let written = fill(file, contents).and_then(|()| {
        rustix::fs::renameat(&directory_fd, &temporary_name, &directory_fd, name)
            .map_err(std::io::Error::from)
    });
    if let Err(error) = written {
        let _ = rustix::fs::unlinkat(&directory_fd, &temporary_name, AtFlags::empty());
        return Err(failure("cannot replace it", error));
    }
    // The rename itself is made durable; a failure here leaves a whole file.
    let _ = rustix::fs::fsync(&directory_fd);
    Ok(target)
}

/// Creates `.NAME.tmp-PID-N` exclusively (O_EXCL, O_NOFOLLOW), trying a few
/// names in case one is taken.
fn create_temporary(directory: &OwnedFd, name: &str) -> std::io::Result<(String, OwnedFd)> {
    let pid = std::process::id();
    let mut last_error = std::io::Error::from(std::io::ErrorKind::AlreadyExists);
    for attempt in 0..16 {
        let temporary = format!(".{name}.tmp-{pid}-{attempt}");
        match rustix::fs::openat(
            directory,
            &temporary,
            OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::WRONLY | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o644),
        ) {
            Ok(file) => return Ok((temporary, file)),
            Err(rustix::io::Errno::EXIST) => last_error = rustix::io::Errno::EXIST.into(),
            Err(error) => return Err(error.into()),
        }
    }
    Err(last_error)
}

/// Writes everything, sets 0644 whatever the umask, and flushes to disk.
fn fill(file: OwnedFd, contents: &[u8]) -> std::io::Result<()> {
    rustix::fs::fchmod(&file, Mode::from_raw_mode(0o644))?;
    let mut file = std::fs::File::from(file);
    file.write_all(contents)?;
    file.sync_all()
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

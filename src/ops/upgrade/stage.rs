//! Copying a package beside the live directory (on its filesystem, so entries
//! can be renamed in), then making the copy durable with one `syncfs`.

use crate::ops::interrupt::Interrupt;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;

/// Why staging stopped.
#[derive(Debug)]
pub enum StageError {
    Io(std::io::Error),
    Interrupted,
}

impl From<std::io::Error> for StageError {
    fn from(error: std::io::Error) -> Self {
        StageError::Io(error)
    }
}

/// Copies the tree `source` to `target` (which must not exist): files with
/// their permissions, directories, symlinks as symlinks. `target` is created
/// 0700 (it becomes a backup) and everything in it exclusively.
pub fn copy_tree(source: &Path, target: &Path, interrupt: &Interrupt) -> Result<u64, StageError> {
    std::fs::DirBuilder::new().mode(0o700).create(target)?;
    let mut copied = 0;
    let mut pending = vec![(source.to_path_buf(), target.to_path_buf())];
    while let Some((from_dir, to_dir)) = pending.pop() {
        for entry in std::fs::read_dir(&from_dir)? {
            let entry = entry?;
            let from = entry.path();
            let to = to_dir.join(entry.file_name());
            let kind = entry.file_type()?;
            if kind.is_dir() {
                std::fs::create_dir(&to)?;
                std::fs::set_permissions(&to, std::fs::metadata(&from)?.permissions())?;
                pending.push((from, to));
            } else if kind.is_symlink() {
                std::os::unix::fs::symlink(std::fs::read_link(&from)?, &to)?;
            } else if kind.is_file() {
                crate::private_file::copy_new(&from, &to)?;
                copied += 1;
                if copied % 512 == 0 && interrupt.is_raised() {
                    return Err(StageError::Interrupted);
                }
            } else {
                // The package check refused it; it appeared since.
                return Err(StageError::Io(std::io::Error::other(format!(
                    "{} is not a regular file, a directory or a symlink",
                    from.display()
                ))));
            }
        }
    }
    let directory = std::fs::File::open(target)?;
    rustix::fs::syncfs(&directory).map_err(std::io::Error::from)?;
    Ok(copied)
}

/// Removes a staging tree, if there is one.
pub fn remove_tree(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

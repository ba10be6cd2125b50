//! How hmctl creates its own files on a shared host, in one place. hmctl runs
//! as root where unprivileged users also log in; a user who plants a symbolic
//! link, a hard link or a file of their own where hmctl writes must not make
//! root overwrite, truncate or reveal anything. So every write here goes
//! through a [`Directory`] held open by descriptor (a link swapped in for it
//! later changes nothing), new files are created exclusively
//! (`O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC`) with the mode given — set with
//! `fchmod`, so the umask cannot widen or narrow it — and replaced by
//! `renameat`, which swaps names and never follows a link. The few files that
//! must be reopened (the lock, hmctl's own log) live only in directories
//! checked to be the caller's and writable by nobody else, and are checked
//! with `fstat` before a byte is written.

use rustix::fs::{AtFlags, Mode, OFlags};
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// Why hmctl refused to use a path: someone else could control it.
#[derive(Debug, thiserror::Error)]
pub enum Unsafe {
    #[error("{0} is a symbolic link")]
    Link(PathBuf),
    #[error("{0} is not a {1}")]
    Kind(PathBuf, &'static str),
    #[error("{0} belongs to uid {1}, not to uid {2} that runs hmctl")]
    Owner(PathBuf, u32, u32),
    #[error("{0} can be written by other users (mode {1:04o})")]
    Shared(PathBuf, u32),
    #[error("{0} has {1} hard links")]
    Links(PathBuf, u64),
}

/// Whether `error` is a refusal of an unsafe path (rather than an I/O failure).
pub fn is_unsafe(error: &io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.downcast_ref::<Unsafe>().is_some())
}

fn refuse(reason: Unsafe) -> io::Error {
    io::Error::other(reason)
}

fn effective_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// The owner a file of hmctl's may have: the user running it, or root.
fn check_owner(path: &Path, uid: u32) -> io::Result<()> {
    let own = effective_uid();
    if uid == own || uid == 0 {
        Ok(())
    } else {
        Err(refuse(Unsafe::Owner(path.to_path_buf(), uid, own)))
    }
}

/// A directory hmctl writes in, held open by descriptor.
#[derive(Debug)]
pub struct Directory {
    descriptor: OwnedFd,
    pub path: PathBuf,
}

impl Directory {
    /// Opens an existing directory, refusing a symbolic link in its place.
    /// Any directory will do (the support bundle may go to `/var/tmp`): what
    /// is created in it is created exclusively.
    pub fn open(path: &Path) -> io::Result<Directory> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        match rustix::fs::open(path, flags, Mode::empty()) {
            Ok(descriptor) => Ok(Directory {
                descriptor,
                path: path.to_path_buf(),
            }),
            Err(error) => {
                if std::fs::symlink_metadata(path).is_ok_and(|metadata| metadata.is_symlink()) {
                    Err(refuse(Unsafe::Link(path.to_path_buf())))
                } else {
                    Err(error.into())
                }
            }
        }
    }

    /// hmctl's own directory (`/run/hmctl`, the state directory): created
    /// with `mode` if missing (its parent must exist), and accepted only when
    /// it is a real directory owned by the caller or root that no one else
    /// can write. An existing directory's mode is checked, never changed.
    pub fn private(path: &Path, mode: u32) -> io::Result<Directory> {
        match rustix::fs::mkdir(path, Mode::from_raw_mode(mode)) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => {}
            Err(error) => return Err(error.into()),
        }
        let directory = Directory::open(path)?;
        let status = rustix::fs::fstat(&directory.descriptor)?;
        check_owner(path, status.st_uid)?;
        let permissions = status.st_mode & 0o7777;
        if permissions & 0o022 != 0 {
            return Err(refuse(Unsafe::Shared(path.to_path_buf(), permissions)));
        }
        Ok(directory)
    }

    /// Creates `name` exclusively, with exactly `mode`; fails if anything,
    /// a link included, is already there.
    pub fn create(&self, name: &OsStr, mode: u32) -> io::Result<File> {
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let descriptor =
            rustix::fs::openat(&self.descriptor, name, flags, Mode::from_raw_mode(mode))?;
        rustix::fs::fchmod(&descriptor, Mode::from_raw_mode(mode))?;
        Ok(File::from(descriptor))
    }

    /// Creates a new temporary file for `name` (`.NAME.PID.N.tmp`) in this
    /// directory, exclusively, with `mode`.
    pub fn create_temporary(&self, name: &OsStr, mode: u32) -> io::Result<(OsString, File)> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        loop {
            let mut temporary = OsString::from(".");
            temporary.push(name);
            temporary.push(format!(
                ".{}.{}.tmp",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            match self.create(&temporary, mode) {
                Ok(file) => return Ok((temporary, file)),
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
                Err(error) => return Err(error),
            }
        }
    }

    /// Opens `name` to keep writing into it (the lock, an append-only log):
    /// created with `mode` if missing, never through a link, and accepted only
    /// as a regular file of the caller's (or root's) with one link.
    pub fn open_own(&self, name: &OsStr, mode: u32, append: bool) -> io::Result<File> {
        let mut flags = OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        flags |= if append {
            OFlags::WRONLY | OFlags::APPEND
        } else {
            OFlags::RDWR
        };
        let path = self.path.join(name);
        let descriptor =
            match rustix::fs::openat(&self.descriptor, name, flags, Mode::from_raw_mode(mode)) {
                Ok(descriptor) => descriptor,
                Err(rustix::io::Errno::LOOP) => return Err(refuse(Unsafe::Link(path))),
                Err(error) => return Err(error.into()),
            };
        let status = rustix::fs::fstat(&descriptor)?;
        if status.st_mode & 0o170_000 != 0o100_000 {
            return Err(refuse(Unsafe::Kind(path, "regular file")));
        }
        check_owner(&path, status.st_uid)?;
        if status.st_nlink != 1 {
            // `st_nlink` is a u64 on x86_64 and a u32 on aarch64.
            #[allow(clippy::useless_conversion)]
            let links = u64::from(status.st_nlink);
            return Err(refuse(Unsafe::Links(path, links)));
        }
        Ok(File::from(descriptor))
    }

    /// Renames `from` to `to` inside this directory. A link at `to` is
    /// replaced, never followed.
    pub fn rename(&self, from: &OsStr, to: &OsStr) -> io::Result<()> {
        rustix::fs::renameat(&self.descriptor, from, &self.descriptor, to)?;
        Ok(())
    }

    /// Gives the file `from` the name `to` only if nothing has that name: a
    /// hard link (which never replaces; on every kernel, unlike
    /// `RENAME_NOREPLACE`), then `from` removed. Fails with `AlreadyExists`
    /// and changes nothing when `to` exists, a link included.
    pub fn rename_new(&self, from: &OsStr, to: &OsStr) -> io::Result<()> {
        rustix::fs::linkat(
            &self.descriptor,
            from,
            &self.descriptor,
            to,
            AtFlags::empty(),
        )?;
        self.remove(from)
    }

    /// Writes `bytes` as the new file `name` with `mode`, whole or not at all;
    /// fails with `AlreadyExists` when `name` exists.
    pub fn write_new(&self, name: &OsStr, bytes: &[u8], mode: u32) -> io::Result<()> {
        let (temporary, mut file) = self.create_temporary(name, mode)?;
        let result = file
            .write_all(bytes)
            .and_then(|()| file.sync_all())
            .and_then(|()| self.rename_new(&temporary, name))
            .and_then(|()| self.sync());
        if result.is_err() {
            let _ = self.remove(&temporary);
        }
        result
    }

    /// Removes the file `name` (a link itself, not what it points to).
    pub fn remove(&self, name: &OsStr) -> io::Result<()> {
        rustix::fs::unlinkat(&self.descriptor, name, AtFlags::empty())?;
        Ok(())
    }

    /// Makes the directory's entries durable.
    pub fn sync(&self) -> io::Result<()> {
        rustix::fs::fsync(&self.descriptor)?;
        Ok(())
    }

    /// Writes `bytes` as `name` with `mode` so that a crash leaves the old or
    /// the new file whole: a new temporary file, synced, renamed over.
    pub fn write_atomically(&self, name: &OsStr, bytes: &[u8], mode: u32) -> io::Result<()> {
        let (temporary, mut file) = self.create_temporary(name, mode)?;
        let result = file
            .write_all(bytes)
            .and_then(|()| file.sync_all())
            .and_then(|()| self.rename(&temporary, name))
            .and_then(|()| self.sync());
        if result.is_err() {
            let _ = self.remove(&temporary);
        }
        result
    }
}

/// The directory and file name of `path` (`.` when it has no directory).
pub fn split(path: &Path) -> io::Result<(PathBuf, OsString)> {
    let name = path
        .file_name()
        .filter(|name| !name.as_bytes().is_empty())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a file name", path.display()),
            )
        })?;
    let directory = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Ok((directory.to_path_buf(), name.to_os_string()))
}

/// Writes `bytes` to `path` atomically with `mode`, in a directory that must
/// be hmctl's own (created 0700 if missing).
pub fn write_private(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let (directory, name) = split(path)?;
    Directory::private(&directory, 0o700)?.write_atomically(&name, bytes, mode)
}

/// Copies the regular file `from` to the new file `to` (created exclusively,
/// never through a link) with `from`'s permissions.
pub fn copy_new(from: &Path, to: &Path) -> io::Result<u64> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut source = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc_nofollow())
        .open(from)?;
    let mode = source.metadata()?.permissions().mode() & 0o7777;
    let mut target = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc_nofollow())
        .mode(mode)
        .open(to)?;
    let copied = io::copy(&mut source, &mut target)?;
    target.set_permissions(std::fs::Permissions::from_mode(mode))?;
    Ok(copied)
}

fn libc_nofollow() -> i32 {
    // rustix's flag values are the kernel's, so this is O_NOFOLLOW.
    i32::try_from(OFlags::NOFOLLOW.bits()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    /// A new file never replaces one that is there, a link included (the
    /// link is not followed either), and nothing is left half-made.
    #[test]
    fn a_new_file_is_never_written_over_one_that_is_there() {
        let directory = tempfile::tempdir().unwrap();
        let place = Directory::private(directory.path(), 0o700).unwrap();
        std::fs::write(directory.path().join("there"), "precious").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", directory.path().join("link")).unwrap();
        for name in ["there", "link"] {
            let error = place
                .write_new(OsStr::new(name), b"new", 0o600)
                .unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::AlreadyExists, "{name}");
        }
        assert_eq!(
            std::fs::read_to_string(directory.path().join("there")).unwrap(),
            "precious"
        );
        place.write_new(OsStr::new("fresh"), b"new", 0o600).unwrap();
        let mut names: Vec<_> = std::fs::read_dir(directory.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["fresh", "link", "there"], "no temporary file left");
    }

    #[test]
    fn a_planted_link_is_never_followed() {
        let directory = tempfile::tempdir().unwrap();
        let victim = directory.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let place = Directory::private(directory.path(), 0o700).unwrap();
        std::os::unix::fs::symlink(&victim, directory.path().join("out")).unwrap();
        assert!(place.create(OsStr::new("out"), 0o600).is_err());
        let refused = place.open_own(OsStr::new("out"), 0o600, true).unwrap_err();
        assert!(is_unsafe(&refused), "{refused}");
        place
            .write_atomically(OsStr::new("out"), b"new", 0o600)
            .unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        let written = directory.path().join("out");
        assert_eq!(std::fs::read_to_string(&written).unwrap(), "new");
        let metadata = std::fs::symlink_metadata(&written).unwrap();
        assert!(metadata.is_file());
        assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_hard_link_and_a_shared_directory_are_refused() {
        let directory = tempfile::tempdir().unwrap();
        let place = Directory::private(directory.path(), 0o700).unwrap();
        std::fs::write(directory.path().join("a"), "").unwrap();
        std::fs::hard_link(directory.path().join("a"), directory.path().join("b")).unwrap();
        let refused = place.open_own(OsStr::new("b"), 0o600, false).unwrap_err();
        assert!(refused.to_string().contains("2 hard links"), "{refused}");
        let shared = directory.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        let refused = Directory::private(&shared, 0o700).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("can be written by other users (mode 1777)"),
            "{refused}"
        );
        let link = directory.path().join("link");
        std::os::unix::fs::symlink(&shared, &link).unwrap();
        let refused = Directory::private(&link, 0o700).unwrap_err();
        assert!(
            refused.to_string().contains("is a symbolic link"),
            "{refused}"
        );
    }

    #[test]
    fn modes_are_exact_whatever_the_umask() {
        let directory = tempfile::tempdir().unwrap();
        let created = directory.path().join("state");
        let place = Directory::private(&created, 0o700).unwrap();
        assert_eq!(std::fs::metadata(&created).unwrap().mode() & 0o777, 0o700);
        place
            .write_atomically(OsStr::new("metrics.prom"), b"x 1\n", 0o644)
            .unwrap();
        let mode = std::fs::metadata(created.join("metrics.prom"))
            .unwrap()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
        let copied = directory.path().join("copy");
        std::fs::set_permissions(
            created.join("metrics.prom"),
            std::fs::Permissions::from_mode(0o750),
        )
        .unwrap();
        copy_new(&created.join("metrics.prom"), &copied).unwrap();
        assert_eq!(std::fs::metadata(&copied).unwrap().mode() & 0o777, 0o750);
        assert!(copy_new(&created.join("metrics.prom"), &copied).is_err());
    }
}

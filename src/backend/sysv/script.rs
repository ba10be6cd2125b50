//! An init script, found where the host keeps them and run the way the
//! host's own `service` command runs it: its path and one action as an
//! argument vector (never a shell line), a clean environment, no terminal;
//! bounded by a deadline after which its whole process group is killed, so a
//! script that hangs is named, not waited for.

use crate::backend::BackendError;
use crate::model::BackendKind;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// Where init scripts are: Debian's and SUSE's, then Red Hat's.
pub const SCRIPT_DIRECTORIES: &[&str] = &["/etc/init.d", "/etc/rc.d/init.d"];

/// `service`'s environment (`env -i` with these): what a script sees at boot.
const SCRIPT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// How long the words a script wrote are still read after it exited: a
/// daemon it started may hold its output open, and is not waited for.
const DRAIN: Duration = Duration::from_millis(200);

/// The init script of `name`, if the host has one (executable, in one of
/// [`SCRIPT_DIRECTORIES`]).
pub fn find(name: &str) -> Option<PathBuf> {
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return None;
    }
    SCRIPT_DIRECTORIES
        .iter()
        .map(|directory| Path::new(directory).join(name))
        .find(|path| is_executable(path))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

/// What a script said and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Its exit status; `None` when a signal ended it.
    pub code: Option<i32>,
    /// Its output and error output, as one text without colour codes.
    pub words: String,
}

impl Answer {
    /// Its words on one line (lines joined by `; `), for a status line.
    pub fn line(&self) -> String {
        self.words
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Runs `program ARGS` as a script is run, within `timeout`; `kind` and
/// `what` name it in errors (`/etc/init.d/watchman status`).
pub async fn run(
    kind: BackendKind,
    program: &Path,
    args: &[&str],
    timeout: Duration,
) -> Result<Answer, BackendError> {
    let what = std::iter::once(program.display().to_string())
        .chain(args.iter().map(|arg| (*arg).to_string()))
        .collect::<Vec<_>>()
        .join(" ");
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .env_clear()
        .env("PATH", SCRIPT_PATH)
        .env("LANG", "C")
        .env("TERM", "dumb")
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(|error| BackendError::Refused {
        backend: kind,
        action: args.first().copied().unwrap_or("run").to_string(),
        detail: format!("cannot run {}: {error}", program.display()),
    })?;
    let output = collect(child.stdout.take(), child.stderr.take());
    let (words_sender, mut words) = tokio::sync::oneshot::channel();
    let reader = tokio::spawn(async move {
        let _ = words_sender.send(output.await);
    });
    let status = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(status) => status.ok(),
        Err(_) => {
            if let Some(pid) = child
                .id()
                .and_then(|pid| i32::try_from(pid).ok())
                .and_then(rustix::process::Pid::from_raw)
            {
                let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
            }
            reader.abort();
            return Err(BackendError::Timeout {
                backend: kind,
                endpoint: what,
                after: timeout,
            });
        }
    };
    let words = tokio::time::timeout(DRAIN, &mut words)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    reader.abort();
    Ok(Answer {
        code: status.and_then(|status| status.code()),
        words: without_colour(&String::from_utf8_lossy(&words)),
    })
}

/// Everything written to `stdout` and `stderr`, until both close.
async fn collect(
    stdout: Option<tokio::process::ChildStdout>,
    stderr: Option<tokio::process::ChildStderr>,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let read_out = async {
        if let Some(mut stdout) = stdout {
            let _ = stdout.read_to_end(&mut out).await;
        }
    };
    let read_err = async {
        if let Some(mut stderr) = stderr {
            let _ = stderr.read_to_end(&mut err).await;
        }
    };
    tokio::join!(read_out, read_err);
    out.extend(err);
    out
}

/// `text` without terminal escape sequences (Debian's `log_end_msg` colours
/// its words on a terminal) or carriage returns (RHEL's `[  OK  ]\r`).
pub fn without_colour(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut characters = text.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '\u{1b}' => {
                if characters.peek() == Some(&'[') {
                    characters.next();
                    for code in characters.by_ref() {
                        if code.is_ascii_alphabetic() {
                            break;
                        }
                    }
                }
            }
            '\r' => {}
            other => plain.push(other),
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_and_carriage_returns_are_dropped() {
        assert_eq!(
            without_colour("Starting x: \u{1b}[60G[\u{1b}[0;32m  OK  \u{1b}[0;39m]\r\n"),
            "Starting x: [  OK  ]\n"
        );
    }

    #[test]
    fn a_name_with_a_slash_or_a_leading_dot_is_no_script() {
        assert_eq!(find("../bin/sh"), None);
        assert_eq!(find(".hidden"), None);
        assert_eq!(find(""), None);
    }

    #[tokio::test]
    async fn a_script_is_run_with_its_arguments() {
        let answer = run(
            BackendKind::Sysv,
            Path::new("/bin/sh"),
            &["-c", "echo said $0; exit 3", "x; echo not a shell line"],
            Duration::from_secs(30),
        )
        .await
        .unwrap();
        assert_eq!(answer.code, Some(3));
        assert_eq!(answer.words, "said x; echo not a shell line\n");
    }

    /// A script that never answers is cut at its timeout, which passes on
    /// tokio's paused clock: no real time is waited.
    #[tokio::test(start_paused = true)]
    async fn a_script_that_never_answers_is_cut_at_its_timeout() {
        let error = run(
            BackendKind::Sysv,
            Path::new("/bin/sleep"),
            &["100"],
            Duration::from_millis(300),
        )
        .await
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the init script at /bin/sleep 100 did not answer within 0.3 s"
        );
    }
}

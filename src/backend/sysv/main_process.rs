//! A script's main process, where its `status` does not say: the pid file its
//! script names (`PIDFILE=/var/run/$NAME.pid`, RHEL's `# pidfile:` header),
//! else `/var/run/NAME.pid`, else the process table (a process whose program
//! is named NAME); and when it started, from `/proc`.

use std::path::{Path, PathBuf};

/// The clock ticks of `/proc/PID/stat`'s start time: `USER_HZ`, 100 on every
/// architecture Linux builds hmctl for (`sysconf(_SC_CLK_TCK)`).
const TICKS_PER_SECOND: u64 = 100;

/// A running main process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MainProcess {
    pub pid: u32,
    pub since: Option<jiff::Timestamp>,
}

/// The pid files `script` (the text of NAME's init script) may use, in the
/// order they are tried.
pub fn pid_files(name: &str, script: &str) -> Vec<PathBuf> {
    let mut variables = vec![("NAME".to_string(), name.to_string())];
    let mut files = Vec::new();
    for line in script.lines().map(str::trim) {
        if let Some(path) = line.strip_prefix("# pidfile:") {
            files.push(PathBuf::from(path.trim()));
        } else if let Some((variable, value)) = line.split_once('=')
            && !variable.is_empty()
            && variable
                .chars()
                .all(|character| character.is_ascii_alphanumeric() || character == '_')
        {
            let value = expand(
                value.trim().trim_matches('"').trim_matches('\''),
                &variables,
            );
            if variable.to_ascii_lowercase().contains("pidfile") && value.starts_with('/') {
                files.push(PathBuf::from(&value));
            }
            variables.push((variable.to_string(), value));
        }
    }
    for directory in ["/var/run", "/run"] {
        files.push(Path::new(directory).join(format!("{name}.pid")));
    }
    files.dedup();
    files
}

/// `value` with `$VARIABLE` and `${VARIABLE}` of `variables` replaced.
fn expand(value: &str, variables: &[(String, String)]) -> String {
    let mut text = value.to_string();
    for (variable, replacement) in variables.iter().rev() {
        text = text
            .replace(&format!("${{{variable}}}"), replacement)
            .replace(&format!("${variable}"), replacement);
    }
    text
}

/// The first live pid of the first of `files` that exists, and whether one
/// existed.
pub fn from_pid_files(files: &[PathBuf], proc: &Path) -> (Option<u32>, Option<PathBuf>) {
    for file in files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let live = text
            .split_whitespace()
            .filter_map(|word| word.parse::<u32>().ok())
            .find(|pid| *pid > 0 && proc.join(pid.to_string()).is_dir());
        return (live, Some(file.clone()));
    }
    (None, None)
}

/// A process whose program (or the script an interpreter runs) is named
/// `name`, the oldest first.
pub fn by_name(name: &str, proc: &Path) -> Option<u32> {
    let mut pids: Vec<u32> = std::fs::read_dir(proc)
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    pids.sort_unstable();
    pids.into_iter().find(|pid| {
        let Ok(command_line) = std::fs::read(proc.join(pid.to_string()).join("cmdline")) else {
            return false;
        };
        let words: Vec<&[u8]> = command_line.split(|byte| *byte == 0).take(2).collect();
        let program_named = |word: &&[u8]| {
            Path::new(std::str::from_utf8(word).unwrap_or_default())
                .file_name()
                .is_some_and(|file| file == name)
        };
        let interpreted = words.first().is_some_and(|first| {
            let first = String::from_utf8_lossy(first);
            ["sh", "bash", "dash", "python", "python3", "perl"]
                .iter()
                .any(|interpreter| {
                    first.ends_with(&format!("/{interpreter}")) || first == *interpreter
                })
        });
        words.first().is_some_and(program_named)
            || (interpreted && words.get(1).is_some_and(program_named))
    })
}

/// When process `pid` started: its start time in `/proc/PID/stat` (ticks
/// after boot) plus the boot time of `/proc/stat`.
pub fn started(pid: u32, proc: &Path) -> Option<jiff::Timestamp> {
    let stat = std::fs::read_to_string(proc.join(pid.to_string()).join("stat")).ok()?;
    let ticks = start_ticks(&stat)?;
    let boot = std::fs::read_to_string(proc.join("stat")).ok()?;
    let boot: i64 = boot
        .lines()
        .find_map(|line| line.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    let seconds = boot.checked_add(i64::try_from(ticks / TICKS_PER_SECOND).ok()?)?;
    jiff::Timestamp::from_second(seconds).ok()
}

/// Field 22 of a `/proc/PID/stat` line (after the parenthesised command,
/// which may hold spaces).
fn start_ticks(stat: &str) -> Option<u64> {
    let after_command = &stat[stat.rfind(')')? + 1..];
    after_command.split_whitespace().nth(19)?.parse().ok()
}

/// The main process of `name`, whose script is `script`: (the process, the
/// pid file that was found, if any).
pub fn find(name: &str, script: &str, proc: &Path) -> (Option<MainProcess>, Option<PathBuf>) {
    let (pid, pid_file) = from_pid_files(&pid_files(name, script), proc);
    let pid = pid.or_else(|| pid_file.is_none().then(|| by_name(name, proc)).flatten());
    let process = pid.map(|pid| MainProcess {
        pid,
        since: started(pid, proc),
    });
    (process, pid_file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pid_files_a_script_names_come_first() {
        let debian = "NAME=egisplus-agent\nPIDFILE=/var/run/$NAME.pid\n";
        assert_eq!(
            pid_files("egisplus-agent", debian),
            vec![
                PathBuf::from("/var/run/egisplus-agent.pid"),
                PathBuf::from("/run/egisplus-agent.pid"),
            ]
        );
        let redhat = "# pidfile: /var/run/hyper/exporter.pid\nprog=hyper_exporter\npidfile=\"/var/run/${prog}.pid\"\n";
        assert_eq!(
            pid_files("hyper_exporter", redhat),
            vec![
                PathBuf::from("/var/run/hyper/exporter.pid"),
                PathBuf::from("/var/run/hyper_exporter.pid"),
                PathBuf::from("/run/hyper_exporter.pid"),
            ]
        );
    }

    #[test]
    fn a_stat_line_gives_its_start_ticks() {
        let stat = "1234 (my (odd) daemon) S 1 1234 1234 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 98765 1000 10";
        assert_eq!(start_ticks(stat), Some(98765));
    }

    #[test]
    fn a_live_pid_a_stale_pid_file_and_a_process_by_name() {
        let root = tempfile::tempdir().unwrap();
        let proc = root.path().join("proc");
        std::fs::create_dir_all(proc.join("40")).unwrap();
        std::fs::write(proc.join("40/cmdline"), b"/bin/sh\0/opt/bin/watchman\0-f\0").unwrap();
        std::fs::write(proc.join("stat"), "cpu 1\nbtime 1800000000\n").unwrap();
        std::fs::write(
            proc.join("40/stat"),
            "40 (sh) S 1 40 40 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 500 0 0",
        )
        .unwrap();
        let live = root.path().join("live.pid");
        let stale = root.path().join("stale.pid");
        std::fs::write(&live, "40\n").unwrap();
        std::fs::write(&stale, "41\n").unwrap();
        assert_eq!(
            from_pid_files(std::slice::from_ref(&stale), &proc),
            (None, Some(stale.clone()))
        );
        assert_eq!(
            from_pid_files(std::slice::from_ref(&live), &proc),
            (Some(40), Some(live))
        );
        assert_eq!(by_name("watchman", &proc), Some(40));
        assert_eq!(by_name("s3block", &proc), None);
        assert_eq!(
            started(40, &proc),
            Some(jiff::Timestamp::from_second(1_800_000_005).unwrap())
        );
    }
}

//! Who ran hmctl and from where, for the history: the login user behind
//! `sudo` (`SUDO_USER`), else the audit login uid's user (`/proc/self/loginuid`,
//! set at login and kept through `su` and `sudo`), else the uid's; from an SSH
//! client (`SSH_CONNECTION`, or, since `sudo` resets the environment, the
//! nearest ancestor's), a terminal, or the Ansible collection.

use crate::settings::Caller;

/// The audit login uid of a process no login started.
const UNSET_LOGIN_UID: u32 = u32::MAX;

/// What the host says about the run, gathered before it is put in words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    pub sudo_user: Option<String>,
    pub login_uid: Option<u32>,
    pub uid: u32,
    /// `/dev/pts/1`.
    pub tty: Option<String>,
    /// `SSH_CONNECTION`.
    pub ssh_connection: Option<String>,
    pub ansible: bool,
}

/// The operator, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub who: String,
    pub from: String,
}

/// Puts `sources` in words; `name_of` gives a uid's user name.
pub fn describe(sources: &Sources, name_of: &dyn Fn(u32) -> Option<String>) -> Origin {
    let user = |uid: u32| name_of(uid).unwrap_or_else(|| format!("uid {uid}"));
    let who = match (&sources.sudo_user, sources.login_uid) {
        (Some(sudo_user), _) => sudo_user.clone(),
        (None, Some(login_uid)) if login_uid != UNSET_LOGIN_UID => user(login_uid),
        _ => user(sources.uid),
    };
    let mut from = Vec::new();
    if sources.ansible {
        from.push("ansible".to_string());
    }
    if let Some(client) = sources
        .ssh_connection
        .as_deref()
        .and_then(|connection| connection.split_whitespace().next())
    {
        from.push(format!("ssh {client}"));
    }
    if let Some(tty) = &sources.tty {
        from.push(tty.strip_prefix("/dev/").unwrap_or(tty).to_string());
    }
    let from = if from.is_empty() {
        "no terminal".to_string()
    } else {
        from.join(" ")
    };
    Origin { who, from }
}

/// This process's origin.
pub fn current(caller: &Caller) -> Origin {
    let sources = Sources {
        sudo_user: caller.sudo_user.clone(),
        login_uid: std::fs::read_to_string("/proc/self/loginuid")
            .ok()
            .and_then(|text| text.trim().parse().ok()),
        uid: rustix::process::getuid().as_raw(),
        tty: terminal(),
        ssh_connection: caller
            .ssh_connection
            .clone()
            .or_else(ancestor_ssh_connection),
        ansible: caller.ansible,
    };
    describe(&sources, &user_name)
}

/// The terminal on stdin, else stderr.
fn terminal() -> Option<String> {
    [
        std::os::fd::AsFd::as_fd(&std::io::stdin()),
        std::os::fd::AsFd::as_fd(&std::io::stderr()),
    ]
    .into_iter()
    .find_map(|fd| rustix::termios::ttyname(fd, Vec::new()).ok())
    .map(|name| name.to_string_lossy().into_owned())
}

/// `SSH_CONNECTION` from the nearest of a few ancestors that has it (sudo
/// does not pass it on; the shell that ran sudo has it).
fn ancestor_ssh_connection() -> Option<String> {
    let mut pid = parent_of("self")?;
    for _ in 0..8 {
        if pid <= 1 {
            return None;
        }
        let environment = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        if let Some(value) = environment
            .split(|byte| *byte == 0)
            .find_map(|entry| entry.strip_prefix(b"SSH_CONNECTION="))
            .filter(|value| !value.is_empty())
        {
            return Some(String::from_utf8_lossy(value).into_owned());
        }
        pid = parent_of(&pid.to_string())?;
    }
    None
}

/// The parent pid in `/proc/PID/stat` (the field after the `)` of the name).
fn parent_of(pid: &str) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// The user name of `uid` in `/etc/passwd`.
fn user_name(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let listed: u32 = fields.nth(1)?.parse().ok()?;
        (listed == uid).then(|| name.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(uid: u32) -> Option<String> {
        match uid {
            0 => Some("root".into()),
            1000 => Some("bob".into()),
            _ => None,
        }
    }

    #[test]
    fn who_is_the_sudo_user_else_the_login_uid_else_the_uid() {
        let mut sources = Sources {
            sudo_user: Some("alice".into()),
            login_uid: Some(1000),
            uid: 0,
            ..Sources::default()
        };
        assert_eq!(describe(&sources, &names).who, "alice");
        sources.sudo_user = None;
        assert_eq!(describe(&sources, &names).who, "bob");
        sources.login_uid = Some(UNSET_LOGIN_UID);
        assert_eq!(describe(&sources, &names).who, "root");
        sources.uid = 1234;
        assert_eq!(describe(&sources, &names).who, "uid 1234");
    }

    #[test]
    fn from_is_ansible_the_ssh_client_and_the_terminal() {
        let mut sources = Sources {
            tty: Some("/dev/pts/3".into()),
            ssh_connection: Some("10.0.0.5 51234 10.0.0.9 22".into()),
            ..Sources::default()
        };
        assert_eq!(describe(&sources, &names).from, "ssh 10.0.0.5 pts/3");
        sources.tty = None;
        sources.ansible = true;
        assert_eq!(describe(&sources, &names).from, "ansible ssh 10.0.0.5");
        let alone = Sources::default();
        assert_eq!(describe(&alone, &names).from, "no terminal");
    }

    #[test]
    fn the_parent_is_read_past_a_name_with_spaces_and_parentheses() {
        assert_eq!(parent_of("self"), Some(std::os::unix::process::parent_id()));
        assert_eq!(user_name(0).as_deref(), Some("root"));
    }
}

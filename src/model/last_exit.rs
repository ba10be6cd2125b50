//! How a service last ended, as its daemon keeps it beside the current state
//! (Docker's `State.FinishedAt`/`ExitCode`/`OOMKilled` of the current
//! container; a unit's state-change time, `ExecMainStatus` and
//! `Result=oom-kill`): what lets `status` say "exited 137 (OOM killed) 4 min
//! ago" and `metrics` export the last exit code without asking again.

use serde::Serialize;

/// The last end of a service's process that its daemon still remembers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LastExit {
    /// When it ended (the daemon's clock), when the daemon says.
    pub at: Option<jiff::Timestamp>,
    /// Its exit code; killed by a signal, 128 + the signal.
    pub code: i64,
    /// Whether the kernel killed it for memory.
    pub oom_killed: bool,
}

impl LastExit {
    /// `exited 137 (OOM killed)`, `exited 1`.
    pub fn words(&self) -> String {
        if self.oom_killed {
            format!("exited {} (OOM killed)", self.code)
        } else {
            format!("exited {}", self.code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_oom_kill_is_named_after_the_code() {
        let killed = LastExit {
            at: None,
            code: 137,
            oom_killed: true,
        };
        assert_eq!(killed.words(), "exited 137 (OOM killed)");
        let failed = LastExit {
            oom_killed: false,
            code: 1,
            ..killed
        };
        assert_eq!(failed.words(), "exited 1");
    }
}

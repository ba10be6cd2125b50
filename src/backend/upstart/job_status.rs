//! What `initctl` answers, in hmctl's states. A job's status line is
//! `NAME [(INSTANCE)] GOAL/STATE[, process PID]`, followed by one indented
//! line per other process (`\tpost-start process 1240`) — upstart's
//! `util/initctl.c`, `job_status()`; errors are `initctl: MESSAGE` on
//! stderr (`Unknown job: NAME`, `Job is already running: NAME`, `Unknown
//! instance: `) — the messages of upstart's D-Bus errors (`init/job_class.c`,
//! `init/job_class.c`). The forms are the same in upstart 1.5 (Ubuntu 12.04)
//! and 1.12 (Ubuntu 14.04): `fixtures/` has an answer of each form and says
//! where in upstart's source each comes from.

use crate::model::{Observation, State};

/// One job (instance) as `initctl` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStatus {
    pub name: String,
    pub instance: Option<String>,
    /// `start` or `stop`: what upstart is working towards.
    pub goal: String,
    /// Where it is on the way (`running`, `waiting`, `post-stop`, ...).
    pub state: String,
    /// The main process, when it has one.
    pub pid: Option<u32>,
}

/// An error `initctl` printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitctlError {
    /// `Unknown job: NAME`: no such job file is loaded.
    UnknownJob,
    /// `Job is already running: NAME` (a start of a started job).
    AlreadyRunning,
    /// `Unknown instance: ...` (a stop or restart of a stopped job).
    UnknownInstance,
    /// Anything else (`Unable to connect to Upstart: ...`).
    Other(String),
}

/// The status lines of `output` (one per instance; indented process lines skipped).
pub fn parse_status(output: &str) -> Vec<JobStatus> {
    output
        .lines()
        .filter(|line| !line.starts_with('\t') && !line.starts_with(' '))
        .filter_map(parse_line)
        .collect()
}

fn parse_line(line: &str) -> Option<JobStatus> {
    let line = line.trim();
    let (name, rest) = line.split_once(' ')?;
    let (instance, rest) = match rest.strip_prefix('(') {
        Some(inside) => {
            let (instance, rest) = inside.split_once(") ")?;
            (
                Some(instance.to_string()).filter(|instance| !instance.is_empty()),
                rest,
            )
        }
        None => (None, rest),
    };
    // `, process PID` is the main process; `, (KIND) process PID` another.
    let (goal_state, process) = match (rest.split_once(", process "), rest.split_once(", (")) {
        (Some((goal_state, pid)), _) => (goal_state, pid.trim().parse().ok()),
        (None, Some((goal_state, _))) => (goal_state, None),
        (None, None) => (rest.trim(), None),
    };
    let (goal, state) = goal_state.split_once('/')?;
    if !matches!(goal, "start" | "stop") || state.is_empty() || state.contains(' ') {
        return None;
    }
    Some(JobStatus {
        name: name.to_string(),
        instance,
        goal: goal.to_string(),
        state: state.to_string(),
        pid: process,
    })
}

/// The error of a `PROGRAM: MESSAGE` line in `output`, if there is one
/// (`initctl`, or `start`, `stop`, `status`, `restart` run by those names).
pub fn parse_error(output: &str) -> Option<InitctlError> {
    let message = output.lines().find_map(|line| {
        ["initctl", "start", "stop", "status", "restart"]
            .iter()
            .find_map(|program| line.trim().strip_prefix(&format!("{program}: ")))
    })?;
    Some(if message.starts_with("Unknown job:") {
        InitctlError::UnknownJob
    } else if message.starts_with("Job is already running:") {
        InitctlError::AlreadyRunning
    } else if message.starts_with("Unknown instance:") {
        InitctlError::UnknownInstance
    } else {
        InitctlError::Other(message.to_string())
    })
}

/// A job's state in hmctl's terms: `start/running` is running; `stop/waiting`
/// stopped; on its way up, starting; `start` with a state on the way down
/// (`start/post-stop`: respawning after its process died) restarting;
/// `stop` with any other state, on its way down: stopped.
pub fn observe(job: &JobStatus) -> Observation {
    let state = match (job.goal.as_str(), job.state.as_str()) {
        ("start", "running") => State::Running,
        ("start", "waiting" | "starting" | "pre-start" | "spawned" | "post-start") => {
            State::Starting
        }
        ("start", _) => State::Restarting,
        _ => State::Stopped,
    };
    let mut detail = format!("{}/{}", job.goal, job.state);
    if let Some(pid) = job.pid {
        detail.push_str(&format!(", process {pid}"));
    }
    let mut observation = Observation::missing(detail);
    observation.state = state;
    observation.pid = job.pid.filter(|_| state == State::Running);
    observation
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_form_is_read() {
        let running = parse_status("egisplus-agent start/running, process 1234\n");
        assert_eq!(
            running,
            vec![JobStatus {
                name: "egisplus-agent".into(),
                instance: None,
                goal: "start".into(),
                state: "running".into(),
                pid: Some(1234),
            }]
        );
        assert_eq!(observe(&running[0]).state, State::Running);
        assert_eq!(observe(&running[0]).pid, Some(1234));

        let stopped = &parse_status("watchman stop/waiting\n")[0];
        assert_eq!(
            (observe(stopped).state, observe(stopped).pid),
            (State::Stopped, None)
        );

        let respawning = &parse_status("s3block start/post-stop, process 812\n")[0];
        assert_eq!(observe(respawning).state, State::Restarting);
        assert_eq!(observe(respawning).detail, "start/post-stop, process 812");

        let instances =
            parse_status("tty (tty1) start/running, process 1021\ntty (tty2) stop/waiting\n");
        assert_eq!(instances.len(), 2);
        assert_eq!(instances[0].instance.as_deref(), Some("tty1"));
        assert_eq!(instances[1].state, "waiting");

        let with_processes = parse_status(
            "hyper_exporter start/post-start, process 950\n\tpost-start process 951\n",
        );
        assert_eq!(with_processes.len(), 1);
        assert_eq!(observe(&with_processes[0]).state, State::Starting);
    }

    /// One answer of a transcript: its form, standard output and error, exit status.
    struct Answer {
        form: String,
        stdout: String,
        stderr: String,
        code: i32,
    }

    fn transcript(text: &str) -> Vec<Answer> {
        let mut answers: Vec<Answer> = Vec::new();
        for line in text.lines() {
            if let Some(command) = line.strip_prefix("$ ") {
                answers.push(Answer {
                    form: command.split("# form: ").nth(1).unwrap().trim().to_string(),
                    stdout: String::new(),
                    stderr: String::new(),
                    code: -1,
                });
            } else if let Some(answer) = answers.last_mut() {
                if let Some(code) = line.strip_prefix("? ") {
                    answer.code = code.parse().unwrap();
                } else if let Some(error) = line.strip_prefix("! ") {
                    answer.stderr.push_str(&format!("{error}\n"));
                } else if !line.starts_with('#') {
                    answer.stdout.push_str(&format!("{line}\n"));
                }
            }
        }
        answers
    }

    #[test]
    fn every_answer_of_upstart_1_5_and_1_12_is_read() {
        for text in [
            include_str!("fixtures/upstart-1.5.txt"),
            include_str!("fixtures/upstart-1.12.txt"),
        ] {
            let answers = transcript(text);
            assert_eq!(answers.len(), 13);
            for answer in answers {
                let jobs = parse_status(&answer.stdout);
                let error = parse_error(&answer.stderr);
                let state = jobs.first().map(|job| observe(job).state);
                let expected = match answer.form.as_str() {
                    "status-running" | "start-done" | "restart-done" => {
                        (Some(State::Running), None)
                    }
                    "status-stopped" | "stop-done" => (Some(State::Stopped), None),
                    "status-respawning" => (Some(State::Restarting), None),
                    "status-post-start" | "status-post-start-only" => (Some(State::Starting), None),
                    "status-unknown-job" => (None, Some(InitctlError::UnknownJob)),
                    "start-already-running" => (None, Some(InitctlError::AlreadyRunning)),
                    "stop-unknown-instance" | "restart-unknown-instance" => {
                        (None, Some(InitctlError::UnknownInstance))
                    }
                    "list-instances" => (Some(State::Running), None),
                    other => panic!("a form no test expects: {other}"),
                };
                assert_eq!((state, error), expected, "{}", answer.form);
                assert_eq!(answer.code == 0, expected.1.is_none(), "{}", answer.form);
            }
        }
    }

    #[test]
    fn each_error_form_is_read() {
        assert_eq!(
            parse_error("initctl: Unknown job: nosuch\n"),
            Some(InitctlError::UnknownJob)
        );
        assert_eq!(
            parse_error("initctl: Job is already running: egisplus-agent\n"),
            Some(InitctlError::AlreadyRunning)
        );
        assert_eq!(
            parse_error("initctl: Unknown instance: \n"),
            Some(InitctlError::UnknownInstance)
        );
        assert_eq!(
            parse_error("initctl: Unable to connect to Upstart: Failed to connect to socket /com/ubuntu/upstart: Connection refused\n"),
            Some(InitctlError::Other(
                "Unable to connect to Upstart: Failed to connect to socket /com/ubuntu/upstart: Connection refused".into()
            ))
        );
        assert_eq!(parse_error("egisplus-agent stop/waiting\n"), None);
        assert!(parse_status("initctl: Unknown job: nosuch\n").is_empty());
    }
}

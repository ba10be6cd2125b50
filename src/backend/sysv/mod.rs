//! The init-script backend (SysV / LSB): on a host whose PID 1 is SysV init
//! (CentOS / RHEL 6, SLES 11), a unit group's services are the scripts of
//! the same names in `/etc/init.d` (or `/etc/rc.d/init.d`), driven the way
//! the host's own `service` command drives them: `status` and its LSB exit
//! code, checked against the process table ([`lsb_status`]); `start`,
//! `stop`, `restart` through the script, each bounded ([`script`]). Its
//! daemon's words are its log files ([`log_tail`]). One type serves this
//! kind and upstart's ([`InitBackend`]), which uses a script for a service
//! that has no job.

mod init_backend;
pub(super) mod log_tail;
mod lsb_status;
pub(super) mod main_process;
pub(super) mod script;

pub use init_backend::InitBackend;

/// Init scripts on a SysV host.
pub type Sysv = InitBackend<false>;

use super::{BackendError, Declared, DeclaredGroup, GroupsReport, Installed, OutputSource};
use crate::catalog::{Catalog, Group, UnitChoice, service_name_of_unit};
use crate::exit::{Exit, Failure};
use crate::model::{
    Action, BackendKind, Details, Handle, HandleKind, Observation, ServiceStatus, Step,
};
use std::path::Path;
use std::time::Duration;
use tokio::time::Instant;

/// How much longer than the stop grace a script's start, stop or restart may take.
const ACTION_MARGIN: Duration = Duration::from_secs(30);
/// The daemon's last lines a failed step or `diagnose` shows.
const DETAIL_LINES: usize = 10;

/// The name of `choice` on this host: the first alternative that `exists`,
/// else the first (`hyper_exporter` or `hyper-exporter-agent`).
pub(super) fn chosen_name(choice: &UnitChoice, exists: impl Fn(&str) -> bool) -> String {
    choice
        .alternatives
        .iter()
        .map(|unit| service_name_of_unit(unit))
        .find(|name| exists(name))
        .unwrap_or_else(|| service_name_of_unit(choice.primary()))
        .to_string()
}

/// Every name an operator may use for `choice`: each alternative, with and
/// without `.service`.
pub(super) fn aliases_of(choice: &UnitChoice) -> Vec<String> {
    let mut aliases = Vec::new();
    for unit in &choice.alternatives {
        for name in [
            service_name_of_unit(unit).to_string(),
            format!("{}.service", service_name_of_unit(unit)),
        ] {
            if !aliases.contains(&name) {
                aliases.push(name);
            }
        }
    }
    aliases
}

/// The unit choices of `groups`, each once (a service two groups name,
/// `hyper_exporter`, is the first's), with their group.
fn choices_of(groups: &[Group]) -> Vec<(&Group, &UnitChoice)> {
    let mut seen: Vec<&str> = Vec::new();
    let mut choices = Vec::new();
    for group in groups {
        for choice in &group.units {
            if choice
                .alternatives
                .iter()
                .any(|unit| seen.contains(&unit.as_str()))
            {
                continue;
            }
            seen.extend(choice.alternatives.iter().map(String::as_str));
            choices.push((group, choice));
        }
    }
    choices
}

/// Every service of `groups`, observed by `observe` (given its name on this
/// host) within `deadline`; `exists` says which alternative name the host has.
pub(super) async fn observe_choices<F, Answer>(
    kind: HandleKind,
    groups: &[Group],
    deadline: Instant,
    exists: impl Fn(&str) -> bool,
    observe: F,
) -> GroupsReport
where
    F: Fn(String, Duration) -> Answer,
    Answer: std::future::Future<Output = Result<Observation, BackendError>>,
{
    let choices = choices_of(groups);
    let timeout = deadline.saturating_duration_since(Instant::now());
    let names: Vec<String> = choices
        .iter()
        .map(|(_, choice)| chosen_name(choice, &exists))
        .collect();
    let answers =
        futures_util::future::join_all(names.iter().map(|name| observe(name.clone(), timeout)))
            .await;
    let mut report = GroupsReport::default();
    for (((group, choice), name), answer) in choices.into_iter().zip(names).zip(answers) {
        let (observation, error) = match answer {
            Ok(observation) => (observation, None),
            Err(error) => (Observation::unknown(error.to_string()), Some(error)),
        };
        let mut row = ServiceStatus::new(
            &name,
            &group.name,
            Handle::new(kind.clone(), &name),
            observation,
        );
        row.aliases = aliases_of(choice);
        report.add(vec![row], error);
    }
    report
}

/// What the init script of `name` says of it now, within `timeout`.
pub(super) async fn observe_script(
    kind: BackendKind,
    name: &str,
    timeout: Duration,
) -> Result<Observation, BackendError> {
    let Some(path) = script::find(name) else {
        return Ok(Observation::missing(format!(
            "no init script {name} in {}",
            script::SCRIPT_DIRECTORIES.join(" or ")
        )));
    };
    let answer = script::run(kind, &path, &["status"], timeout).await?;
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let (process, pid_file) = main_process::find(name, &text, Path::new("/proc"));
    Ok(lsb_status::observe(
        &answer,
        process.as_ref(),
        pid_file.as_deref(),
    ))
}

/// The script's word for a step's action, if the step has one.
pub(super) fn action_word(action: Action) -> Option<&'static str> {
    match action {
        Action::Start | Action::Create | Action::Recreate => Some("start"),
        Action::Stop => Some("stop"),
        Action::Restart => Some("restart"),
        Action::Wait | Action::Skip | Action::Impossible => None,
    }
}

/// Carries out `step` through the service's init script.
pub(super) async fn act_script(
    kind: BackendKind,
    step: &Step,
    job_timeout: Duration,
) -> Result<Option<String>, BackendError> {
    let Some(word) = action_word(step.action) else {
        return Ok(None);
    };
    let name = &step.handle.name;
    let refused = |detail: String| BackendError::Refused {
        backend: kind,
        action: format!("{word} {name}"),
        detail,
    };
    let Some(path) = script::find(name) else {
        return Err(refused(format!(
            "no init script {name} in {}",
            script::SCRIPT_DIRECTORIES.join(" or ")
        )));
    };
    let timeout = job_timeout.max(step.stop_grace + ACTION_MARGIN);
    let answer = script::run(kind, &path, &[word], timeout).await?;
    match answer.code {
        Some(0) => Ok(None),
        code => Err(refused(format!(
            "`{} {word}` {}: {}",
            path.display(),
            code.map_or_else(
                || "was ended by a signal".to_string(),
                |code| format!("exited {code}")
            ),
            answer.line()
        ))),
    }
}

/// Why an init system's service cannot be held off at boot by hmctl.
pub(super) fn no_auto_start(kind: BackendKind, name: &str) -> BackendError {
    BackendError::NotOnThisHost {
        backend: kind,
        why: format!(
            "{name}: holding a service off at boot is not supported on {} hosts",
            kind.as_str()
        ),
        hint: format!(
            "stop it with `hmctl stop {name}`; to keep it from starting at boot use the host's own \
             tool: `chkconfig {name} off` (CentOS / RHEL, SLES), `update-rc.d {name} disable` (Debian, Ubuntu)"
        ),
    }
}

/// What is known of `name` beyond its status: its daemon's last words, its
/// log files' last lines.
pub(super) fn details_of(
    kind: BackendKind,
    name: &str,
    observation: &Observation,
    catalog: &Catalog,
) -> Details {
    Details {
        exit_code: observation.exit_code,
        output: log_tail::last_lines(catalog, kind, name, DETAIL_LINES),
        ..Details::default()
    }
}

/// The services of `group` on this host, by files alone.
pub(super) fn installed_of(
    kind: BackendKind,
    group: &Group,
    seen_units: &mut Vec<String>,
    exists: impl Fn(&str) -> bool,
) -> Vec<Installed> {
    let mut installed = Vec::new();
    for choice in &group.units {
        if choice
            .alternatives
            .iter()
            .any(|unit| seen_units.contains(unit))
        {
            continue;
        }
        seen_units.extend(choice.alternatives.iter().cloned());
        installed.push(Installed {
            name: chosen_name(choice, &exists),
            group: group.name.clone(),
            backend: kind,
            aliases: aliases_of(choice),
        });
    }
    installed
}

/// `hmctl list` of `group`: each service, present when `exists`.
pub(super) fn declared_of(group: &Group, exists: impl Fn(&str) -> bool) -> DeclaredGroup {
    group
        .units
        .iter()
        .map(|choice| {
            let name = chosen_name(choice, &exists);
            Declared {
                present: Some(group.is_present() && exists(&name)),
                unit: Some(
                    choice
                        .alternatives
                        .iter()
                        .map(|unit| service_name_of_unit(unit))
                        .collect::<Vec<_>>()
                        .join(" | "),
                ),
                name,
            }
        })
        .collect::<Vec<_>>()
        .into()
}

/// A service of an init system has no output of its own but its log files.
pub(super) fn no_output(source: &OutputSource<'_>) -> Failure {
    Failure::new(
        Exit::OperationFailed,
        format!(
            "{} has no log file, and its init script keeps no output",
            source.name
        ),
    )
    .with_hint(format!(
        "name its log files in hmctl.toml: [service.{}] logs = [\"/var/log/...\"]",
        source.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Holding a service off at boot where hmctl cannot (a SysV or upstart
    /// host): the words the operator reads, without such a host.
    #[test]
    fn no_hold_at_boot_says_which_tool_to_use_word_for_word() {
        let failure = no_auto_start(BackendKind::Sysv, "nginx").into_failure();
        assert_eq!(
            (
                failure.exit,
                failure.message.as_str(),
                failure.hint.as_deref()
            ),
            (
                Exit::BackendUnavailable,
                "nginx: holding a service off at boot is not supported on sysv hosts",
                Some(
                    "stop it with `hmctl stop nginx`; to keep it from starting at boot use the host's own tool: `chkconfig nginx off` (CentOS / RHEL, SLES), `update-rc.d nginx disable` (Debian, Ubuntu)"
                ),
            )
        );
    }

    /// A service of an init system with no log file: where to name one.
    #[test]
    fn no_output_says_where_to_name_its_log_files_word_for_word() {
        let catalog = Catalog::builtin();
        let group = catalog.groups.first().expect("a built-in group");
        let failure = no_output(&OutputSource {
            name: "nginx",
            group,
        });
        assert_eq!(
            (
                failure.exit,
                failure.message.as_str(),
                failure.hint.as_deref()
            ),
            (
                Exit::OperationFailed,
                "nginx has no log file, and its init script keeps no output",
                Some("name its log files in hmctl.toml: [service.nginx] logs = [\"/var/log/...\"]"),
            )
        );
    }
}

//! The generated documentation, from the one clap definition: shell
//! completion scripts and man pages. They are committed under `completions/`
//! and `man/`; `tests/generated.rs` fails when they drift, and
//! `HMCTL_REGENERATE=1 cargo test --test generated` rewrites them.

use crate::cli::Cli;
use clap::CommandFactory;
use clap_mangen::roff::{Roff, bold, roman};

/// The variable the completion scripts set when they call hmctl back.
pub const COMPLETE_VARIABLE: &str = "HMCTL_COMPLETE";

/// The shells and the file each one's script is committed as.
pub const SHELLS: &[(&str, &str)] = &[
    ("bash", "hmctl.bash"),
    ("zsh", "_hmctl"),
    ("fish", "hmctl.fish"),
    ("elvish", "hmctl.elv"),
    ("powershell", "_hmctl.ps1"),
];

/// The command definition, with the plain version (generated files must not
/// change with every commit).
pub fn command() -> clap::Command {
    Cli::command().version(env!("CARGO_PKG_VERSION"))
}

/// The completion script for a shell: it registers hmctl's dynamic completer.
pub fn completion(shell: &str) -> Option<String> {
    let shells = clap_complete::env::Shells::builtins();
    let completer = shells.completer(shell)?;
    let mut script = Vec::new();
    completer
        .write_registration(COMPLETE_VARIABLE, "hmctl", "hmctl", "hmctl", &mut script)
        .ok()?;
    String::from_utf8(script).ok()
}

fn exit_status(roff: &mut Roff) {
    roff.control("SH", ["EXIT STATUS"]);
    for exit in crate::exit::Exit::ALL {
        let code = exit.code().to_string();
        let meaning = exit.meaning();
        roff.control("TP", [])
            .text([bold(code.as_str())])
            .text([roman(meaning)]);
    }
}

fn files_and_environment(roff: &mut Roff) {
    roff.control("SH", ["FILES"]);
    for (file, meaning) in [
        (
            "/etc/hmctl/hmctl.toml",
            "adds groups and overrides built-in ones by name ([[group]] name, backend, project, files, units, log_dir, config_dir, program_dir, ports, upgrade_dir, present_if, log_timezone; [service.NAME] logs, stop_timeout, depends_on, settle, log_timezone). Unknown keys are errors.",
        ),
        (
            "/run/hmctl/hmctl.lock",
            "the host-wide lock of changing commands (0600); holds the holder's pid, command and start time. Its directory, /run/hmctl, is root's alone (0700, created if missing, refused if it is a link, another user's, or writable by others) and also holds the caches (0600). On a host without /run (CentOS / RHEL 6, SLES 11): /var/run/hmctl.",
        ),
        (
            "/var/lib/hmctl",
            "upgrade journals and hmctl.log, the log of upgrades (directory 0700, files 0600).",
        ),
        (
            "/var/tmp/hmctl-logs-HOST-TIME.tar.gz",
            "a support bundle of logs collect, readable by root alone (0600); with --obfuscate, FILE.mapping.json beside it (0600) maps the tokens back.",
        ),
        (
            "/opt/installer/production",
            "the console (compose project production).",
        ),
        ("/opt/hamal", "the sync proxy (compose project hamal)."),
        (
            "/var/lib/egisplus-agent",
            "the Linux agent (egisplus-agent.service).",
        ),
        (
            "/var/lib/sgateway",
            "the cloud sync gateway (s3block, watchman, hyper_exporter).",
        ),
    ] {
        roff.control("TP", [])
            .text([bold(file)])
            .text([roman(meaning)]);
    }
    roff.control("SH", ["ENVIRONMENT"]);
    for (variable, meaning) in [
        ("HMCTL_CONFIG", "the configuration file, like --config."),
        (
            "DOCKER_HOST",
            "the Docker endpoint (default unix:///var/run/docker.sock).",
        ),
        (
            "DBUS_SYSTEM_BUS_ADDRESS",
            "systemd's bus (default the system bus).",
        ),
        (
            "HMCTL_LOCK_FILE",
            "the lock file (default /run/hmctl/hmctl.lock); refused, nothing changed, when it is a link, not a regular file of the user's, or in a directory other users can write.",
        ),
        (
            "HMCTL_STATE_DIR",
            "where upgrade journals are kept (default /var/lib/hmctl; created 0700).",
        ),
        (
            "HMCTL_CACHE_DIR",
            "where Docker inspects, parsed compose files and disk-usage figures are cached between runs (default /run/hmctl: 0700, files 0600, root only).",
        ),
        (
            "COMPOSE_PROFILES",
            "the compose profiles counted as active.",
        ),
        ("NO_COLOR", "never colour output."),
    ] {
        roff.control("TP", [])
            .text([bold(variable)])
            .text([roman(meaning)]);
    }
}

/// Every subcommand path (`["logs", "grep"]`), depth first.
fn subcommands(command: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
    for sub in command.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        let mut path = prefix.to_vec();
        path.push(sub.get_name().to_string());
        out.push(path.clone());
        subcommands(sub, &path, out);
    }
}

fn render(command: clap::Command, extra: impl Fn(&mut Roff)) -> Vec<u8> {
    let has_subcommands = command
        .get_subcommands()
        .any(|sub| !sub.is_hide_set() && sub.get_name() != "help");
    let man = clap_mangen::Man::new(command);
    let mut page = Vec::new();
    let rendered = man
        .render_title(&mut page)
        .and_then(|()| man.render_name_section(&mut page))
        .and_then(|()| man.render_synopsis_section(&mut page))
        .and_then(|()| man.render_description_section(&mut page))
        .and_then(|()| man.render_options_section(&mut page))
        .and_then(|()| {
            if has_subcommands {
                man.render_subcommands_section(&mut page)
            } else {
                Ok(())
            }
        });
    if rendered.is_err() {
        return Vec::new();
    }
    let mut roff = Roff::new();
    extra(&mut roff);
    page.extend(roff.to_roff().into_bytes());
    let _ = man.render_version_section(&mut page);
    page
}

/// The man pages: `hmctl.1` and one per subcommand (`hmctl-logs-grep.1`).
pub fn man_pages() -> Vec<(String, Vec<u8>)> {
    let root = command();
    let mut pages = vec![(
        "hmctl.1".to_string(),
        render(root.clone(), |roff| {
            exit_status(roff);
            files_and_environment(roff);
        }),
    )];
    let mut paths = Vec::new();
    subcommands(&root, &[], &mut paths);
    for path in paths {
        let mut command = root.clone();
        for name in &path {
            let Some(sub) = command.find_subcommand(name).cloned() else {
                break;
            };
            command = sub;
        }
        let name = format!("hmctl-{}", path.join("-"));
        let command = command
            .name(name.clone())
            .display_name(name.clone())
            .bin_name(format!("hmctl {}", path.join(" ")))
            .version(env!("CARGO_PKG_VERSION"));
        pages.push((format!("{name}.1"), render(command, exit_status)));
    }
    pages
}

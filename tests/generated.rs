//! The committed completion scripts and man pages are exactly what the binary
//! generates. `HMCTL_REGENERATE=1 cargo test --test generated` rewrites them.

use std::path::Path;

fn check_or_write(path: &Path, generated: &[u8], stale: &mut Vec<String>) {
    if std::env::var_os("HMCTL_REGENERATE").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, generated).unwrap();
        return;
    }
    if std::fs::read(path).ok().as_deref() != Some(generated) {
        stale.push(path.display().to_string());
    }
}

#[test]
fn completions_and_man_pages_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for (shell, file) in hmctl::docs::SHELLS {
        let script = hmctl::docs::completion(shell).expect("a script for every shell");
        check_or_write(
            &root.join("completions").join(file),
            script.as_bytes(),
            &mut stale,
        );
    }
    let pages = hmctl::docs::man_pages();
    for (name, page) in &pages {
        assert!(!page.is_empty(), "{name} rendered");
        check_or_write(&root.join("man").join(name), page, &mut stale);
    }
    let committed: Vec<String> = std::fs::read_dir(root.join("man"))
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    for name in committed {
        if !pages.iter().any(|(page, _)| *page == name) {
            stale.push(format!("man/{name} (no longer generated)"));
        }
    }
    assert!(
        stale.is_empty(),
        "generated files differ from the committed ones: {stale:?}\nrun `HMCTL_REGENERATE=1 cargo test --test generated` and commit"
    );
}

#[test]
fn the_man_page_documents_every_verb_and_the_exit_codes() {
    let pages = hmctl::docs::man_pages();
    let main =
        String::from_utf8_lossy(&pages.iter().find(|(name, _)| name == "hmctl.1").unwrap().1)
            .into_owned();
    for verb in [
        "status",
        "start",
        "stop",
        "restart",
        "reload",
        "upgrade",
        "logs",
        "list",
        "completions",
    ] {
        assert!(main.contains(verb), "hmctl.1 names {verb}");
        assert!(
            pages
                .iter()
                .any(|(name, _)| *name == format!("hmctl-{verb}.1")),
            "hmctl-{verb}.1 exists"
        );
    }
    for section in ["EXIT STATUS", "FILES", "ENVIRONMENT"] {
        assert!(main.contains(section), "hmctl.1 has {section}");
    }
    assert!(pages.iter().any(|(name, _)| name == "hmctl-logs-grep.1"));
}

#[test]
fn completion_offers_verbs_and_this_hosts_services() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("c.yml"),
        "services:\n  porter-api: {image: x}\n  porter-migration: {image: x}\n",
    )
    .unwrap();
    let config = dir.path().join("hmctl.toml");
    std::fs::write(
        &config,
        format!(
            "[[group]]\nname = \"console\"\nproject = \"p\"\nfiles = [\"{0}/c.yml\"]\npresent_if = [\"{0}\"]\n[[group]]\nname = \"gateway\"\npresent_if = [\"/nonexistent\"]\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let complete = |words: &[&str]| -> String {
        let output = assert_cmd::Command::cargo_bin("hmctl")
            .unwrap()
            .env("HMCTL_COMPLETE", "bash")
            .env("HMCTL_CONFIG", &config)
            .env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string())
            .env("_CLAP_IFS", "\n")
            .arg("--")
            .args(words)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let verbs = complete(&["hmctl", "re"]);
    assert!(
        verbs.contains("restart") && verbs.contains("reload"),
        "{verbs}"
    );
    let targets = complete(&["hmctl", "restart", "porter-"]);
    assert!(
        targets.contains("porter-api") && targets.contains("porter-migration"),
        "{targets}"
    );
    let groups = complete(&["hmctl", "status", "con"]);
    assert!(groups.contains("console"), "{groups}");
}

#[test]
fn the_readme_lists_the_exit_codes_of_the_one_table() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let rows: Vec<&str> = readme
        .lines()
        .filter(|line| {
            line.strip_prefix("| ")
                .and_then(|rest| rest.chars().next())
                .is_some_and(|first| first.is_ascii_digit())
                && line.matches('|').count() == 3
        })
        .collect();
    let expected: Vec<String> = hmctl::exit::Exit::ALL
        .iter()
        .map(|exit| format!("| {} | {} |", exit.code(), exit.meaning()))
        .collect();
    assert_eq!(
        rows, expected,
        "README.md's exit-code table must be src/exit.rs's `Exit::meaning` table"
    );
}

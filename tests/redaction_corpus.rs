//! Issue 16's acceptance, on a corpus of secret forms (`tests/data/redaction`,
//! see its README): a real bundle made of it holds no planted secret, every
//! neighbour that names no secret, and every structured file still parses.

mod common;

use common::*;
use regex::Regex;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/redaction")
}

fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            if entry.path().is_dir() {
                pending.push(entry.path());
            } else {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    files
}

/// Every word holding `KEEPME`.
fn kept_words(text: &str) -> BTreeSet<String> {
    let word = Regex::new(r"[A-Za-z0-9_./:\-]*KEEPME[A-Za-z0-9_./:\-]*").unwrap();
    word.find_iter(text)
        .map(|found| found.as_str().to_string())
        .collect()
}

/// Whether `text` parses as what `name` says it is (`None`: no format to check).
fn parses(name: &str, text: &str) -> Option<bool> {
    let extension = name.rsplit_once('.').map_or("", |(_, extension)| extension);
    Some(match extension {
        "json" => serde_json::from_str::<serde_json::Value>(text).is_ok(),
        "yml" | "yaml" => serde_saphyr::from_str::<serde_json::Value>(text).is_ok(),
        "toml" => text.parse::<toml::Table>().is_ok(),
        "ini" | "conf" => hmctl::redact::ini::parses(text),
        "env" => std::process::Command::new("sh")
            .args(["-n", "-c", text])
            .status()
            .unwrap()
            .success(),
        _ => return None,
    })
}

fn collect(config: &Config, bundle: &Path, extra: &[&str]) -> std::process::Output {
    config
        .hmctl()
        .args(["logs", "collect", "-o"])
        .arg(bundle)
        .args(extra)
        .output()
        .unwrap()
}

fn extract(bundle: &Path) -> (tempfile::TempDir, PathBuf) {
    let extracted = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(bundle)
        .arg("-C")
        .arg(extracted.path())
        .status()
        .unwrap();
    assert!(status.success());
    let root = extracted.path().join("bundle");
    (extracted, root)
}

fn corpus_config() -> Config {
    let corpus = corpus();
    config_with(&format!(
        "[[group]]\nname = \"agent\"\nunits = [\"hmt-corpus-none\"]\nlog_dir = \"{}/logs\"\nconfig_dir = \"{}/config\"\nprogram_dir = \"/nonexistent/hmctl-test\"\npresent_if = []\n\n",
        corpus.display(),
        corpus.display()
    ))
}

#[test]
fn no_planted_secret_survives_and_every_structured_file_still_parses() {
    let config = corpus_config();
    let output_dir = tempfile::tempdir().unwrap();
    let bundle = output_dir.path().join("bundle.tar.gz");
    let output = collect(&config, &bundle, &[]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (_extracted, root) = extract(&bundle);
    let mut everything = String::new();
    for file in files_under(&root) {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.strip_prefix(&root).unwrap().display().to_string();
        assert!(
            !text.contains("SEKRIT"),
            "a secret survived in {name}:\n{text}"
        );
        everything.push_str(&text);
    }
    let sources = corpus();
    let mut masked_files = 0;
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("manifest.json")).unwrap())
            .unwrap();
    for source in files_under(&sources.join("config"))
        .into_iter()
        .chain(files_under(&sources.join("logs")))
    {
        let original = std::fs::read_to_string(&source).unwrap();
        let relative = source.strip_prefix(&sources).unwrap().display().to_string();
        let copy = root.join("agent").join(&relative);
        let copied = std::fs::read_to_string(&copy)
            .unwrap_or_else(|error| panic!("{relative} not in the bundle: {error}"));
        for word in kept_words(&original) {
            assert!(
                copied.contains(&word),
                "{word} was lost from {relative}:\n{copied}"
            );
        }
        let name = source.file_name().unwrap().to_string_lossy().into_owned();
        if parses(&name, &original) == Some(true) {
            assert_eq!(
                parses(&name, &copied),
                Some(true),
                "{relative} no longer parses:\n{copied}"
            );
        }
        let masked = &manifest["redaction"]["masked_values_per_file"][format!("agent/{relative}")];
        assert!(masked.as_u64().unwrap_or(0) >= 1, "{relative}: {masked}");
        masked_files += 1;
    }
    assert!(masked_files >= 14, "{masked_files}");
    assert!(!manifest.to_string().contains("SEKRIT"));
    assert!(!everything.is_empty());
}

#[test]
fn obfuscation_is_consistent_and_its_mapping_stays_out_of_the_bundle() {
    let config = corpus_config();
    let output_dir = tempfile::tempdir().unwrap();
    let bundle = output_dir.path().join("bundle.tar.gz");
    let output = collect(&config, &bundle, &["--obfuscate"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mapping_path = output_dir.path().join("bundle.tar.gz.mapping.json");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&mapping_path.display().to_string()),
        "{stderr}"
    );
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata(&mapping_path).unwrap().mode() & 0o777,
        0o600
    );
    let mapping: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&mapping_path).unwrap()).unwrap();
    let (_extracted, root) = extract(&bundle);
    let files = files_under(&root);
    assert!(
        files
            .iter()
            .all(|file| !file.to_string_lossy().contains("mapping"))
    );
    let hamal = std::fs::read_to_string(root.join("agent/config/hamal.conf")).unwrap();
    let s3block = std::fs::read_to_string(root.join("agent/config/s3block_config.ini")).unwrap();
    // 192.168.7.141 and 192.168.14.65: tokens, mapped back on the host only.
    assert!(!hamal.contains("192.168.7.141") && !s3block.contains("192.168.14.65"));
    let token = |address: &str| {
        mapping
            .as_object()
            .unwrap()
            .iter()
            .find(|(_, original)| original.as_str() == Some(address))
            .map(|(token, _)| token.clone())
            .unwrap()
    };
    assert!(
        hamal.contains(&format!("https://{}:10443", token("192.168.7.141"))),
        "{hamal}"
    );
    assert!(s3block.contains(&format!("https://{}:13260", token("192.168.14.65"))));
    let everything: String = files
        .iter()
        .map(|file| std::fs::read_to_string(file).unwrap())
        .collect();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let host_word = Regex::new(&format!(r"\b{}\b", regex::escape(host.trim()))).unwrap();
    assert!(!host_word.is_match(&everything), "the host name survived");
    let lower_case = everything.to_ascii_lowercase();
    for (token, original) in mapping.as_object().unwrap() {
        let original = original.as_str().unwrap();
        if token.starts_with("ip-") || token.starts_with("host-") {
            assert!(!everything.contains(original), "{original} survived");
        }
        if token.starts_with("mac-") {
            // In any of its forms: the mapping holds it in lower case, colons between.
            for form in [original.to_string(), original.replace(':', "-")] {
                assert!(!lower_case.contains(&form), "{form} survived");
            }
        }
    }
    // Issue 29: one MAC in two forms and two files has one stand-in; the
    // version and the module signature stay; every structured file parses.
    let app = std::fs::read_to_string(root.join("agent/config/app.json")).unwrap();
    let log = std::fs::read_to_string(root.join("agent/logs/porter-api.log")).unwrap();
    let mac = token("52:54:00:3a:7c:e1");
    assert!(mac.starts_with("mac-"), "{mac}");
    assert!(app.contains(&format!("\"hwaddr\": \"{mac}\"")), "{app}");
    assert!(log.contains(&format!("nic {mac} up on ")), "{log}");
    assert!(token("02:42:ac:11:00:02").starts_with("mac-"));
    assert!(log.contains("running mycoolpackage-1.2.3.4.5, module signature 2D:4F:6E:55:4F:E8:5E:D2:D2:A3:73:62:AB:FD:F9:C5:A5:53:31:93\n"), "{log}");
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let relative = file.strip_prefix(&root).unwrap().display().to_string();
        if let Ok(original) =
            std::fs::read_to_string(corpus().join(relative.trim_start_matches("agent/")))
            && parses(&name, &original) == Some(true)
        {
            let copied = std::fs::read_to_string(file).unwrap();
            assert_eq!(parses(&name, &copied), Some(true), "{relative}:\n{copied}");
        }
    }
}

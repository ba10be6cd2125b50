//! Reading compose projects from files on disk: dependency forms, anchors,
//! include and extends, overrides, and the errors for what cannot be read.

use super::*;

fn project_of(files: &[(&str, &str)]) -> Result<ComposeProject, ComposeError> {
    let directory = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (name, text) in files {
        let path = directory.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        paths.push(path);
    }
    // Only the first file is the project's; the others are included or extended.
    read_project(&paths[..1])
}

/// The project's service names, in the order it lists them.
fn service_names(project: &ComposeProject) -> Vec<&str> {
    project
        .services
        .iter()
        .map(|service| service.name.as_str())
        .collect()
}

fn dependencies(project: &ComposeProject, name: &str) -> Vec<String> {
    project.service(name).unwrap().depends_on.clone()
}

#[test]
fn both_depends_on_forms_and_implicit_edges() {
    let project = project_of(&[(
        "c.yml",
        "services:\n  db: {image: x, healthcheck: {test: [CMD, 'true']}}\n  api:\n    depends_on: [db]\n  worker:\n    depends_on:\n      db: {condition: service_healthy}\n      api: {condition: service_started}\n  side:\n    network_mode: service:api\n    ipc: service:db\n    volumes_from: [worker:ro, 'container:other']\n    links: ['db:database']\n",
    )])
    .unwrap();
    assert_eq!(service_names(&project), vec!["db", "api", "worker", "side"]);
    assert_eq!(dependencies(&project, "api"), vec!["db"]);
    assert_eq!(dependencies(&project, "worker"), vec!["api", "db"]);
    assert_eq!(dependencies(&project, "side"), vec!["db", "worker", "api"]);
    assert!(project.service("db").unwrap().has_healthcheck);
    assert!(!project.service("api").unwrap().has_healthcheck);
}

#[test]
fn anchors_and_merge_keys() {
    let project = project_of(&[(
        "c.yml",
        "x-common: &common\n  depends_on: [db]\n  stop_grace_period: 1m\nservices:\n  db: {}\n  api:\n    <<: *common\n",
    )])
    .unwrap();
    assert_eq!(dependencies(&project, "api"), vec!["db"]);
    assert_eq!(
        project.service("api").unwrap().stop_grace_period,
        Some(std::time::Duration::from_secs(60))
    );
}

#[test]
fn extends_and_include_across_files() {
    let project = project_of(&[
        (
            "c.yml",
            "include:\n  - path: sub/inc.yml\nservices:\n  api:\n    extends: {file: base.yml, service: web}\n",
        ),
        ("sub/inc.yml", "services:\n  cache: {}\n"),
        ("base.yml", "services:\n  web:\n    depends_on: [cache]\n    healthcheck: {test: [CMD, 'true']}\n"),
    ])
    .unwrap();
    assert_eq!(service_names(&project), vec!["cache", "api"]);
    assert_eq!(dependencies(&project, "api"), vec!["cache"]);
    assert!(project.service("api").unwrap().has_healthcheck);
}

#[test]
fn later_files_override_earlier_ones() {
    let directory = tempfile::tempdir().unwrap();
    let first = directory.path().join("a.yml");
    let second = directory.path().join("b.yml");
    std::fs::write(&first, "services:\n  api: {depends_on: [db]}\n  db: {}\n").unwrap();
    std::fs::write(
        &second,
        "services:\n  api: {depends_on: [cache]}\n  cache: {}\n",
    )
    .unwrap();
    let project = read_project(&[first, second]).unwrap();
    assert_eq!(project.services.len(), 3);
    assert_eq!(dependencies(&project, "api"), vec!["cache", "db"]);
}

#[test]
fn a_disabled_healthcheck_is_none() {
    let project = project_of(&[(
        "c.yml",
        "services:\n  a: {healthcheck: {disable: true}}\n  b: {healthcheck: {test: [NONE]}}\n",
    )])
    .unwrap();
    assert!(!project.service("a").unwrap().has_healthcheck);
    assert!(!project.service("b").unwrap().has_healthcheck);
}

#[test]
fn errors_name_the_file_and_line() {
    let error = project_of(&[("c.yml", "services:\n  a:\n    depends_on: 5\n")]).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("c.yml"), "{message}");
    assert!(message.contains("line 3"), "{message}");
    assert!(message.contains("depends_on"), "{message}");
}

#[test]
fn include_cycles_and_extends_cycles_are_refused() {
    let error = project_of(&[("c.yml", "include: [c.yml]\nservices: {a: {}}\n")]).unwrap_err();
    assert!(
        matches!(error, ComposeError::IncludeCycle { .. }),
        "{error}"
    );
    let error =
        project_of(&[("c.yml", "services:\n  a: {extends: b}\n  b: {extends: a}\n")]).unwrap_err();
    assert!(error.to_string().contains("cycle"), "{error}");
}

#[test]
fn remote_includes_are_refused() {
    let error = project_of(&[("c.yml", "include: ['oci://x/y']\n")]).unwrap_err();
    assert!(error.to_string().contains("not supported"), "{error}");
}

#[test]
fn many_services_may_merge_one_anchor() {
    let mut text = String::from("x-common: &common\n  image: x\nservices:\n");
    for index in 0..300 {
        text.push_str(&format!("  svc-{index}:\n    <<: *common\n"));
    }
    assert_eq!(project_of(&[("c.yml", &text)]).unwrap().services.len(), 300);
}

#[test]
fn an_alias_bomb_is_refused_not_expanded() {
    let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let names = ["b", "c", "d", "e", "f", "g", "h", "i", "j"];
    let mut previous = "a";
    for name in names {
        text.push_str(&format!("{name}: &{name} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"));
        previous = name;
    }
    text.push_str("services:\n  s:\n    labels: *j\n");
    // Refused (an error), not expanded into 10^10 nodes; how fast is the
    // benchmark's business, not a test's.
    assert!(project_of(&[("c.yml", &text)]).is_err());
}

#[test]
fn an_empty_file_declares_nothing() {
    assert!(project_of(&[("c.yml", "")]).unwrap().services.is_empty());
}

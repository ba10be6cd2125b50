//! The layering rule of `src/` (README, "Layout"): a module imports only from
//! its own layer or the layers below it, and only the model (which defines
//! the kinds), the catalog (which gives each group one) and the backends name
//! a kind of backend.
//!
//! Read from the source text: every `crate::NAME` outside comments and unit
//! tests, in every file, against the layer of the top-level module the file
//! belongs to.

use std::path::{Path, PathBuf};

/// The layers, lowest first. A top-level module of `src/` that is not listed
/// here fails the test: a new module must say where it stands.
const LAYERS: &[&[&str]] = &[
    &["model", "exit", "version", "settings", "private_file"],
    &["catalog", "compose_file", "redact"],
    &["log_files"],
    &["backend"],
    &["ops"],
    &["diagnose"],
    &[
        "render",
        "commands",
        "progress",
        "output",
        "cli",
        "docs",
        "completion",
        "fuzzing",
    ],
    &["app", "main", "lib"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn source_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            source_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs")
            // A module's tests in a file of their own (`#[cfg(test)] mod tests;`)
            // are test code, like a `#[cfg(test)]` block.
            && path.file_name().is_some_and(|name| name != "tests.rs")
            && !in_a_test_directory(&path)
        {
            files.push(path);
        }
    }
}

/// Whether `path` is in a directory of tests (`fault_tests/`,
/// `world_tests/`: a `#[cfg(test)] mod NAME_tests;` of several files).
fn in_a_test_directory(path: &Path) -> bool {
    path.parent()
        .and_then(Path::file_name)
        .is_some_and(|name| name.to_string_lossy().ends_with("_tests"))
}

/// The top-level module a file of `src/` belongs to (`src/ops/plan.rs` → `ops`).
fn module_of(file: &Path, src: &Path) -> String {
    let relative = file.strip_prefix(src).expect("a file under src/");
    let first = relative
        .components()
        .next()
        .expect("a path under src/")
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    first.trim_end_matches(".rs").to_string()
}

/// The file's code: without comments and without its unit tests (which sit at
/// the end of a file, after `#[cfg(test)]`).
fn code_of(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .take_while(|(_, line)| line.trim() != "#[cfg(test)]")
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .map(|(number, line)| (number + 1, line.to_string()))
        .collect()
}

/// The top-level modules a line names as `crate::NAME`.
fn crate_paths(line: &str) -> Vec<String> {
    line.match_indices("crate::")
        .filter(|(start, _)| {
            // `crate::` itself, not the end of another word (`hmctl_crate::`).
            *start == 0
                || !line.as_bytes()[start - 1].is_ascii_alphanumeric()
                    && line.as_bytes()[start - 1] != b'_'
        })
        .map(|(start, _)| {
            line[start + "crate::".len()..]
                .chars()
                .take_while(|character| character.is_ascii_alphanumeric() || *character == '_')
                .collect()
        })
        .collect()
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_module_imports_from_a_higher_layer() {
    let src = src();
    let mut files = Vec::new();
    source_files(&src, &mut files);
    assert!(files.len() > 20, "the source files were not found");
    let mut violations = Vec::new();
    for file in &files {
        let module = module_of(file, &src);
        let Some(own) = layer_of(&module) else {
            violations.push(format!(
                "{}: module `{module}` has no layer in tests/layering.rs",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("a readable source file");
        for (number, line) in code_of(&text) {
            for used in crate_paths(&line) {
                match layer_of(&used) {
                    Some(layer) if layer <= own => {}
                    Some(_) => violations.push(format!(
                        "{}:{number}: `{module}` (layer {own}) imports `{used}` from a higher layer",
                        file.display()
                    )),
                    None => violations.push(format!(
                        "{}:{number}: `crate::{used}` is no module of a layer",
                        file.display()
                    )),
                }
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn only_the_model_the_catalog_and_the_backends_name_a_kind_of_backend() {
    let src = src();
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let allowed = |module: &str| ["model", "catalog", "backend"].contains(&module);
    let mut violations = Vec::new();
    for file in &files {
        let module = module_of(file, &src);
        if allowed(&module) {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("a readable source file");
        for (number, line) in code_of(&text) {
            for kind in ["BackendKind::Compose", "BackendKind::Systemd"] {
                if line.contains(kind) {
                    violations.push(format!("{}:{number}: names {kind}", file.display()));
                }
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_rule_reads_paths_as_it_should() {
    assert_eq!(crate_paths("use crate::model::{State, Step};"), ["model"]);
    assert_eq!(
        crate_paths("let a = crate::ops::x(crate::exit::Exit::Usage);"),
        ["ops", "exit"]
    );
    assert!(crate_paths("use hmctl_crate::thing;").is_empty());
    assert!(layer_of("model") < layer_of("catalog"));
    assert!(layer_of("log_files") < layer_of("backend"));
    assert!(layer_of("backend") < layer_of("ops"));
    assert!(layer_of("ops") < layer_of("diagnose"));
    assert!(layer_of("diagnose") < layer_of("render"));
    assert!(layer_of("render") < layer_of("app"));
    assert_eq!(
        code_of("use crate::a;\n// crate::b\n#[cfg(test)]\nuse crate::c;\n"),
        [(1, "use crate::a;".to_string())]
    );
}

#[test]
fn only_the_settings_read_the_environment() {
    let src = src();
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let mut violations = Vec::new();
    for file in &files {
        // The settings read it; `app` hands them the process's reader.
        if file.ends_with("settings.rs") || file.ends_with("app.rs") {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("a readable source file");
        for (number, line) in code_of(&text) {
            if line.contains("env::var") {
                violations.push(format!(
                    "{}:{number}: reads the environment",
                    file.display()
                ));
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

/// The lines of `text` where a `macro_rules!` is written inside another's body.
fn macros_inside_macros(text: &str) -> Vec<usize> {
    let mut inside = Vec::new();
    // The brace depth at which each open macro's body began.
    let mut open: Vec<i64> = Vec::new();
    let mut depth = 0_i64;
    for (number, line) in code_of(text) {
        if line.contains("macro_rules!") {
            if !open.is_empty() {
                inside.push(number);
            }
            open.push(depth);
        }
        for character in line.chars() {
            match character {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if open.last() == Some(&depth) {
                        open.pop();
                    }
                }
                _ => {}
            }
        }
    }
    inside
}

/// Dispatch is written by hand (issue 25): no macro writes macros.
#[test]
fn no_macro_in_src_defines_another_macro() {
    let nested = "macro_rules! outer {\n    () => {\n        macro_rules! inner { () => {} }\n    };\n}\nmacro_rules! alone { () => {} }\n";
    assert_eq!(macros_inside_macros(nested), vec![3]);
    let mut files = Vec::new();
    source_files(&src(), &mut files);
    let mut violations = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a readable source file");
        for number in macros_inside_macros(&text) {
            violations.push(format!(
                "{}:{number}: a macro defined by a macro",
                file.display()
            ));
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

/// The calls by which code decides how a daemon is reached (connects to
/// it, or reads a kind's files in its place): `commands` and `app` make
/// that choice and hand `ops` (and `diagnose`) the `Backends` it made (issue 25).
const REACHING: &[&str] = &[
    "Backend::connect(",
    "Backend::for_output(",
    "Backend::installed(",
    "Backend::declared(",
    "Backends::default()",
    "Backends::connecting(",
];

/// The lines of `text` (outside its tests) where a daemon is reached directly.
fn reaching_lines(text: &str) -> Vec<(usize, &'static str)> {
    code_of(text)
        .into_iter()
        .flat_map(|(number, line)| {
            REACHING
                .iter()
                .filter(move |call| line.contains(*call))
                .map(move |call| (number, *call))
        })
        .collect()
}

#[test]
fn ops_is_handed_its_backends_and_never_connects_a_daemon_itself() {
    let sample = "let a = backends.get_or_connect(kind, t);\nlet b = Backend::connect(kind, t);\n#[cfg(test)]\nlet c = Backends::connecting();\n";
    assert_eq!(reaching_lines(sample), vec![(2, "Backend::connect(")]);
    let src = src();
    let mut files = Vec::new();
    source_files(&src.join("ops"), &mut files);
    assert!(files.len() > 20, "the files of src/ops were not found");
    // diagnose, a verb above ops, is handed its backends the same way.
    source_files(&src.join("diagnose"), &mut files);
    let mut violations = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a readable source file");
        for (number, call) in reaching_lines(&text) {
            violations.push(format!(
                "{}:{number}: calls {call}: take the Backends the command hands down instead",
                file.display()
            ));
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

/// The files under `dir` that a `#[cfg(test)]` line declares as a module
/// (`#[cfg(test)] pub mod fixtures;` → `dir/fixtures.rs`): test code.
fn test_only_files(dir: &Path) -> Vec<PathBuf> {
    let mut declarers = Vec::new();
    source_files(dir, &mut declarers);
    let mut test_only = Vec::new();
    for declarer in &declarers {
        let text = std::fs::read_to_string(declarer).expect("a readable source file");
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for pair in lines.windows(2) {
            let declared = pair[1]
                .trim_start_matches("pub ")
                .strip_prefix("mod ")
                .and_then(|rest| rest.strip_suffix(';'));
            if let (true, Some(name)) = (pair[0] == "#[cfg(test)]", declared) {
                let parent = declarer.parent().expect("a file in a directory");
                test_only.push(parent.join(format!("{name}.rs")));
            }
        }
    }
    test_only
}

/// The lines of `text` (outside its tests) that name a compose type.
fn compose_type_lines(text: &str) -> Vec<usize> {
    code_of(text)
        .into_iter()
        .filter(|(_, line)| line.contains("ComposeProject"))
        .map(|(number, _)| number)
        .collect()
}

#[test]
fn the_generic_seam_and_ops_name_no_compose_project() {
    let sample = "fn a(p: &GroupDefinition) {}\nfn b(p: &ComposeProject) {}\n#[cfg(test)]\nfn c(p: ComposeProject) {}\n";
    assert_eq!(compose_type_lines(sample), vec![2]);
    let src = src();
    let mut files = vec![src.join("backend/mod.rs")];
    source_files(&src.join("ops"), &mut files);
    let test_only = test_only_files(&src.join("ops"));
    assert!(
        test_only.contains(&src.join("ops/fixtures.rs")),
        "the test-only modules of src/ops were not found"
    );
    let mut violations = Vec::new();
    for file in files.iter().filter(|file| !test_only.contains(file)) {
        let text = std::fs::read_to_string(file).expect("a readable source file");
        for number in compose_type_lines(&text) {
            violations.push(format!(
                "{}:{number}: names ComposeProject: carry a GroupDefinition instead",
                file.display()
            ));
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

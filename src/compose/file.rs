//! Parsing compose files with serde-saphyr (anchors and `<<` merges included),
//! following `include` and `extends` the way the compose specification does,
//! and refusing what hmctl cannot read with the file, the line and why.

use super::model::{ComposeProject, ComposeService, parse_duration};
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

/// Compose files larger than this are refused rather than read.
const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Why a set of compose files could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("cannot read compose file {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("compose file {path} is larger than {MAX_FILE_BYTES} bytes")]
    TooLarge { path: PathBuf },
    #[error("invalid compose file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("compose file {path}: {what} is not supported by hmctl")]
    Unsupported { path: PathBuf, what: String },
    #[error("compose file {path}: include {reference:?}: {source}")]
    Included {
        path: PathBuf,
        reference: String,
        source: Box<ComposeError>,
    },
    #[error("compose files include each other in a cycle: {}", chain.iter().map(|path| path.display().to_string()).collect::<Vec<_>>().join(" -> "))]
    IncludeCycle { chain: Vec<PathBuf> },
    #[error("compose file {path}: service {service:?} extends {base:?}, which {problem}")]
    Extends {
        path: PathBuf,
        service: String,
        base: String,
        problem: String,
    },
}

/// A map that keeps its keys in file order.
#[derive(Debug, Default)]
struct Ordered<V>(Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for OrderedVisitor<V> {
            type Value = Ordered<V>;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a mapping of service names")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, V>()? {
                    entries.push((key, value));
                }
                Ok(Ordered(entries))
            }
        }
        deserializer.deserialize_map(OrderedVisitor(std::marker::PhantomData))
    }
}

#[derive(Debug, Deserialize)]
struct RawFile {
    #[serde(default)]
    services: Option<Ordered<Option<RawService>>>,
    #[serde(default)]
    include: Option<Vec<IncludeEntry>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum IncludeEntry {
    Path(String),
    Long {
        path: StringOrList,
        #[serde(default)]
        #[allow(dead_code)]
        project_directory: Option<IgnoredAny>,
        #[serde(default)]
        #[allow(dead_code)]
        env_file: Option<IgnoredAny>,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum StringOrList {
    One(String),
    Many(Vec<String>),
}

impl StringOrList {
    fn into_vec(self) -> Vec<String> {
        match self {
            StringOrList::One(one) => vec![one],
            StringOrList::Many(many) => many,
        }
    }
}

/// A scalar that may be written as a string or a number (`stop_grace_period: 10`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Integer(i64),
    Float(f64),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Text(text) => text.clone(),
            Scalar::Integer(number) => number.to_string(),
            Scalar::Float(number) => number.to_string(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
#[allow(clippy::zero_sized_map_values)] // only the keys of the long form matter
enum DependsOn {
    List(Vec<String>),
    Map(BTreeMap<String, IgnoredAny>),
}

impl DependsOn {
    fn names(&self) -> Vec<String> {
        match self {
            DependsOn::List(list) => list.clone(),
            DependsOn::Map(map) => map.keys().cloned().collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Extends {
    Name(String),
    Spec {
        service: String,
        file: Option<String>,
    },
}

#[derive(Debug, Clone, Default, Deserialize)]
struct Healthcheck {
    #[serde(default)]
    disable: Option<bool>,
    #[serde(default)]
    test: Option<StringOrList>,
}

impl Healthcheck {
    fn enabled(&self) -> bool {
        let disabled_test = match &self.test {
            Some(StringOrList::Many(words)) => words.first().is_some_and(|word| word == "NONE"),
            Some(StringOrList::One(text)) => text.trim() == "NONE",
            None => false,
        };
        !(self.disable.unwrap_or(false) || disabled_test)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
struct RawService {
    #[serde(default)]
    depends_on: Option<DependsOn>,
    #[serde(default)]
    links: Option<Vec<String>>,
    #[serde(default)]
    volumes_from: Option<Vec<String>>,
    #[serde(default)]
    network_mode: Option<String>,
    #[serde(default)]
    ipc: Option<String>,
    #[serde(default)]
    pid: Option<String>,
    #[serde(default)]
    healthcheck: Option<Healthcheck>,
    #[serde(default)]
    profiles: Option<Vec<String>>,
    #[serde(default)]
    extends: Option<Extends>,
    #[serde(default)]
    stop_grace_period: Option<Scalar>,
}

impl RawService {
    /// Fills what `self` does not set from `base` (compose `extends` and
    /// multi-file merging); dependency lists are unions.
    fn inherit(&mut self, base: &RawService) {
        let union = |mine: &mut Option<Vec<String>>, theirs: &Option<Vec<String>>| {
            if let Some(theirs) = theirs {
                let list = mine.get_or_insert_with(Vec::new);
                for item in theirs {
                    if !list.contains(item) {
                        list.push(item.clone());
                    }
                }
            }
        };
        let mut depends = self.depends_on.as_ref().map(DependsOn::names);
        union(
            &mut depends,
            &base.depends_on.as_ref().map(DependsOn::names),
        );
        self.depends_on = depends.map(DependsOn::List);
        union(&mut self.links, &base.links);
        union(&mut self.volumes_from, &base.volumes_from);
        if self.network_mode.is_none() {
            self.network_mode.clone_from(&base.network_mode);
        }
        if self.ipc.is_none() {
            self.ipc.clone_from(&base.ipc);
        }
        if self.pid.is_none() {
            self.pid.clone_from(&base.pid);
        }
        if self.healthcheck.is_none() {
            self.healthcheck.clone_from(&base.healthcheck);
        }
        if self.profiles.is_none() {
            self.profiles.clone_from(&base.profiles);
        }
        if self.stop_grace_period.is_none() {
            self.stop_grace_period.clone_from(&base.stop_grace_period);
        }
    }

    /// Every service this one needs first, explicit and implicit.
    fn dependencies(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let mut add = |name: &str| {
            let name = name.trim();
            if !name.is_empty() && !names.iter().any(|known| known == name) {
                names.push(name.to_string());
            }
        };
        for name in self
            .depends_on
            .as_ref()
            .map(DependsOn::names)
            .unwrap_or_default()
        {
            add(&name);
        }
        for link in self.links.iter().flatten() {
            add(link.split(':').next().unwrap_or(link));
        }
        for source in self.volumes_from.iter().flatten() {
            if !source.starts_with("container:") {
                add(source.split(':').next().unwrap_or(source));
            }
        }
        for mode in [&self.network_mode, &self.ipc, &self.pid]
            .into_iter()
            .flatten()
        {
            if let Some(service) = mode.strip_prefix("service:") {
                add(service);
            }
        }
        names
    }
}

/// One parsed file, with the services of the files it includes first.
struct ParsedFile {
    services: Vec<(String, RawService)>,
}

/// Reads and caches compose files for one project.
#[derive(Default)]
struct Reader {
    parsed: HashMap<PathBuf, std::sync::Arc<ParsedFile>>,
    stack: Vec<PathBuf>,
}

fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                normal.pop();
            }
            std::path::Component::CurDir => {}
            other => normal.push(other),
        }
    }
    normal
}

fn relative_to(base: &Path, reference: &str) -> PathBuf {
    let directory = base.parent().unwrap_or_else(|| Path::new("/"));
    normalize(&directory.join(reference))
}

impl Reader {
    fn file(&mut self, path: &Path) -> Result<std::sync::Arc<ParsedFile>, ComposeError> {
        let path = normalize(path);
        if let Some(parsed) = self.parsed.get(&path) {
            return Ok(parsed.clone());
        }
        if self.stack.contains(&path) {
            let mut chain = self.stack.clone();
            chain.push(path);
            return Err(ComposeError::IncludeCycle { chain });
        }
        let metadata = std::fs::metadata(&path).map_err(|error| ComposeError::Read {
            path: path.clone(),
            error,
        })?;
        if metadata.len() > MAX_FILE_BYTES {
            return Err(ComposeError::TooLarge { path });
        }
        let text = std::fs::read_to_string(&path).map_err(|error| ComposeError::Read {
            path: path.clone(),
            error,
        })?;
        self.stack.push(path.clone());
        let result = self.parse(&path, &text);
        self.stack.pop();
        let parsed = std::sync::Arc::new(result?);
        self.parsed.insert(path, parsed.clone());
        Ok(parsed)
    }

    fn parse(&mut self, path: &Path, text: &str) -> Result<ParsedFile, ComposeError> {
        let raw: RawFile = if text.trim().is_empty() {
            RawFile {
                services: None,
                include: None,
            }
        } else {
            serde_saphyr::from_str_with_options(text, yaml_options()).map_err(|error| {
                ComposeError::Invalid {
                    path: path.to_path_buf(),
                    message: describe(&error),
                }
            })?
        };
        let mut services: Vec<(String, RawService)> = Vec::new();
        for entry in raw.include.unwrap_or_default() {
            let references = match entry {
                IncludeEntry::Path(one) => vec![one],
                IncludeEntry::Long { path, .. } => path.into_vec(),
            };
            for reference in references {
                if reference.contains("://") || reference.starts_with("git@") {
                    return Err(ComposeError::Unsupported {
                        path: path.to_path_buf(),
                        what: format!("the remote include {reference:?}"),
                    });
                }
                if reference.contains('$') {
                    return Err(ComposeError::Unsupported {
                        path: path.to_path_buf(),
                        what: format!("the variable in include path {reference:?}"),
                    });
                }
                let included = match self.file(&relative_to(path, &reference)) {
                    Ok(included) => included,
                    Err(cycle @ ComposeError::IncludeCycle { .. }) => return Err(cycle),
                    Err(error) => {
                        return Err(ComposeError::Included {
                            path: path.to_path_buf(),
                            reference,
                            source: Box::new(error),
                        });
                    }
                };
                for (name, service) in &included.services {
                    merge_into(&mut services, name, service);
                }
            }
        }
        let own: Vec<(String, RawService)> = raw
            .services
            .unwrap_or_default()
            .0
            .into_iter()
            .map(|(name, service)| (name, service.unwrap_or_default()))
            .collect();
        let mut resolved = Vec::with_capacity(own.len());
        for (name, _) in &own {
            let service = Reader::extend(path, &own, name, &mut Vec::new())?;
            resolved.push((name.clone(), service));
        }
        for (name, service) in &resolved {
            merge_into(&mut services, name, service);
        }
        Ok(ParsedFile { services })
    }

    /// Resolves `extends` for `name` among `own` (the services of `path`).
    fn extend(
        path: &Path,
        own: &[(String, RawService)],
        name: &str,
        seen: &mut Vec<(PathBuf, String)>,
    ) -> Result<RawService, ComposeError> {
        let Some((_, service)) = own.iter().find(|(candidate, _)| candidate == name) else {
            return Err(ComposeError::Extends {
                path: path.to_path_buf(),
                service: seen
                    .last()
                    .map(|(_, service)| service.clone())
                    .unwrap_or_default(),
                base: name.to_string(),
                problem: "is not defined there".into(),
            });
        };
        let key = (path.to_path_buf(), name.to_string());
        if seen.contains(&key) {
            return Err(ComposeError::Extends {
                path: path.to_path_buf(),
                service: name.to_string(),
                base: name.to_string(),
                problem: "extends it back (a cycle)".into(),
            });
        }
        seen.push(key);
        let mut service = service.clone();
        if let Some(extends) = service.extends.take() {
            let (base_name, base_file) = match extends {
                Extends::Name(base) => (base, None),
                Extends::Spec { service, file } => (service, file),
            };
            let base = match base_file {
                None => Reader::extend(path, own, &base_name, seen)?,
                Some(file) => {
                    let base_path = relative_to(path, &file);
                    let text = std::fs::read_to_string(&base_path).map_err(|error| {
                        ComposeError::Extends {
                            path: path.to_path_buf(),
                            service: name.to_string(),
                            base: format!("{base_name} in {file}"),
                            problem: format!("cannot be read: {error}"),
                        }
                    })?;
                    let raw: RawFile =
                        serde_saphyr::from_str(&text).map_err(|error| ComposeError::Invalid {
                            path: base_path.clone(),
                            message: describe(&error),
                        })?;
                    let base_own: Vec<(String, RawService)> = raw
                        .services
                        .unwrap_or_default()
                        .0
                        .into_iter()
                        .map(|(name, service)| (name, service.unwrap_or_default()))
                        .collect();
                    Reader::extend(&base_path, &base_own, &base_name, seen)?
                }
            };
            service.inherit(&base);
        }
        seen.pop();
        Ok(service)
    }
}

/// serde-saphyr's limits, minus its alias/anchor ratio heuristic: a compose
/// file where 200 services merge one `x-common` anchor is ordinary, not an
/// attack. The absolute limits (events, aliases, anchor copies) still stop
/// alias bombs.
fn yaml_options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.enforce_alias_anchor_ratio = false;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

/// Merges a service definition into a list, as a later compose file overrides
/// an earlier one.
fn merge_into(services: &mut Vec<(String, RawService)>, name: &str, service: &RawService) {
    match services.iter_mut().find(|(known, _)| known == name) {
        Some((_, existing)) => {
            let mut merged = service.clone();
            merged.inherit(existing);
            *existing = merged;
        }
        None => services.push((name.to_string(), service.clone())),
    }
}

/// serde-saphyr's message is "error: line L column C: why" followed by a
/// snippet; keep it whole: it is what an operator needs to find the mistake.
fn describe(error: &serde_saphyr::Error) -> String {
    let text = error.to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    text.replace(
        "untagged enum DependsOn",
        "`depends_on` (a list or a mapping of service names)",
    )
    .replace(
        "untagged enum StringOrList",
        "a string or a list of strings",
    )
    .replace(
        "untagged enum Extends",
        "`extends` (a service name or {service, file})",
    )
    .replace(
        "untagged enum IncludeEntry",
        "an `include` entry (a path or {path})",
    )
    .replace("untagged enum Scalar", "a duration")
}

/// Parses one compose file's text as if it were at `path` (includes and
/// extends are looked up beside it). For fuzzing and tests.
pub fn parse_text(path: &Path, text: &str) -> Result<Vec<String>, ComposeError> {
    let mut reader = Reader::default();
    let parsed = reader.parse(path, text)?;
    Ok(parsed.services.into_iter().map(|(name, _)| name).collect())
}

/// Compose files read ahead, before it is known which of them are in use
/// (`status` reads them while it waits for Docker's answer).
#[derive(Default)]
pub struct FileSet {
    reader: Reader,
}

impl FileSet {
    /// Reads every file it can; a file that cannot be read is read again (and
    /// its error reported) only if it turns out to be in use.
    pub fn read(files: &[PathBuf]) -> FileSet {
        let mut reader = Reader::default();
        for file in files {
            let _ = reader.file(file);
        }
        FileSet { reader }
    }

    /// The project of `files` used together (like `docker compose -f A -f B`).
    pub fn project(&mut self, files: &[PathBuf]) -> Result<ComposeProject, ComposeError> {
        project_from(&mut self.reader, files)
    }

    /// Every file read so far, included and extended ones too.
    pub fn read_paths(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = self.reader.parsed.keys().cloned().collect();
        paths.sort();
        paths
    }
}

/// Reads compose files used together (like `docker compose -f A -f B`).
pub fn read_project(files: &[PathBuf]) -> Result<ComposeProject, ComposeError> {
    project_from(&mut Reader::default(), files)
}

fn project_from(reader: &mut Reader, files: &[PathBuf]) -> Result<ComposeProject, ComposeError> {
    let mut merged: Vec<(String, RawService)> = Vec::new();
    for file in files {
        let parsed = reader.file(file)?;
        for (name, service) in &parsed.services {
            merge_into(&mut merged, name, service);
        }
    }
    let services = merged
        .into_iter()
        .map(|(name, service)| ComposeService {
            depends_on: service.dependencies(),
            has_healthcheck: service
                .healthcheck
                .as_ref()
                .is_some_and(Healthcheck::enabled),
            profiles: service.profiles.clone().unwrap_or_default(),
            stop_grace_period: service
                .stop_grace_period
                .as_ref()
                .and_then(|scalar| parse_duration(&scalar.text())),
            name,
        })
        .collect();
    Ok(ComposeProject {
        files: files.to_vec(),
        services,
    })
}

#[cfg(test)]
mod tests {
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
        let names: Vec<&str> = project
            .services
            .iter()
            .map(|service| service.name.as_str())
            .collect();
        assert_eq!(names, vec!["db", "api", "worker", "side"]);
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
        let names: Vec<&str> = project
            .services
            .iter()
            .map(|service| service.name.as_str())
            .collect();
        assert_eq!(names, vec!["cache", "api"]);
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
        let error = project_of(&[("c.yml", "services:\n  a: {extends: b}\n  b: {extends: a}\n")])
            .unwrap_err();
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
}

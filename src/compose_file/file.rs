//! Parsing compose files with serde-saphyr (anchors and `<<` merges included),
//! following `include` and `extends` the way the compose specification does,
//! and refusing what hmctl cannot read with the file, the line and why.

use super::error::{ComposeError, MAX_FILE_BYTES};
use super::model::{ComposeProject, ComposeService, parse_duration};
use super::raw::{
    Extends, Healthcheck, IncludeEntry, RawFile, RawService, describe, own_services, yaml_options,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

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
        let own = own_services(raw.services);
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
                    let base_own = own_services(raw.services);
                    Reader::extend(&base_path, &base_own, &base_name, seen)?
                }
            };
            service.inherit(&base);
        }
        seen.pop();
        Ok(service)
    }
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

//! `hmctl logs collect`: one `.tar.gz` for support — `status --json`, each log
//! (capped, newest part kept), the compose files, each group's `config_dir`,
//! `docker inspect` of the group's containers and hmctl's own config — with
//! every secret masked (and, with `--obfuscate`, host names, addresses and
//! user names replaced). Written to a temporary file created exclusively,
//! readable by root alone (0600), beside the target and renamed into place,
//! so a full disk leaves nothing half-written behind and no local user can
//! read it or redirect it through a link.

mod archive;
mod read;

use crate::backend::Backends;
use crate::catalog::{Catalog, Group};
use crate::exit::{Exit, Failure};
use crate::private_file::Directory;
use crate::settings::Settings;
use archive::{Contents, Written};
use read::{modified_time, relative_name, walk_files};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What `logs collect` needs to know.
#[derive(Debug, Clone)]
pub struct Request {
    pub output: Option<PathBuf>,
    /// Leave out log files last written before this instant.
    pub since: Option<jiff::Timestamp>,
    /// At most this much of each log, its newest part.
    pub log_cap: u64,
    /// Replace host names, addresses and user names, keeping the mapping in
    /// a file on the host beside the bundle (never in it).
    pub obfuscate: bool,
}

/// The default cap of each log in the bundle.
pub const DEFAULT_LOG_CAP: u64 = 16 * 1024 * 1024;
/// Config files larger than this are not configuration: left out.
const CONFIG_CAP: u64 = 1024 * 1024;

/// One file of the bundle, as the manifest lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestEntry {
    pub path: String,
    pub source: String,
    pub source_bytes: u64,
    pub included_bytes: u64,
    pub truncated: bool,
    /// How many values were masked in it.
    pub redactions: usize,
}

/// The bundle's list: each file that went in, each left out with why, and
/// what could not be read at all (a daemon not asked, a compose file that
/// does not parse).
#[derive(Debug, Default, Serialize)]
pub struct Manifest {
    pub files: Vec<ManifestEntry>,
    pub skipped: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
}

impl Manifest {
    /// How many values were masked in all.
    pub fn redactions(&self) -> usize {
        self.files.iter().map(|entry| entry.redactions).sum()
    }
}

/// What was written.
#[derive(Debug, Serialize)]
pub struct Bundle {
    pub path: PathBuf,
    #[serde(flatten)]
    pub manifest: Manifest,
    /// With `--obfuscate`: the file on the host that maps each token back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<PathBuf>,
}

async fn group_containers(group: &Group, backends: &mut Backends) -> Option<String> {
    backends
        .for_output(group.backend)
        .await
        .describe(group)
        .await
}

/// Where the bundle goes by default: `/var/tmp/hmctl-logs-HOST-STAMP.tar.gz`.
pub fn default_output(host: &str) -> PathBuf {
    let stamp = jiff::Zoned::now().strftime("%Y%m%d-%H%M%S").to_string();
    PathBuf::from(format!("/var/tmp/hmctl-logs-{host}-{stamp}.tar.gz"))
}

/// Each compose file and each file of each group's `config_dir`, with the
/// name it gets in the bundle.
fn config_files(catalog: &Catalog) -> Vec<(String, PathBuf)> {
    let mut config_files = Vec::new();
    for group in catalog.present_groups() {
        for file in group.files.iter().filter(|file| file.exists()) {
            let name = file
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            config_files.push((format!("{}/compose/{name}", group.name), file.clone()));
        }
        if let Some(config_dir) = &group.config_dir {
            for file in walk_files(config_dir) {
                let relative = relative_name(&file, Some(config_dir));
                config_files.push((format!("{}/config/{relative}", group.name), file));
            }
        }
    }
    config_files
}

/// Asks the daemons and chooses the files: everything the bundle will hold.
/// What could not be read (a daemon, a compose file, status itself) goes
/// into the manifest's `unread`: it never stops the bundle.
async fn gather(
    catalog: &Catalog,
    settings: &Settings,
    request: &Request,
    root: String,
    backends: &Backends,
) -> Result<Contents, Failure> {
    let mut unread = Vec::new();
    let status = match crate::ops::status::status(catalog, settings, &[], backends).await {
        Ok(report) => {
            unread.extend(report.errors.iter().map(|error| error.message.clone()));
            report.to_json()
        }
        Err(failure) => {
            unread.push(format!("hmctl status: {}", failure.message));
            failed_status_json(&failure)
        }
    };
    let mut logs = super::select::select(catalog, None, &[], backends)?.files;
    if let Some(since) = &request.since {
        logs.retain(|file| modified_time(&file.path).is_none_or(|modified| modified >= *since));
    }
    let logs = logs
        .into_iter()
        .map(|file| {
            let log_dir = catalog
                .group(&file.group)
                .and_then(|group| group.log_dir.as_deref());
            (archive::log_name(&file, log_dir), file)
        })
        .collect();
    let mut containers = Vec::new();
    let mut backends = backends.clone();
    for group in catalog.present_groups() {
        if let Some(json) = group_containers(group, &mut backends).await {
            containers.push((group.name.clone(), json));
        }
    }
    Ok(Contents {
        root,
        status,
        catalog_source: catalog.source.clone(),
        config_files: config_files(catalog),
        logs,
        containers,
        log_cap: request.log_cap,
        unread,
    })
}

/// The bundle's `status.json` when status itself failed: still one JSON
/// document, in the shape of `status --json`.
fn failed_status_json(failure: &Failure) -> String {
    let document = serde_json::json!({
        "schema": 1,
        "host": crate::ops::status::host_name(),
        "ok": false,
        "services": [],
        "checks": [],
        "errors": [{"backend": "hmctl", "message": failure.message, "hint": failure.hint}],
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes the bundle. `progress(done, total)` is told as files are added.
pub async fn collect(
    catalog: &Catalog,
    settings: &Settings,
    request: &Request,
    progress: &dyn Fn(usize, usize),
    backends: &Backends,
) -> Result<Bundle, Failure> {
    let host = crate::ops::status::host_name();
    let mut obfuscator = request
        .obfuscate
        .then(|| crate::redact::obfuscate::Obfuscator::new(&host));
    let host = match &mut obfuscator {
        Some(obfuscator) => obfuscator.apply(&host),
        None => host,
    };
    let output = request
        .output
        .clone()
        .unwrap_or_else(|| default_output(&host));
    let (directory_path, name) = crate::private_file::split(&output)
        .map_err(|_| Failure::usage(format!("{} is not a file name", output.display())))?;
    let root = name
        .to_string_lossy()
        .trim_end_matches(".gz")
        .trim_end_matches(".tgz")
        .trim_end_matches(".tar")
        .to_string();
    // Never over a file: refused before anything is gathered (and again,
    // atomically, when the bundle is named).
    let mut taken = vec![output.clone()];
    if request.obfuscate {
        taken.push(mapping_path(&output));
    }
    if let Some(there) = taken.iter().find(|path| path.symlink_metadata().is_ok()) {
        return Err(exists_failure(there));
    }
    // Gather first (daemons asked, files chosen), then write in one go.
    let contents = gather(catalog, settings, request, root, backends).await?;
    let written = Directory::open(&directory_path).and_then(|directory| {
        write_in_place(&directory, &name, &contents, obfuscator, progress)
            .map(|written| (directory, written))
    });
    let (directory, written) =
        written.map_err(|error| write_failure(&output, &directory_path, &error))?;
    let mapping = match written.obfuscator {
        Some(obfuscator) => Some(
            save_mapping(&directory, &name, &obfuscator)
                .map_err(|error| write_failure(&output, &directory_path, &error))?,
        ),
        None => None,
    };
    Ok(Bundle {
        path: output,
        manifest: written.manifest,
        mapping,
    })
}

/// Writes the bundle into a new private temporary file in `directory` and
/// renames it to `name`, never over a file already there (`-o /etc/passwd`
/// must not replace it); on failure removes the temporary file.
fn write_in_place(
    directory: &Directory,
    name: &std::ffi::OsStr,
    contents: &Contents,
    obfuscator: Option<crate::redact::obfuscate::Obfuscator>,
    progress: &dyn Fn(usize, usize),
) -> std::io::Result<Written> {
    let (temporary, file) = directory.create_temporary(name, 0o600)?;
    let result = archive::write_bundle(file, contents, obfuscator, progress).and_then(|written| {
        written.file.sync_all()?;
        directory.rename_new(&temporary, name)?;
        let _ = directory.sync();
        Ok(written)
    });
    if result.is_err() {
        let _ = directory.remove(&temporary);
    }
    result
}

/// Keeps the obfuscation mapping beside the bundle as `NAME.mapping.json`
/// (0600), for the operator to translate the vendor's answer back.
fn save_mapping(
    directory: &Directory,
    name: &std::ffi::OsStr,
    obfuscator: &crate::redact::obfuscate::Obfuscator,
) -> std::io::Result<PathBuf> {
    let mapping_name = mapping_path(Path::new(name)).into_os_string();
    directory.write_new(&mapping_name, obfuscator.mapping_json().as_bytes(), 0o600)?;
    Ok(directory.path.join(mapping_name))
}

/// Where the obfuscation mapping of the bundle `output` is kept.
fn mapping_path(output: &Path) -> PathBuf {
    let mut path = output.as_os_str().to_os_string();
    path.push(".mapping.json");
    PathBuf::from(path)
}

/// A bundle, or its mapping, that would be written over the file `there`.
fn exists_failure(there: &Path) -> Failure {
    Failure::new(
        Exit::OperationFailed,
        format!(
            "cannot write {}: a file of that name is there; it was left as it was",
            there.display()
        ),
    )
    .with_hint("name a new file with -o (hmctl never writes a bundle over a file)")
}

fn write_failure(output: &Path, directory: &Path, error: &std::io::Error) -> Failure {
    let failure = Failure::new(
        Exit::OperationFailed,
        format!(
            "cannot write the bundle {}: {error}; nothing was left behind",
            output.display()
        ),
    );
    if error.kind() == std::io::ErrorKind::AlreadyExists {
        return exists_failure(output);
    }
    if error.raw_os_error() == Some(28) {
        failure.with_hint(format!(
            "free space in {} or choose another place with -o",
            directory.display()
        ))
    } else if crate::private_file::is_unsafe(error) {
        failure.with_hint("choose a real directory with -o")
    } else {
        failure
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A status that failed is still one JSON document in the bundle, even
    /// when its words hold control characters (Rust's debug quoting wrote
    /// `\u{1b}`, which is not JSON).
    #[test]
    fn a_failed_status_is_written_as_json() {
        let failure = Failure::usage("a \u{1b}[31mred\u{1b}[0m \"word\"\n").with_hint("fix it");
        let text = failed_status_json(&failure);
        let document: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(document["schema"], 1);
        assert_eq!(document["ok"], false);
        assert_eq!(document["errors"][0]["message"], failure.message.as_str());
        assert_eq!(document["errors"][0]["hint"], "fix it");
        assert!(text.ends_with("}\n"));
    }

    /// `logs collect --json`: the manifest's lists stand beside the path.
    #[test]
    fn a_bundle_is_reported_in_one_flat_shape() {
        let mut bundle = Bundle {
            path: "/var/tmp/bundle.tar.gz".into(),
            manifest: Manifest {
                files: vec![ManifestEntry {
                    path: "status.json".into(),
                    source: "hmctl status --json".into(),
                    source_bytes: 10,
                    included_bytes: 9,
                    truncated: false,
                    redactions: 1,
                }],
                skipped: vec!["/var/log/a.bin: binary".into()],
                unread: vec![],
            },
            mapping: None,
        };
        let entry = concat!(
            r#"{"path":"status.json","source":"hmctl status --json","#,
            r#""source_bytes":10,"included_bytes":9,"truncated":false,"redactions":1}"#
        );
        let head = format!(
            r#"{{"path":"/var/tmp/bundle.tar.gz","files":[{entry}],"skipped":["/var/log/a.bin: binary"]"#
        );
        assert_eq!(serde_json::to_string(&bundle).unwrap(), format!("{head}}}"));
        bundle.mapping = Some("/root/bundle.mapping".into());
        assert_eq!(
            serde_json::to_string(&bundle).unwrap(),
            format!(r#"{head},"mapping":"/root/bundle.mapping"}}"#)
        );
        assert_eq!(bundle.manifest.redactions(), 1);
    }

    /// A full filesystem under the bundle (ENOSPC): the decision, from the
    /// error the write meets.
    #[test]
    fn a_full_filesystem_names_the_directory_word_for_word() {
        let full = std::io::Error::from_raw_os_error(rustix::io::Errno::NOSPC.raw_os_error());
        let failure = write_failure(
            Path::new("/var/tmp/bundle.tar.gz"),
            Path::new("/var/tmp"),
            &full,
        );
        assert_eq!(
            (
                failure.exit,
                failure.message.as_str(),
                failure.hint.as_deref()
            ),
            (
                Exit::OperationFailed,
                "cannot write the bundle /var/tmp/bundle.tar.gz: No space left on device (os error 28); nothing was left behind",
                Some("free space in /var/tmp or choose another place with -o"),
            )
        );
    }
}

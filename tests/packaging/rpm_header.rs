//! A reader of an .rpm's lead, signature header and header, written from the
//! file format (rpm's doc/manual/format.md), so that what RPM 4.11 (CentOS /
//! RHEL 7, SLES 12) and RPM 4.4 (SLES 11) would find in the package is
//! checked without the build host's newer rpm, which reads anything.

use std::collections::HashMap;

const LEAD_SIZE: usize = 96;
const LEAD_MAGIC: [u8; 4] = [0xed, 0xab, 0xee, 0xdb];
const HEADER_MAGIC: [u8; 3] = [0x8e, 0xad, 0xe8];

pub const SIGNATURE_SHA1: u32 = 269;
pub const SIGNATURE_MD5: u32 = 1004;
pub const REQUIRE_NAME: u32 = 1049;
pub const REQUIRE_VERSION: u32 = 1050;
pub const PAYLOAD_FORMAT: u32 = 1124;
pub const PAYLOAD_COMPRESSOR: u32 = 1125;
pub const FILE_DIGEST_ALGORITHM: u32 = 5011;
/// 64-bit file sizes: needs `rpmlib(LargeFiles)`, which RPM 4.11 lacks.
pub const LONG_FILE_SIZES: u32 = 5008;
pub const LONG_SIZE: u32 = 5009;

/// One tag's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Integers(Vec<u64>),
    Strings(Vec<String>),
    Binary(Vec<u8>),
}

impl Value {
    pub fn strings(&self) -> &[String] {
        match self {
            Value::Strings(strings) => strings,
            other => panic!("not strings: {other:?}"),
        }
    }

    pub fn integers(&self) -> &[u64] {
        match self {
            Value::Integers(integers) => integers,
            other => panic!("not integers: {other:?}"),
        }
    }
}

/// A header structure: its tags, and where it ended in the file.
pub struct Header {
    pub tags: HashMap<u32, Value>,
    pub end: usize,
}

/// The parts of a package.
pub struct Package {
    pub lead_major: u8,
    pub signature: Header,
    pub header: Header,
    /// The first bytes of the (compressed) payload.
    pub payload_start: Vec<u8>,
}

fn be32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap())
}

/// Reads a header structure that starts at `start`.
fn header(bytes: &[u8], start: usize) -> Header {
    assert_eq!(
        bytes[start..start + 3],
        HEADER_MAGIC,
        "header magic at {start}"
    );
    assert_eq!(bytes[start + 3], 1, "header version");
    let entries = be32(bytes, start + 8) as usize;
    let store_size = be32(bytes, start + 12) as usize;
    let index = start + 16;
    let store = index + entries * 16;
    let mut tags = HashMap::new();
    for entry in 0..entries {
        let at = index + entry * 16;
        let (tag, kind) = (be32(bytes, at), be32(bytes, at + 4));
        let (offset, count) = (be32(bytes, at + 8) as usize, be32(bytes, at + 12) as usize);
        tags.insert(
            tag,
            value(&bytes[store..store + store_size], kind, offset, count),
        );
    }
    Header {
        tags,
        end: store + store_size,
    }
}

fn value(store: &[u8], kind: u32, offset: usize, count: usize) -> Value {
    let integers = |width: usize| {
        Value::Integers(
            (0..count)
                .map(|index| {
                    let at = offset + index * width;
                    store[at..at + width]
                        .iter()
                        .fold(0u64, |sum, byte| (sum << 8) | u64::from(*byte))
                })
                .collect(),
        )
    };
    match kind {
        1 | 2 => integers(1),
        3 => integers(2),
        4 => integers(4),
        5 => integers(8),
        // STRING, STRING_ARRAY, I18NSTRING: NUL-terminated strings.
        6 | 8 | 9 => {
            let count = if kind == 6 { 1 } else { count };
            Value::Strings(
                store[offset..]
                    .split(|byte| *byte == 0)
                    .take(count)
                    .map(|text| String::from_utf8_lossy(text).into_owned())
                    .collect(),
            )
        }
        7 => Value::Binary(store[offset..offset + count].to_vec()),
        other => panic!("unknown tag type {other}"),
    }
}

/// Reads a whole .rpm file.
pub fn read(bytes: &[u8]) -> Package {
    assert_eq!(bytes[..4], LEAD_MAGIC, "not an rpm (lead magic)");
    let signature = header(bytes, LEAD_SIZE);
    // The signature header is padded to a multiple of 8 bytes.
    let header_start = signature.end.div_ceil(8) * 8;
    let header = header(bytes, header_start);
    let payload_start = bytes[header.end..(header.end + 6).min(bytes.len())].to_vec();
    Package {
        lead_major: bytes[4],
        signature,
        header,
        payload_start,
    }
}

/// What one release of rpm reads and provides.
pub struct Rpm {
    pub name: &'static str,
    /// The `rpmlib(...)` features it provides, with its version of each, in
    /// the lists of the releases that added them.
    pub features: &'static [&'static [(&'static str, &'static str)]],
    /// The payload compressors it reads (and the magic each payload starts with).
    pub compressors: &'static [(&'static str, &'static [u8])],
    /// The file digest algorithms it knows (tag 5011: 1 MD5, 2 SHA-1, 8
    /// SHA-256); `None`: it reads no such tag and takes every digest for MD5.
    pub digest_algorithms: Option<&'static [u64]>,
}

impl Rpm {
    fn provided(&self, feature: &str) -> Option<&'static str> {
        self.features
            .iter()
            .flat_map(|list| list.iter())
            .find(|(known, _)| *known == feature)
            .map(|(_, version)| *version)
    }
}

/// RPM 4.4's features: lib/rpmlibprov.c of the tag rpm-4.4.2.3-release in
/// rpm-software-management/rpm (SLES 11 ships rpm 4.4.2.3).
const FEATURES_4_4: &[(&str, &str)] = &[
    ("VersionedDependencies", "3.0.3-1"),
    ("CompressedFileNames", "3.0.4-1"),
    ("PayloadIsBzip2", "3.0.5-1"),
    ("PayloadFilesHavePrefix", "4.0-1"),
    ("ExplicitPackageProvide", "4.0-1"),
    ("HeaderLoadSortsTags", "4.0.1-1"),
    ("ScriptletInterpreterArgs", "4.0.3-1"),
    ("PartialHardlinkSets", "4.0.4-1"),
    ("ConcurrentAccess", "4.1-1"),
    ("BuiltinLuaScripts", "4.2.2-1"),
];

/// What RPM 4.8 adds: lib/rpmds.c (rpmlibProvides) of rpm-4.8.0-release.
const FEATURES_4_8: &[(&str, &str)] = &[
    ("PayloadIsXz", "5.2-1"),
    ("PayloadIsLzma", "4.4.2-1"),
    ("FileDigests", "4.6.0-1"),
    ("FileCaps", "4.6.1-1"),
];

/// What RPM 4.11 adds: `rpm --showrc` on CentOS 7, rpmlib/rpmds.c of rpm-4.11.3.
const FEATURES_4_11: &[(&str, &str)] = &[
    ("ScriptletExpansion", "4.9.0-1"),
    ("TildeInVersions", "4.10.0-1"),
];

const GZIP: (&str, &[u8]) = ("gzip", &[0x1f, 0x8b]);
const BZIP2: (&str, &[u8]) = ("bzip2", b"BZh");
const XZ: (&str, &[u8]) = ("xz", &[0xfd, b'7', b'z', b'X', b'Z', 0]);

/// RPM 4.11 (CentOS / RHEL 7).
pub const RPM_4_11: Rpm = Rpm {
    name: "RPM 4.11",
    features: &[FEATURES_4_4, FEATURES_4_8, FEATURES_4_11],
    compressors: &[GZIP, XZ],
    digest_algorithms: Some(&[1, 2, 8]),
};

/// RPM 4.8 (CentOS / RHEL 6).
pub const RPM_4_8: Rpm = Rpm {
    name: "RPM 4.8",
    features: &[FEATURES_4_4, FEATURES_4_8],
    compressors: &[GZIP, BZIP2, XZ],
    digest_algorithms: Some(&[1, 2, 8]),
};

/// RPM 4.4 (SLES 11): lib/psm.c of rpm-4.4.2.3 (PSM_RPMIO_FLAGS) reads a
/// gzip or bzip2 payload and nothing else, and its lib/rpmlib.h has no file
/// digest algorithm tag: tag 1035 is FILEMD5S.
pub const RPM_4_4: Rpm = Rpm {
    name: "RPM 4.4",
    features: &[FEATURES_4_4],
    compressors: &[GZIP, BZIP2],
    digest_algorithms: None,
};

/// Orders two rpm versions made of dot- or dash-separated numbers.
fn version_key(version: &str) -> Vec<u64> {
    version
        .split(['.', '-'])
        .map(|part| part.parse().unwrap_or(u64::MAX))
        .collect()
}

/// What in `package` the payload and file tags ask of `rpm` beyond it.
fn payload_problems(package: &Package, rpm: &Rpm) -> Vec<String> {
    let mut problems = Vec::new();
    let tags = &package.header.tags;
    let compressor = tags
        .get(&PAYLOAD_COMPRESSOR)
        .map_or("gzip".to_string(), |value| value.strings()[0].clone());
    match rpm.compressors.iter().find(|(name, _)| *name == compressor) {
        None => problems.push(format!("payload compressor {compressor}")),
        Some((_, magic)) if !package.payload_start.starts_with(magic) => problems.push(format!(
            "the payload does not start like {compressor}: {:02x?}",
            package.payload_start
        )),
        Some(_) => {}
    }
    if let Some(format) = tags.get(&PAYLOAD_FORMAT)
        && format.strings()[0] != "cpio"
    {
        problems.push(format!("payload format {}", format.strings()[0]));
    }
    if let Some(algorithm) = tags.get(&FILE_DIGEST_ALGORITHM) {
        let algorithm = algorithm.integers()[0];
        match rpm.digest_algorithms {
            Some(known) if !known.contains(&algorithm) => {
                problems.push(format!("file digest algorithm {algorithm}"));
            }
            None if algorithm != 1 => problems.push(format!(
                "file digests by algorithm {algorithm} ({} reads every file digest as MD5)",
                rpm.name
            )),
            _ => {}
        }
    }
    for tag in [LONG_FILE_SIZES, LONG_SIZE] {
        if tags.contains_key(&tag) {
            problems.push(format!(
                "64-bit size tag {tag} (rpmlib(LargeFiles), RPM 4.12)"
            ));
        }
    }
    problems
}

/// What in `package` `rpm` could not read or satisfy; empty when it can.
pub fn problems(package: &Package, rpm: &Rpm) -> Vec<String> {
    let mut problems = Vec::new();
    if package.lead_major != 3 {
        problems.push(format!(
            "lead version {} ({} writes 3)",
            package.lead_major, rpm.name
        ));
    }
    problems.extend(payload_problems(package, rpm));
    let tags = &package.header.tags;
    let names = tags[&REQUIRE_NAME].strings();
    let versions = tags[&REQUIRE_VERSION].strings();
    for (name, version) in names.iter().zip(versions) {
        if name.starts_with('(') {
            problems.push(format!("rich dependency {name} (RPM 4.13)"));
        }
        let Some(feature) = name
            .strip_prefix("rpmlib(")
            .and_then(|rest| rest.strip_suffix(')'))
        else {
            continue;
        };
        match rpm.provided(feature) {
            None => problems.push(format!("{name} <= {version}: {} lacks it", rpm.name)),
            Some(provided) if version_key(version) > version_key(provided) => {
                problems.push(format!("{name} <= {version}: {} has {provided}", rpm.name));
            }
            Some(_) => {}
        }
    }
    problems
}

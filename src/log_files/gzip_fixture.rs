//! For the tests of code that reads rotated logs: writing a gzipped log file,
//! as logrotate leaves one (`porter-api.log.2.gz`).

use std::io::Write;
use std::path::Path;

/// Writes `text` to `path`, gzipped.
pub fn write_gzip(path: &Path, text: &str) {
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::fast(),
    );
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap();
}

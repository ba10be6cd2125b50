//! Sending each history record to the journal too (identifier `hmctl`), so it
//! lands wherever the host already ships its logs. The journal's native
//! protocol, no `logger` and no shell: one datagram of `KEY=value` lines to
//! `/run/systemd/journal/socket` (a value holding a newline goes in the
//! protocol's length-prefixed form). No socket there: skipped silently.

use std::io;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::time::Duration;

/// syslog priorities the records use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    Warning = 4,
    Info = 6,
}

/// The datagram: `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER=hmctl`, then `fields`.
pub fn datagram(message: &str, priority: Priority, fields: &[(&str, String)]) -> Vec<u8> {
    let mut bytes = Vec::new();
    let priority = (priority as u8).to_string();
    let all = [
        ("MESSAGE", message),
        ("PRIORITY", priority.as_str()),
        ("SYSLOG_IDENTIFIER", "hmctl"),
    ];
    let extra = fields.iter().map(|(key, value)| (*key, value.as_str()));
    for (key, value) in all.into_iter().chain(extra) {
        bytes.extend_from_slice(key.as_bytes());
        if value.contains('\n') {
            bytes.push(b'\n');
            bytes.extend_from_slice(&(value.len() as u64).to_le_bytes());
        } else {
            bytes.push(b'=');
        }
        bytes.extend_from_slice(value.as_bytes());
        bytes.push(b'\n');
    }
    bytes
}

/// Sends `bytes` to the journal's socket at `socket`; `Ok` when there is none.
pub fn send(socket: &Path, bytes: &[u8]) -> io::Result<()> {
    let sender = UnixDatagram::unbound()?;
    sender.set_write_timeout(Some(Duration::from_millis(200)))?;
    match sender.send_to(bytes, socket) {
        Ok(_) => Ok(()),
        Err(error)
            if matches!(
                error.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
            ) =>
        {
            Ok(())
        }
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_datagram_is_key_value_lines_and_a_newline_is_length_prefixed() {
        let bytes = datagram(
            "alice (pts/1) began: hmctl restart porter-api",
            Priority::Info,
            &[("HMCTL_STEPS", "restart a\nrestart b".to_string())],
        );
        let mut expected = b"MESSAGE=alice (pts/1) began: hmctl restart porter-api\nPRIORITY=6\nSYSLOG_IDENTIFIER=hmctl\nHMCTL_STEPS\n".to_vec();
        expected.extend_from_slice(&19u64.to_le_bytes());
        expected.extend_from_slice(b"restart a\nrestart b\n");
        assert_eq!(bytes, expected);
    }

    /// The sandbox host has no journald: the datagram goes to a socket the
    /// test binds, as journald's would receive it.
    #[test]
    fn it_reaches_a_bound_socket_and_an_absent_one_is_skipped() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("socket");
        let journal = UnixDatagram::bind(&path).unwrap();
        let bytes = datagram("hello", Priority::Warning, &[]);
        send(&path, &bytes).unwrap();
        let mut received = vec![0u8; 256];
        let length = journal.recv(&mut received).unwrap();
        assert_eq!(&received[..length], bytes.as_slice());
        assert_eq!(
            String::from_utf8_lossy(&received[..length]),
            "MESSAGE=hello\nPRIORITY=4\nSYSLOG_IDENTIFIER=hmctl\n"
        );
        send(&directory.path().join("absent"), &bytes).unwrap();
    }
}

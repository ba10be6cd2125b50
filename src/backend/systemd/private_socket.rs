//! systemd's private socket, read so that zbus can talk on it. There systemd
//! signs what it sends with the sender `org.freedesktop.systemd1` (a bus
//! name, so that a client takes it for systemd on a bus), and zbus 5 accepts
//! only a unique name in that field: it panics on reading such a header
//! (z-galaxy/zbus#1497, open). This reader passes the authentication lines
//! through, then reads whole messages and gives a sender that is not a unique
//! name one of the same length (`:1.000…`), in place, before zbus sees it.
//!
//! And the writer sends `BEGIN` with `AUTH`, as systemctl's sd-bus does: the
//! systemd of Debian 12 leaves a first message that arrives in the same read
//! as `BEGIN` unread until more input comes (zbus sends `BEGIN` after `OK`,
//! then at once its first call), so a connection would hang now and then.

use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use zbus::connection::socket::{BoxedSplit, ReadHalf, Split, WriteHalf};

/// The fixed part of a D-Bus message header.
const PRIMARY_HEADER: usize = 16;
/// The header field that names the sender.
const SENDER_FIELD: u8 = 7;

/// The read half of a connection to systemd's private socket.
#[derive(Debug)]
struct SystemdReader {
    inner: tokio::net::unix::OwnedReadHalf,
    /// Still in the authentication (text lines): the line read so far.
    authenticating: Option<Vec<u8>>,
    /// A message read and mended, not yet handed to zbus.
    pending: Vec<u8>,
    /// Bytes read from the socket that do not make a whole message yet. Kept
    /// here, not in a local of the reading future, so that a read cancelled
    /// half-way loses nothing (each await only appends what a finished read
    /// returned), and so that what follows systemd's `OK` line in the same
    /// read is the start of the first message.
    incoming: Vec<u8>,
}

/// A connected private socket, ready for `zbus::connection::Builder::socket`.
pub fn split(stream: tokio::net::UnixStream) -> BoxedSplit {
    let (read, write) = stream.into_split();
    let read: Box<dyn ReadHalf> = Box::new(SystemdReader {
        inner: read,
        authenticating: Some(Vec::new()),
        pending: Vec::new(),
        incoming: Vec::new(),
    });
    let write: Box<dyn WriteHalf> = Box::new(SystemdWriter {
        inner: write,
        began: false,
    });
    Split::new(read, write)
}

/// The write half: `BEGIN` goes out with `AUTH`, zbus's own `BEGIN` is dropped.
#[derive(Debug)]
struct SystemdWriter {
    inner: tokio::net::unix::OwnedWriteHalf,
    began: bool,
}

const BEGIN: &[u8] = b"BEGIN\r\n";

#[async_trait::async_trait]
impl WriteHalf for SystemdWriter {
    async fn sendmsg(&mut self, buffer: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<usize> {
        if !self.began && buffer.starts_with(b"\0AUTH ") && buffer.ends_with(b"\r\n") {
            let mut pipelined = buffer.to_vec();
            pipelined.extend_from_slice(BEGIN);
            let mut sent = 0;
            while sent < pipelined.len() {
                sent += self.inner.sendmsg(&pipelined[sent..], fds).await?;
            }
            self.began = true;
            return Ok(buffer.len());
        }
        if self.began && buffer == BEGIN {
            return Ok(buffer.len());
        }
        self.inner.sendmsg(buffer, fds).await
    }

    async fn close(&mut self) -> io::Result<()> {
        self.inner.close().await
    }
}

impl SystemdReader {
    /// Reads until `incoming` holds one whole message, then moves it, its
    /// sender mended, into `pending`.
    async fn read_message(&mut self) -> io::Result<()> {
        loop {
            if self.incoming.len() >= PRIMARY_HEADER {
                let length = message_length(&self.incoming).ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidData, "not a D-Bus message")
                })?;
                if self.incoming.len() >= length {
                    let rest = self.incoming.split_off(length);
                    let mut message = std::mem::replace(&mut self.incoming, rest);
                    give_sender_a_unique_name(&mut message);
                    self.pending = message;
                    return Ok(());
                }
            }
            let mut chunk = [0; 4096];
            let (read, _) = self.inner.recvmsg(&mut chunk).await?;
            if read == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.incoming.extend_from_slice(&chunk[..read]);
        }
    }
}

#[async_trait::async_trait]
impl ReadHalf for SystemdReader {
    async fn recvmsg(&mut self, buffer: &mut [u8]) -> io::Result<(usize, Vec<OwnedFd>)> {
        if let Some(line) = &mut self.authenticating {
            let (read, fds) = self.inner.recvmsg(buffer).await?;
            for (at, byte) in buffer[..read].iter().enumerate() {
                line.push(*byte);
                if *byte == b'\n' {
                    // `OK <guid>` ends systemd's part of the authentication;
                    // what came with it belongs to the first message.
                    let done = line.starts_with(b"OK ");
                    line.clear();
                    if done {
                        self.authenticating = None;
                        self.incoming.extend_from_slice(&buffer[at + 1..read]);
                        return Ok((at + 1, fds));
                    }
                }
            }
            return Ok((read, fds));
        }
        if self.pending.is_empty() {
            self.read_message().await?;
        }
        let count = buffer.len().min(self.pending.len());
        buffer[..count].copy_from_slice(&self.pending[..count]);
        self.pending.drain(..count);
        Ok((count, Vec::new()))
    }

    /// No descriptors: the reader hands out bytes only (systemd sends none
    /// for what hmctl asks).
    fn can_pass_unix_fd(&self) -> bool {
        false
    }
}

fn read_u32(bytes: &[u8], at: usize, little_endian: bool) -> Option<usize> {
    let raw: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    let value = if little_endian {
        u32::from_le_bytes(raw)
    } else {
        u32::from_be_bytes(raw)
    };
    usize::try_from(value).ok()
}

fn padded(at: usize, alignment: usize) -> usize {
    at.next_multiple_of(alignment)
}

/// The whole length of a message from its primary header.
fn message_length(header: &[u8]) -> Option<usize> {
    let little_endian = match header.first()? {
        b'l' => true,
        b'B' => false,
        _ => return None,
    };
    let body = read_u32(header, 4, little_endian)?;
    let fields = read_u32(header, 12, little_endian)?;
    Some(padded(PRIMARY_HEADER + fields, 8) + body)
}

/// Replaces a sender that is not a unique name (`org.freedesktop.systemd1`)
/// with a unique name of the same length; whether it did.
fn give_sender_a_unique_name(message: &mut [u8]) -> bool {
    let Some(little_endian) = message.first().map(|byte| *byte == b'l') else {
        return false;
    };
    let Some(fields_end) =
        read_u32(message, 12, little_endian).map(|fields| PRIMARY_HEADER + fields)
    else {
        return false;
    };
    let mut at = PRIMARY_HEADER;
    while at < fields_end.min(message.len()) {
        at = padded(at, 8);
        let (Some(code), Some(signature_length)) = (message.get(at), message.get(at + 1)) else {
            return false;
        };
        let code = *code;
        let signature_start = at + 2;
        let signature_length = usize::from(*signature_length);
        let signature = message
            .get(signature_start..signature_start + signature_length)
            .map(<[u8]>::to_vec);
        at = signature_start + signature_length + 1;
        match signature.as_deref() {
            Some(b"s" | b"o") => {
                at = padded(at, 4);
                let Some(length) = read_u32(message, at, little_endian) else {
                    return false;
                };
                let text = at + 4;
                if code == SENDER_FIELD && length >= 4 && message.get(text) != Some(&b':') {
                    let Some(name) = message.get_mut(text..text + length) else {
                        return false;
                    };
                    name[..3].copy_from_slice(b":1.");
                    name[3..].fill(b'0');
                    return true;
                }
                at = text + length + 1;
            }
            Some(b"g") => {
                let Some(length) = message.get(at) else {
                    return false;
                };
                at += usize::from(*length) + 2;
            }
            Some(b"u") => at = padded(at, 4) + 4,
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A method return as systemd sends it on its private socket.
    fn reply_from_systemd(sender: &str) -> Vec<u8> {
        let reply = zbus::message::Message::method_call("/", "LoadUnit")
            .unwrap()
            .build(&())
            .unwrap();
        let message = zbus::message::Message::method_return(&reply.header())
            .unwrap()
            .sender(sender)
            .unwrap()
            .build(&("/org/freedesktop/systemd1/unit/s3block_2eservice",))
            .unwrap();
        message.data().bytes().to_vec()
    }

    /// What systemd sends, read through the reader: the `OK` line alone, then
    /// whole messages, however the bytes were cut into reads (the line and
    /// the first message in one read, a message in many).
    async fn read_through(chunks: Vec<Vec<u8>>, wanted: usize) -> (Vec<u8>, Vec<u8>) {
        use tokio::io::AsyncWriteExt;
        let (ours, mut theirs) = tokio::net::UnixStream::pair().unwrap();
        let (read, _write) = ours.into_split();
        let mut reader = SystemdReader {
            inner: read,
            authenticating: Some(Vec::new()),
            pending: Vec::new(),
            incoming: Vec::new(),
        };
        let writer = tokio::spawn(async move {
            for chunk in chunks {
                theirs.write_all(&chunk).await.unwrap();
                theirs.flush().await.unwrap();
                tokio::task::yield_now().await;
            }
            theirs
        });
        let mut buffer = [0; 64];
        let mut line = Vec::new();
        while !line.ends_with(b"\n") {
            let (read, _) = reader.recvmsg(&mut buffer).await.unwrap();
            line.extend_from_slice(&buffer[..read]);
        }
        let mut messages = Vec::new();
        while messages.len() < wanted {
            let (read, _) = reader.recvmsg(&mut buffer).await.unwrap();
            messages.extend_from_slice(&buffer[..read]);
        }
        drop(writer.await.unwrap());
        (line, messages)
    }

    #[tokio::test]
    async fn messages_are_whole_however_the_reads_cut_them() {
        let message = reply_from_systemd(":1.abcdefghijklmnopqrstu");
        let mut stream = b"OK 0123456789abcdef\r\n".to_vec();
        stream.extend_from_slice(&message);
        stream.extend_from_slice(&message);
        let two = [message.clone(), message.clone()].concat();
        // The line and both messages in one read.
        let (line, messages) = read_through(vec![stream.clone()], two.len()).await;
        assert_eq!(line, b"OK 0123456789abcdef\r\n");
        assert_eq!(messages, two);
        // Three bytes at a time.
        let chunks = stream.chunks(3).map(<[u8]>::to_vec).collect();
        let (line, messages) = read_through(chunks, two.len()).await;
        assert_eq!(line, b"OK 0123456789abcdef\r\n");
        assert_eq!(messages, two);
    }

    #[test]
    fn systemd_s_bus_name_as_sender_becomes_a_unique_name_of_its_length() {
        // zbus builds only with a unique name there; systemd writes its bus
        // name, of the same length as this one.
        let stand_in = ":1.abcdefghijklmnopqrstu";
        let name = "org.freedesktop.systemd1";
        assert_eq!(stand_in.len(), name.len());
        let mut message = reply_from_systemd(stand_in);
        let at = message
            .windows(name.len())
            .position(|window| window == stand_in.as_bytes())
            .unwrap();
        message[at..at + name.len()].copy_from_slice(name.as_bytes());
        assert_eq!(message_length(&message), Some(message.len()));

        assert!(give_sender_a_unique_name(&mut message));
        assert_eq!(&message[at..at + name.len()], b":1.000000000000000000000");
        // Already a unique name: left as it is.
        let before = message.clone();
        assert!(!give_sender_a_unique_name(&mut message));
        assert_eq!(message, before);
    }
}

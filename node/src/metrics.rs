//! What a service process costs: bytes on the wire (TLS records, headers
//! and handshakes included) beside the payload bytes of the frames it
//! carried, CPU time and peak memory.
//!
//! The counters are process-wide (one process runs one service). Every TCP
//! stream the transport opens or accepts is wrapped in [`Metered`], which
//! counts the bytes the kernel took and gave; the frame codec counts the
//! application bytes. CPU time and peak memory come from `/proc/self`
//! (Linux; `None` elsewhere).

use serde::Serialize;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The process-wide counters.
#[derive(Debug)]
pub struct Counters {
    wire_sent: AtomicU64,
    wire_received: AtomicU64,
    payload_sent: AtomicU64,
    payload_received: AtomicU64,
    frames_sent: AtomicU64,
    frames_received: AtomicU64,
}

/// This process's counters.
pub static COUNTERS: Counters = Counters {
    wire_sent: AtomicU64::new(0),
    wire_received: AtomicU64::new(0),
    payload_sent: AtomicU64::new(0),
    payload_received: AtomicU64::new(0),
    frames_sent: AtomicU64::new(0),
    frames_received: AtomicU64::new(0),
};

impl Counters {
    /// Counts a frame sent (its length prefix, tag and payload).
    pub fn frame_sent(&self, bytes: usize) {
        self.frames_sent.fetch_add(1, Ordering::Relaxed);
        self.payload_sent.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// Counts a frame received.
    pub fn frame_received(&self, bytes: usize) {
        self.frames_received.fetch_add(1, Ordering::Relaxed);
        self.payload_received
            .fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

/// A TCP stream (or any stream) whose bytes are counted in [`COUNTERS`].
#[derive(Debug)]
pub struct Metered<S> {
    inner: S,
}

impl<S> Metered<S> {
    /// Wraps a stream.
    pub fn new(inner: S) -> Self {
        Metered { inner }
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Metered<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len().saturating_sub(before);
        COUNTERS
            .wire_received
            .fetch_add(n as u64, Ordering::Relaxed);
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Metered<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &r {
            COUNTERS.wire_sent.fetch_add(*n as u64, Ordering::Relaxed);
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = &r {
            COUNTERS.wire_sent.fetch_add(*n as u64, Ordering::Relaxed);
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The counters and the process's resource use at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// Bytes written to sockets (TLS included).
    pub wire_sent: u64,
    /// Bytes read from sockets.
    pub wire_received: u64,
    /// Frame bytes sent (length prefix, tag, payload).
    pub payload_sent: u64,
    /// Frame bytes received.
    pub payload_received: u64,
    /// Frames sent.
    pub frames_sent: u64,
    /// Frames received.
    pub frames_received: u64,
    /// User plus system CPU time, milliseconds.
    pub cpu_ms: Option<u64>,
    /// Peak resident memory (VmHWM), KiB.
    pub max_rss_kib: Option<u64>,
}

/// USER_HZ, the unit of `/proc/<pid>/stat` times: 100 on every Linux ABI.
const USER_HZ: u64 = 100;

/// User plus system time of this process from `/proc/self/stat`.
fn cpu_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name is in parentheses and may contain spaces.
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3 of the man page, utime 14, stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) * 1000 / USER_HZ)
}

/// Peak resident set size from `/proc/self/status`.
fn max_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Reads the counters and resource use now.
pub fn snapshot() -> Snapshot {
    let c = &COUNTERS;
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    Snapshot {
        wire_sent: get(&c.wire_sent),
        wire_received: get(&c.wire_received),
        payload_sent: get(&c.payload_sent),
        payload_received: get(&c.payload_received),
        frames_sent: get(&c.frames_sent),
        frames_received: get(&c.frames_received),
        cpu_ms: cpu_ms(),
        max_rss_kib: max_rss_kib(),
    }
}

/// Writes a snapshot as JSON to `path` (written to a temporary file, then
/// renamed, so a reader never sees half a file).
pub fn write_snapshot(path: &Path, party: &str) -> io::Result<()> {
    #[derive(Serialize)]
    struct File<'a> {
        party: &'a str,
        #[serde(flatten)]
        snapshot: Snapshot,
    }
    let text = serde_json::to_string_pretty(&File {
        party,
        snapshot: snapshot(),
    })
    .map_err(io::Error::other)?;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn metered_streams_count_both_directions() {
        let before = snapshot();
        let (a, b) = tokio::io::duplex(64);
        let (mut a, mut b) = (Metered::new(a), Metered::new(b));
        a.write_all(&[7u8; 40]).await.unwrap();
        let mut got = [0u8; 40];
        b.read_exact(&mut got).await.unwrap();
        let after = snapshot();
        // Other tests may run concurrently: at least our bytes were counted.
        assert!(after.wire_sent >= before.wire_sent + 40);
        assert!(after.wire_received >= before.wire_received + 40);
    }

    #[test]
    fn proc_figures_are_read_on_linux() {
        if cfg!(target_os = "linux") {
            let s = snapshot();
            assert!(s.max_rss_kib.is_some_and(|k| k > 0));
            assert!(s.cpu_ms.is_some());
        }
    }
}

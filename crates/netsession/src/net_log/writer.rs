//! The background thread that writes a log file, in Chromium's `FileNetLogObserver` layout.
//!
//! ```text
//! {"constants":{...},\n
//! "events": [\n
//! {event},\n          <- every event is followed by ",\n" as soon as it is written
//! {event},\n
//! ```
//!
//! At stop the last `",\n"` is overwritten by `],\n"polledData": {}\n}\n`, as Chromium does.
//! Until then the file is always a prefix that the viewer repairs (cut at the last `",\n"`,
//! append `]}`) into valid JSON.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;

use tokio::sync::oneshot;

/// What ends the file, written over the last event's `",\n"`.
pub(crate) const CLOSING: &str = "],\n\"polledData\": {}\n}\n";

/// Events waiting for the thread beyond this many bytes are dropped, so that a stalled
/// disk cannot grow the process without bound.
const MAX_QUEUED_BYTES: usize = 64 << 20;

enum Command {
    Event(String),
    #[cfg(test)]
    Flush(oneshot::Sender<()>),
    Stop(oneshot::Sender<()>),
}

/// The handle of a running writer thread. Dropping it without [`Writer::stop`] still ends
/// the file properly (the thread sees the channel close).
#[derive(Debug)]
pub(crate) struct Writer {
    commands: mpsc::Sender<Command>,
    queued_bytes: Arc<AtomicUsize>,
}

impl Writer {
    /// Starts the thread, which writes `header` and then the events it is sent.
    pub(crate) fn spawn(
        file: File,
        header: String,
        max_file_size: Option<u64>,
    ) -> io::Result<Self> {
        let (commands, receiver) = mpsc::channel();
        let queued_bytes = Arc::new(AtomicUsize::new(0));
        let queued = Arc::clone(&queued_bytes);
        thread::Builder::new()
            .name("netsession-netlog".into())
            .spawn(move || {
                run(
                    FileWriter::new(file, max_file_size),
                    &header,
                    &receiver,
                    &queued,
                )
            })?;
        Ok(Self {
            commands,
            queued_bytes,
        })
    }

    /// Queues one event (its JSON, without the separator). Never blocks.
    pub(crate) fn event(&self, json: String) {
        let len = json.len();
        if self.queued_bytes.fetch_add(len, Ordering::Relaxed) > MAX_QUEUED_BYTES {
            self.queued_bytes.fetch_sub(len, Ordering::Relaxed);
            tracing::debug!("the net log writer is behind: an event was dropped");
            return;
        }
        if self.commands.send(Command::Event(json)).is_err() {
            self.queued_bytes.fetch_sub(len, Ordering::Relaxed);
        }
    }

    /// Asks for everything queued so far to be written to the file; the receiver completes
    /// when it is (tests read the file while logging).
    #[cfg(test)]
    pub(crate) fn flush(&self) -> Option<oneshot::Receiver<()>> {
        let (reply, done) = oneshot::channel();
        self.commands.send(Command::Flush(reply)).ok()?;
        Some(done)
    }

    /// Writes the queued events and the end of the file, closes it, then returns.
    pub(crate) async fn stop(self) {
        let (reply, done) = oneshot::channel();
        if self.commands.send(Command::Stop(reply)).is_err() {
            tracing::warn!("the net log writer thread is gone; the log may be incomplete");
            return;
        }
        // An error means the thread is gone, which it reported itself.
        let _ = done.await;
    }
}

fn run(
    mut writer: FileWriter,
    header: &str,
    receiver: &mpsc::Receiver<Command>,
    queued_bytes: &AtomicUsize,
) {
    writer.write_header(header);
    while let Ok(command) = receiver.recv() {
        let mut next = Some(command);
        // Drain what is queued, then flush: the file trails the events by one burst at most.
        while let Some(command) = next.take() {
            match command {
                Command::Event(json) => {
                    queued_bytes.fetch_sub(json.len(), Ordering::Relaxed);
                    writer.write_event(&json);
                }
                #[cfg(test)]
                Command::Flush(reply) => {
                    writer.flush();
                    let _ = reply.send(());
                }
                Command::Stop(reply) => {
                    writer.finish();
                    let _ = reply.send(());
                    return;
                }
            }
            next = receiver.try_recv().ok();
        }
        writer.flush();
    }
    // Every handle was dropped without a stop (the NetLog went away while logging).
    writer.finish();
}

/// The file and what has been written to it.
struct FileWriter {
    out: BufWriter<File>,
    /// Bytes handed to `out` (the file's length once flushed).
    written: u64,
    max_file_size: Option<u64>,
    wrote_events: bool,
    /// `max_file_size` was reached: every later event is dropped.
    full: bool,
    dropped: u64,
    /// An I/O error happened: nothing more is written.
    failed: bool,
}

impl FileWriter {
    fn new(file: File, max_file_size: Option<u64>) -> Self {
        Self {
            out: BufWriter::with_capacity(64 << 10, file),
            written: 0,
            max_file_size,
            wrote_events: false,
            full: false,
            dropped: 0,
            failed: false,
        }
    }

    fn check(&mut self, result: io::Result<()>) -> bool {
        if let Err(error) = result {
            tracing::warn!(%error, "writing the net log failed; it ends here");
            self.failed = true;
        }
        !self.failed
    }

    fn write(&mut self, bytes: &[u8]) -> bool {
        if self.failed {
            return false;
        }
        let result = self.out.write_all(bytes);
        if self.check(result) {
            self.written += bytes.len() as u64;
        }
        !self.failed
    }

    fn write_header(&mut self, header: &str) {
        self.write(header.as_bytes());
    }

    fn write_event(&mut self, json: &str) {
        if self.full || self.failed {
            self.dropped += 1;
            return;
        }
        let len = json.len() as u64 + 2;
        if let Some(max) = self.max_file_size {
            if self.written.saturating_add(len) > max {
                tracing::debug!(
                    max,
                    "the net log reached its maximum size; later events are dropped"
                );
                self.full = true;
                self.dropped += 1;
                return;
            }
        }
        if self.write(json.as_bytes()) && self.write(b",\n") {
            self.wrote_events = true;
        }
    }

    fn flush(&mut self) {
        if !self.failed {
            let result = self.out.flush();
            self.check(result);
        }
    }

    /// Replaces the last `",\n"` with the closing, as Chromium's `FileWriter::Stop`.
    fn finish(mut self) {
        if self.dropped > 0 {
            tracing::debug!(dropped = self.dropped, "net log events were not written");
        }
        if self.failed {
            return;
        }
        if self.wrote_events {
            let position = self.written.saturating_sub(2);
            let result = self.out.seek(SeekFrom::Start(position)).map(drop);
            if !self.check(result) {
                return;
            }
        }
        let result = self.out.write_all(CLOSING.as_bytes());
        if self.check(result) {
            let result = self.out.flush();
            self.check(result);
        }
    }
}

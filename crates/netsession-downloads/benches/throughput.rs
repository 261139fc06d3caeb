//! Whole-process throughput and memory of a large loopback download: this crate against
//! curl and a bare reqwest streaming loop, on the same server.
//!
//! Each side runs as its own process so that `/usr/bin/time -f %M` reports its peak
//! resident memory; `measure.sh` beside this file builds this bench, starts the server and
//! runs the three clients (default 1 GiB, three rounds):
//!
//! ```text
//! crates/netsession-downloads/benches/measure.sh [BYTES] [ROUNDS]
//! ```
//!
//! Modes of this binary: `serve BYTES` (prints its port, serves BYTES to every GET),
//! `ours URL DIR`, `bare URL FILE`. Without a mode (as `cargo bench` and CI run it) it
//! measures a 64 MiB download in one process, for a quick look and to keep the code
//! compiling and running.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::indexing_slicing,
    reason = "a measurement binary: it reports on stdout and fails loudly"
)]

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use netsession_downloads::{DownloadManager, DownloadState};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["serve", bytes] => {
            let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0"))?;
            println!("{}", listener.local_addr()?.port());
            std::io::stdout().flush()?;
            runtime.block_on(serve(listener, bytes.parse()?));
            Ok(())
        }
        ["ours", url, dir] => {
            let (bytes, seconds) = runtime.block_on(ours(url, Path::new(dir)))?;
            report("ours", bytes, seconds);
            Ok(())
        }
        ["bare", url, file] => {
            let (bytes, seconds) = runtime.block_on(bare(url, Path::new(file)))?;
            report("bare reqwest", bytes, seconds);
            Ok(())
        }
        _ => smoke(),
    }
}

fn report(who: &str, bytes: u64, seconds: f64) {
    println!(
        "{who}: {bytes} bytes in {seconds:.3} s = {:.1} MB/s",
        bytes as f64 / seconds / 1e6
    );
}

/// Serves `size` bytes to every request, from one 1 MiB buffer.
async fn serve(listener: TcpListener, size: u64) {
    let chunk: &'static [u8] = Box::leak(vec![b'x'; 1 << 20].into_boxed_slice());
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(async move {
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let header = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nContent-Type: application/octet-stream\r\nETag: \"bench\"\r\nConnection: close\r\n\r\n"
            );
            if stream.write_all(header.as_bytes()).await.is_err() {
                return;
            }
            let mut left = size;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                if stream.write_all(&chunk[..n]).await.is_err() {
                    return;
                }
                left -= n as u64;
            }
            let _ = stream.shutdown().await;
        });
    }
}

async fn ours(url: &str, dir: &Path) -> Result<(u64, f64)> {
    std::fs::create_dir_all(dir)?;
    let manager = DownloadManager::new(dir);
    let start = Instant::now();
    let item = manager.download(url)?;
    let state = item.settled().await;
    let seconds = start.elapsed().as_secs_f64();
    assert_eq!(
        state,
        DownloadState::Completed,
        "{:?}",
        item.interrupt_reason()
    );
    if let Some(path) = item.save_path() {
        std::fs::remove_file(path)?;
    }
    Ok((item.received_bytes(), seconds))
}

/// The peer: the plainest reqwest streaming loop, writing each chunk to the file.
async fn bare(url: &str, file: &Path) -> Result<(u64, f64)> {
    let client = reqwest::Client::new();
    let start = Instant::now();
    let mut response = client.get(url).send().await?;
    let mut out = std::fs::File::create(file)?;
    let mut bytes = 0u64;
    while let Some(chunk) = response.chunk().await? {
        out.write_all(&chunk)?;
        bytes += chunk.len() as u64;
    }
    drop(out);
    let seconds = start.elapsed().as_secs_f64();
    std::fs::remove_file(file)?;
    Ok((bytes, seconds))
}

fn smoke() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let dir = std::env::temp_dir().join(format!("nsdl-bench-{}", std::process::id()));
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/file.bin", listener.local_addr()?);
        tokio::spawn(serve(listener, 64 << 20));
        let (bytes, seconds) = bare(&url, &dir.with_extension("bare")).await?;
        report("bare reqwest (in-process, 64 MiB)", bytes, seconds);
        let (bytes, seconds) = ours(&url, &dir).await?;
        report("ours (in-process, 64 MiB)", bytes, seconds);
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

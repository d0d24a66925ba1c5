//! Streams a generated 200 MB CSV to `POST /v1/postings` on the release server and prints the
//! server's peak RSS (target: under 100 MB) and the throughput.
//!
//! cargo bench -p ingest-api --bench upload                                  (local store)
//! bash tests/with-services cargo bench -p ingest-api --bench upload        (S3 endpoint)
//! UPLOAD_MB=500 cargo bench -p ingest-api --bench upload                   (another size)

mod support;

use std::time::Instant;

use bytes::Bytes;
use support::{HEADER, Server, row, setting};

#[tokio::main]
async fn main() {
    let target_mb: u64 = setting("UPLOAD_MB", 200);
    let target = target_mb * 1_000_000;
    let server = Server::start().await;
    let idle = server.peak_rss_mib();

    // Generated chunk by chunk as it is sent: the client holds one 1 MB chunk at a time.
    let chunks = futures::stream::unfold((0u64, 0u64, true), move |(sent, i, first)| async move {
        if sent >= target {
            return None;
        }
        let mut chunk = String::with_capacity(1 << 20);
        if first {
            chunk.push_str(HEADER);
        }
        let mut i = i;
        while chunk.len() < (1 << 20) - 512 && sent + (chunk.len() as u64) < target {
            chunk.push_str(&row(i));
            i += 1;
        }
        let len = chunk.len() as u64;
        Some((
            Ok::<_, std::io::Error>(Bytes::from(chunk)),
            (sent + len, i, false),
        ))
    });

    let started = Instant::now();
    let response = server
        .upload(&reqwest::Client::new(), reqwest::Body::wrap_stream(chunks))
        .await;
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(status, 202, "{body}");
    let bytes = body["bytes"].as_u64().unwrap();
    println!(
        "upload: {} bytes ({:.1} MB), {} rows, {} rejected",
        bytes,
        bytes as f64 / 1e6,
        body["rows"],
        body["rejected_rows"]
    );
    println!("upload: {secs:.2} s, {:.1} MB/s", bytes as f64 / 1e6 / secs);
    println!(
        "server peak RSS (VmHWM): {:.1} MiB (idle before the upload: {idle:.1} MiB)",
        server.peak_rss_mib()
    );
}

//! Small uploads (a 20-row CSV each) at a fixed concurrency against the release server;
//! prints requests per second and latency percentiles.
//!
//! cargo bench -p ingest-api --bench small_uploads
//! REQUESTS=4000 CONCURRENCY=32 cargo bench -p ingest-api --bench small_uploads

mod support;

use std::time::{Duration, Instant};

use futures::StreamExt;
use support::{HEADER, Server, row, setting};

#[tokio::main]
async fn main() {
    let requests: usize = setting("REQUESTS", 2000);
    let concurrency: usize = setting("CONCURRENCY", 16);
    let server = Server::start().await;
    let mut csv = HEADER.to_owned();
    (0..20).for_each(|i| csv.push_str(&row(i)));
    let http = reqwest::Client::new();

    let started = Instant::now();
    let mut latencies: Vec<Duration> = futures::stream::iter(0..requests)
        .map(|_| async {
            let t = Instant::now();
            let r = server.upload(&http, csv.clone()).await;
            assert_eq!(r.status(), 202);
            t.elapsed()
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let secs = started.elapsed().as_secs_f64();
    latencies.sort();
    let p = |q: f64| {
        latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)].as_secs_f64()
            * 1000.0
    };
    println!(
        "small uploads: {requests} requests of {} bytes at concurrency {concurrency}",
        csv.len()
    );
    println!(
        "small uploads: {:.0} requests/s; latency p50 {:.1} ms, p99 {:.1} ms",
        requests as f64 / secs,
        p(0.5),
        p(0.99)
    );
    println!("server peak RSS (VmHWM): {:.1} MiB", server.peak_rss_mib());
}

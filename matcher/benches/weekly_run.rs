//! The full weekly run, start to loaded rows: a company master in PostgreSQL, one week's
//! postings registered in the store, then `matcher run` (the release binary, as the Batch job
//! runs it) timed from spawn to exit, with its peak resident memory.
//!
//! ```text
//! bash tests/with-services cargo bench -p matcher --bench weekly_run -- <companies.csv> <postings.csv>
//! ```
//! Needs `PG_ADMIN_URL` (a fresh database `${TEST_DB_PREFIX:-matcher_bench}_weekly` is created
//! and dropped). The store is a temporary directory unless `STORE_URL` is set.
//! Targets (2 vCPU / 4 GB): under 60 s wall, under 3 GB peak RSS.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use matcher::db::Db;
use postings::PartnerId;
use postings::intake::{IntakeLimits, ingest};
use postings::store::Store;
use sqlx::Connection;

const PARTNER: &str = "weekly-bench";

#[tokio::main]
async fn main() -> Result<()> {
    // `cargo bench` passes "--bench"; only paths count.
    let args: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    let [companies, postings] = args.as_slice() else {
        bail!("usage: weekly_run <companies.csv> <postings.csv>");
    };
    let admin = std::env::var("PG_ADMIN_URL")
        .context("PG_ADMIN_URL is not set: run under `bash tests/with-services`")?;
    let prefix = std::env::var("TEST_DB_PREFIX").unwrap_or_else(|_| "matcher_bench".into());
    let name = format!("{prefix}_weekly");
    let (base, _) = admin
        .rsplit_once('/')
        .context("PG_ADMIN_URL must end in /<database>")?;
    let url = format!("{base}/{name}");

    let mut conn = sqlx::PgConnection::connect(&admin).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await?;
    let result = bench(&url, companies, postings).await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    result
}

async fn bench(url: &str, companies: &Path, postings: &Path) -> Result<()> {
    let db = Db::connect(url).await?;
    db.migrate().await?;
    let t = Instant::now();
    let imported = db.import_companies_csv(companies).await?;
    println!(
        "import       {:>8.3} s  ({} companies, {} rejected) [set-up, not part of the run]",
        t.elapsed().as_secs_f64(),
        imported.total,
        imported.rejected.len()
    );

    let tmp = tempfile::tempdir()?;
    let store_url = std::env::var("STORE_URL")
        .unwrap_or_else(|_| tmp.path().join("store").display().to_string());
    let store = Store::from_url(&store_url).await?;
    let body = Bytes::from(tokio::fs::read(postings).await?);
    let chunks: Vec<std::io::Result<Bytes>> = (0..body.len())
        .step_by(1 << 20)
        .map(|i| Ok(body.slice(i..body.len().min(i + (1 << 20)))))
        .collect();
    let record = ingest(
        &store,
        &PartnerId::parse(PARTNER)?,
        None,
        futures::stream::iter(chunks),
        IntakeLimits { max_bytes: 1 << 32 },
    )
    .await?;
    println!(
        "upload       {} rows ({} rejected), {} bytes [set-up]",
        record.rows, record.rejected_rows, record.bytes
    );

    let t = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_matcher"))
        .arg("run")
        .env("STORE_URL", &store_url)
        .env("DATABASE_URL", url)
        .env("LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0;
    let status = loop {
        if let Some(kb) = std::fs::read_to_string(&status_file)
            .ok()
            .and_then(|s| vm_hwm_kb(&s))
        {
            peak_kb = peak_kb.max(kb);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let wall = t.elapsed();
    let stdout = std::io::read_to_string(child.stdout.take().context("stdout")?)?;
    if !status.success() {
        bail!("matcher run failed ({status}): {stdout}");
    }
    let summary: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or(""))?;
    let open: i64 = match &db {
        Db::Postgres(pool) => {
            sqlx::query_scalar("SELECT count(*) FROM job_postings WHERE closed_at IS NULL")
                .fetch_one(pool)
                .await?
        }
        Db::Sqlite(_) => unreachable!("the bench runs on PostgreSQL"),
    };
    db.close().await;
    let counts = &summary["counts"];
    println!(
        "matcher run  {:>8.3} s wall, peak RSS {:.0} MB (targets: < 60 s, < 3072 MB)",
        wall.as_secs_f64(),
        peak_kb as f64 / 1024.0
    );
    println!(
        "counts       {} input rows: {} matched, {} unmatched, {} rejected; {} open rows in job_postings",
        counts["input_rows"], counts["matched"], counts["unmatched"], counts["rejected"], open
    );
    println!("summary      {}", summary);
    if counts["matched"].as_i64() != Some(open) {
        bail!(
            "job_postings holds {open} open rows, the run matched {}",
            counts["matched"]
        );
    }
    Ok(())
}

/// `VmHWM:   123456 kB` (the process's peak resident set so far).
fn vm_hwm_kb(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

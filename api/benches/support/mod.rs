//! The release server as a child process, as it runs in a container: its own data directory,
//! one partner, a token, and its peak RSS read from /proc.
#![allow(dead_code, reason = "each bench uses a different part of the helper")]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_ingest-api");
pub const HEADER: &str = "posting_id,company_name,company_address,company_phone,company_url,job_title,employment_type,salary_min,salary_max,work_location,description,posted_at\n";

pub struct Server {
    pub child: Child,
    pub base: String,
    pub token: String,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts `ingest-api serve`. With `AWS_ENDPOINT_URL` set (tests/with-services) the store
    /// is a fresh S3 bucket there; otherwise the embedded default's local directory.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store_url = match std::env::var("AWS_ENDPOINT_URL") {
            Ok(_) => {
                let bucket = format!(
                    "ingest-api-bench-{}",
                    &uuid::Uuid::new_v4().simple().to_string()[..10]
                );
                let sdk = aws_config::load_from_env().await;
                let s3 = aws_sdk_s3::Client::from_conf(
                    aws_sdk_s3::config::Builder::from(&sdk)
                        .force_path_style(true)
                        .build(),
                );
                s3.create_bucket().bucket(&bucket).send().await.unwrap();
                format!("s3://{bucket}")
            }
            Err(_) => dir.path().join("store").display().to_string(),
        };
        let partners = dir.path().join("partners.json");
        let env = |cmd: &mut Command| {
            cmd.env("STORE_URL", &store_url)
                .env("PARTNERS_FILE", &partners)
                .env_remove("PARTNERS_SECRET_ID")
                .env("MAX_UPLOAD_BYTES", (1u64 << 30).to_string())
                .env("LOG_FORMAT", "json")
                .env("RUST_LOG", "warn");
        };
        let run = |args: &[&str]| {
            let mut cmd = Command::new(BIN);
            env(&mut cmd);
            let out = cmd.args(args).output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        };
        run(&["partners", "add", "--id", "bench"]);
        let token = run(&["token", "--partner", "bench", "--ttl", "2h"])
            .trim()
            .to_owned();

        let port = free_port();
        let mut cmd = Command::new(BIN);
        env(&mut cmd);
        let child = cmd
            .args(["serve"])
            .env("PORT", port.to_string())
            .env("BIND_ADDR", "127.0.0.1")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let http = reqwest::Client::new();
        loop {
            if let Ok(r) = http.get(format!("{base}/healthz")).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not become healthy"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        eprintln!("server pid {} on {base}, store {store_url}", child.id());
        Self {
            child,
            base,
            token,
            _dir: dir,
        }
    }

    /// `POST /v1/postings` of a CSV with the server's token.
    pub async fn upload(
        &self,
        http: &reqwest::Client,
        csv: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        http.post(format!("{}/v1/postings", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap()
    }

    /// Peak resident set size of the server process so far (VmHWM), in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        let status =
            std::fs::read_to_string(PathBuf::from(format!("/proc/{}/status", self.child.id())))
                .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A bench's setting from the environment (e.g. `REQUESTS=4000`), else `default`.
pub fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One generated posting row, about 230 bytes, varied so that compression-like shortcuts
/// cannot help.
pub fn row(i: u64) -> String {
    format!(
        "B-{i:09},株式会社ベンチマーク{n},東京都港区芝公園{a}-{b}-{c},03-{p:04}-{q:04},https://bench{n}.example.co.jp,ソフトウェアエンジニア{i},正社員,{lo},{hi},東京都港区,職務内容の説明 {i},2026-01-{d:02}\n",
        n = i % 50_000,
        a = i % 9 + 1,
        b = i % 30 + 1,
        c = i % 20 + 1,
        p = i % 10_000,
        q = (i * 7) % 10_000,
        lo = 3_000_000 + (i % 100) * 10_000,
        hi = 5_000_000 + (i % 100) * 10_000,
        d = i % 28 + 1,
    )
}

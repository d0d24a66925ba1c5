//! The built binary as a child process (`ingest-api serve` on the embedded default), for tests
//! that watch the process from outside: its memory, its log.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use testkit::process::KillOnDrop;

pub const BIN: &str = env!("CARGO_BIN_EXE_ingest-api");

pub struct ServerProcess {
    pub base: String,
    pub dir: tempfile::TempDir,
    child: KillOnDrop,
}

impl ServerProcess {
    /// A command of the binary on this server's local store and partner file.
    pub fn command(dir: &std::path::Path, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.current_dir(dir)
            .env_remove("PARTNERS_SECRET_ID")
            .env_remove("STORE_URL")
            .env_remove("RUST_BACKTRACE")
            .env("LOG_FORMAT", "json")
            .args(args);
        c
    }

    /// Starts `serve` on a free port (the server reports its address in its log) with the
    /// extra environment given.
    pub async fn start(env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("server.log");
        let mut cmd = Self::command(dir.path(), &["serve"]);
        cmd.env("PORT", "0")
            .env("BIND_ADDR", "127.0.0.1")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        let child = KillOnDrop(cmd.spawn().unwrap());
        let addr =
            testkit::process::wait_for_log(&log, "the server to report its address", |text| {
                text.lines().find_map(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).ok()?;
                    (v["message"] == "listening").then(|| v["addr"].as_str().map(str::to_owned))?
                })
            })
            .await;
        Self {
            base: format!("http://{addr}"),
            dir,
            child,
        }
    }

    /// Waits for `find` to find what it looks for in the server's log (JSON lines).
    pub async fn wait_for_log<T>(&self, what: &str, find: impl FnMut(&str) -> Option<T>) -> T {
        testkit::process::wait_for_log(&self.dir.path().join("server.log"), what, find).await
    }

    /// Stops the server and returns its whole log, last line flushed.
    pub fn stop(self) -> String {
        drop(self.child);
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Runs an admin command against the same registry; returns its stdout.
    pub fn admin(&self, args: &[&str]) -> String {
        let out = Self::command(self.dir.path(), args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// `partners add`: the printed client secret.
    pub fn add_partner(&self, id: &str) -> String {
        testkit::process::client_secret(&self.admin(&["partners", "add", "--id", id]))
    }

    pub fn partners_file(&self) -> PathBuf {
        self.dir.path().join(".data/partners.json")
    }

    /// A field of /proc/<pid>/status in bytes (e.g. `VmRSS`, `VmHWM`).
    pub fn memory(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{field}:")))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc status"));
        kib * 1024
    }
}

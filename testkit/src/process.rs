//! Child processes in tests: the built binaries, chromedriver.

use std::path::Path;
use std::process::Child;
use std::time::Duration;

/// A child process stopped when the test ends, however it ends (a failed assertion too), so
/// that no server outlives its test.
pub struct KillOnDrop(pub Child);

impl KillOnDrop {
    pub fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// A port free on loopback now, for programs that cannot report the one they bound.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The client secret in what `ingest-api partners add` printed (`client_secret=…`).
pub fn client_secret(printed: &str) -> String {
    printed
        .lines()
        .find_map(|l| l.strip_prefix("client_secret="))
        .unwrap_or_else(|| panic!("no client secret line in {printed:?}"))
        .to_owned()
}

/// Waits until `find` finds what it looks for in the log file a child process writes (a
/// server's address, a count of request lines), failing after 30 s with the log so far.
pub async fn wait_for_log<T>(
    path: &Path,
    what: &str,
    mut find: impl FnMut(&str) -> Option<T>,
) -> T {
    crate::poll::until_ok(what, Duration::from_secs(30), || {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let found = find(&text).ok_or(text);
        async move { found }
    })
    .await
}

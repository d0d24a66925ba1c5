//! Waiting for something another process or task does, with a deadline instead of a sleep:
//! the test goes on as soon as the thing has happened, and fails with `what` if it never does.

use std::future::Future;
use std::time::{Duration, Instant};

/// How often a condition is checked again.
const INTERVAL: Duration = Duration::from_millis(20);

/// Polls `check` until it returns `Ok`, failing the test after `timeout` with the last `Err`:
/// what was seen instead, so that a failure says more than "timed out".
pub async fn until_ok<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        match check().await {
            Ok(v) => return v,
            Err(seen) => assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; last seen: {seen}"
            ),
        }
        tokio::time::sleep(INTERVAL).await;
    }
}

/// Polls `check` until it returns `Some`, failing the test after `timeout`.
pub async fn until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    until_ok(what, timeout, || {
        let found = check();
        async move { found.await.ok_or_else(|| "nothing yet".to_owned()) }
    })
    .await
}

/// Polls `check` until it holds, failing the test after 30 s.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    until(what, Duration::from_secs(30), || {
        let done = check();
        async move { done.await.then_some(()) }
    })
    .await
}

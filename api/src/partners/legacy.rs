//! Checks of legacy argon2id client-secret hashes (entries made before secrets were stored as
//! SHA-256). Argon2 is memory-hard on purpose (~19 MiB per check): run on the blocking pool,
//! checks spread over many threads and the allocator keeps each thread's memory, so a flood
//! of wrong secrets grows the process by that much per thread. Here they run one at a time
//! on one dedicated thread, in one work buffer it keeps, behind a short queue; a full queue
//! is refused rather than waited on.

use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};

use tokio::sync::oneshot;

use super::PartnerEntry;
use secrecy::{ExposeSecret, SecretString};

/// Checks waiting at most; more are refused (the rate limits keep this rare).
const QUEUE: usize = 32;

type Job = (PartnerEntry, SecretString, oneshot::Sender<bool>);

pub struct LegacyVerifier {
    jobs: SyncSender<Job>,
}

impl LegacyVerifier {
    /// Starts the checking thread; it ends when the verifier is dropped.
    pub fn start() -> std::io::Result<Self> {
        let (jobs, queue) = sync_channel::<Job>(QUEUE);
        std::thread::Builder::new()
            .name("legacy-secret-hash".into())
            .spawn(move || {
                let mut memory = Vec::new();
                for (entry, secret, reply) in queue {
                    let _ = reply.send(entry.verify_legacy_in(secret.expose_secret(), &mut memory));
                }
            })?;
        Ok(Self { jobs })
    }

    /// Whether `secret` matches the entry's argon2 hash; `None` when the queue is full.
    pub async fn verify(&self, entry: PartnerEntry, secret: SecretString) -> Option<bool> {
        let (reply, answer) = oneshot::channel();
        match self.jobs.try_send((entry, secret, reply)) {
            Ok(()) => answer.await.ok(),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => None,
        }
    }
}

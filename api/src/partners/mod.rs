//! The partner registry, read through a cache that is refreshed at an interval: a disabled
//! partner is refused within one interval, without a restart. The local file is also read
//! again as soon as its modification time changes (a `stat` per lookup), so on the embedded
//! default `partners add` / `disable` / `rotate-secret` take effect at once.

mod backend;
mod legacy;
mod model;

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

pub use backend::{Backend, BackendError};
pub use legacy::LegacyVerifier;
pub use model::{AdminError, PartnerEntry, RegistryDoc, SigningKey, Verification};

pub struct Registry {
    backend: Backend,
    refresh: Duration,
    cached: RwLock<Option<Cached>>,
}

struct Cached {
    at: Instant,
    /// The local file's modification time when it was read (None for Secrets Manager).
    modified: Option<SystemTime>,
    doc: Arc<RegistryDoc>,
}

impl Registry {
    pub fn new(backend: Backend, refresh: Duration) -> Self {
        Self {
            backend,
            refresh,
            cached: RwLock::new(None),
        }
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The current document. A failed refresh keeps serving the last good copy (logged), so
    /// a Secrets Manager hiccup does not lock every partner out.
    pub async fn snapshot(&self) -> Result<Arc<RegistryDoc>, BackendError> {
        let modified = self.file_modified().await;
        let stale = {
            let cached = self.cached.read().unwrap_or_else(|e| e.into_inner());
            match &*cached {
                Some(c) if c.at.elapsed() < self.refresh && c.modified == modified => {
                    return Ok(c.doc.clone());
                }
                Some(c) => Some(c.doc.clone()),
                None => None,
            }
        };
        match self.reload().await {
            Ok(doc) => Ok(doc),
            Err(e) => match stale {
                Some(doc) => {
                    tracing::warn!(error = %e, "partner registry refresh failed; using the cached copy");
                    Ok(doc)
                }
                None => Err(e),
            },
        }
    }

    /// Reads the backend now, bypassing the cache (readiness checks, admin commands).
    pub async fn reload(&self) -> Result<Arc<RegistryDoc>, BackendError> {
        // Taken before reading, so that a write during the read is seen next time.
        let modified = self.file_modified().await;
        let doc = Arc::new(self.backend.load().await?.unwrap_or_default());
        self.remember(modified, doc.clone());
        Ok(doc)
    }

    fn remember(&self, modified: Option<SystemTime>, doc: Arc<RegistryDoc>) {
        *self.cached.write().unwrap_or_else(|e| e.into_inner()) = Some(Cached {
            at: Instant::now(),
            modified,
            doc,
        });
    }

    /// The local file's modification time; None for Secrets Manager or a missing file.
    async fn file_modified(&self) -> Option<SystemTime> {
        match &self.backend {
            Backend::File(path) => tokio::fs::metadata(path).await.ok()?.modified().ok(),
            Backend::SecretsManager { .. } => None,
        }
    }

    /// Read, change, write back; the admin commands' one path.
    pub async fn update<T, E>(
        &self,
        change: impl FnOnce(&mut RegistryDoc) -> Result<T, E>,
    ) -> Result<T, UpdateError<E>> {
        let mut doc = self.backend.load().await?.unwrap_or_default();
        let out = change(&mut doc).map_err(UpdateError::Change)?;
        self.backend.save(&doc).await?;
        let modified = self.file_modified().await;
        self.remember(modified, Arc::new(doc));
        Ok(out)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateError<E> {
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error(transparent)]
    Change(E),
}

//! The partner registry, read through a cache that is refreshed at an interval: a disabled
//! partner is refused within one interval, without a restart.

mod backend;
mod model;

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub use backend::{Backend, BackendError};
pub use model::{AdminError, PartnerEntry, RegistryDoc, SigningKey};

pub struct Registry {
    backend: Backend,
    refresh: Duration,
    cached: RwLock<Option<(Instant, Arc<RegistryDoc>)>>,
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
        let stale = {
            let cached = self.cached.read().unwrap_or_else(|e| e.into_inner());
            match &*cached {
                Some((at, doc)) if at.elapsed() < self.refresh => return Ok(doc.clone()),
                Some((_, doc)) => Some(doc.clone()),
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
        let doc = Arc::new(self.backend.load().await?.unwrap_or_default());
        *self.cached.write().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), doc.clone()));
        Ok(doc)
    }

    /// Read, change, write back; the admin commands' one path.
    pub async fn update<T, E>(
        &self,
        change: impl FnOnce(&mut RegistryDoc) -> Result<T, E>,
    ) -> Result<T, UpdateError<E>> {
        let mut doc = self.backend.load().await?.unwrap_or_default();
        let out = change(&mut doc).map_err(UpdateError::Change)?;
        self.backend.save(&doc).await?;
        *self.cached.write().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), Arc::new(doc)));
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

//! What every handler can reach: the store, the partner registry, token settings, limits
//! and the readiness cache, built once from the configuration.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use postings::store::Store;

use crate::auth::token::TokenSettings;
use crate::config::Config;
use crate::limits::PartnerSlots;
use crate::partners::{Backend, LegacyVerifier, Registry};
use crate::ratelimit::TokenLimits;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub registry: Arc<Registry>,
    pub tokens: Arc<TokenSettings>,
    pub settings: Arc<Settings>,
    pub token_limits: Arc<TokenLimits>,
    /// Checks legacy argon2 secret hashes one at a time.
    pub legacy_hashes: Arc<LegacyVerifier>,
    pub partner_slots: Arc<PartnerSlots>,
    pub readiness: Arc<Readiness>,
}

/// The parts of [`Config`] handlers need.
#[derive(Debug, Clone)]
pub struct Settings {
    pub token_ttl: Duration,
    pub max_upload_bytes: u64,
    pub presign_ttl: Duration,
    pub request_timeout: Duration,
    pub max_concurrent_requests: usize,
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
}

impl AppState {
    /// Connects the store and the partner registry named by the configuration.
    pub async fn from_config(config: &Config) -> anyhow::Result<Self> {
        let store = Store::from_url(&config.store_url)
            .await
            .with_context(|| format!("opening the store {}", config.store_url))?;
        let backend = match &config.partners_secret_id {
            Some(id) => Backend::secrets_manager(id.clone()).await,
            None => Backend::File(config.partners_file.clone()),
        };
        Ok(Self {
            store: Arc::new(store),
            registry: Arc::new(Registry::new(backend, config.partners_refresh.0)),
            tokens: Arc::new(TokenSettings {
                issuer: config.token_issuer.clone(),
                audience: config.token_audience.clone(),
            }),
            settings: Arc::new(Settings {
                token_ttl: config.token_ttl.0,
                max_upload_bytes: config.max_upload_bytes,
                presign_ttl: config.presign_ttl.0,
                request_timeout: config.request_timeout.0,
                max_concurrent_requests: config.max_concurrent_requests,
                header_read_timeout: config.header_read_timeout.0,
                body_read_timeout: config.body_read_timeout.0,
            }),
            partner_slots: Arc::new(PartnerSlots::new(match config.max_concurrent_per_partner {
                0 => config.max_concurrent_requests / 4,
                n => n,
            })),
            token_limits: Arc::new(TokenLimits::new(
                config.token_rate_per_client,
                config.token_rate_per_address,
            )),
            legacy_hashes: Arc::new(
                LegacyVerifier::start().context("starting the legacy secret-hash thread")?,
            ),
            readiness: Arc::new(Readiness::default()),
        })
    }
}

/// The last readiness answer: `Err` holds what to tell the client.
#[derive(Default)]
pub struct Readiness {
    pub(crate) last: Mutex<Option<(Instant, Result<(), &'static str>)>>,
}

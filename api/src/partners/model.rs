//! The registry document: partners with their hashed client secrets, and the token signing
//! keys. One document, so that production keeps both in one Secrets Manager secret.

use std::collections::BTreeMap;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use postings::ids::PartnerId;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::config::Secret;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegistryDoc {
    /// Newest first: the first key signs, every listed key verifies (rotation without downtime).
    #[serde(default)]
    pub signing_keys: Vec<SigningKey>,
    #[serde(default)]
    pub partners: BTreeMap<PartnerId, PartnerEntry>,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct SigningKey {
    pub kid: String,
    /// 256 random bits, base64url.
    pub secret: String,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartnerEntry {
    /// Argon2id PHC string of the client secret; the secret itself is never stored.
    pub secret_hash: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("partner {0} already exists")]
    Exists(PartnerId),
    #[error("no partner {0}")]
    Unknown(PartnerId),
    #[error("hashing the client secret: {0}")]
    Hash(String),
}

impl SigningKey {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let mut kid = [0u8; 6];
        rand::rngs::OsRng.fill_bytes(&mut kid);
        let now = Utc::now();
        Self {
            kid: format!("{}-{}", now.format("%Y%m%d"), hex::encode(kid)),
            secret: URL_SAFE_NO_PAD.encode(bytes),
            created_at: now,
        }
    }

    pub fn secret_bytes(&self) -> Option<Vec<u8>> {
        URL_SAFE_NO_PAD
            .decode(&self.secret)
            .ok()
            .filter(|b| b.len() >= 32)
    }
}

impl RegistryDoc {
    pub fn current_key(&self) -> Option<&SigningKey> {
        self.signing_keys.first()
    }

    pub fn key(&self, kid: &str) -> Option<&SigningKey> {
        self.signing_keys.iter().find(|k| k.kid == kid)
    }

    /// Makes sure there is a signing key; true when one was added.
    pub fn ensure_key(&mut self) -> bool {
        if self.signing_keys.is_empty() {
            self.signing_keys.push(SigningKey::generate());
            true
        } else {
            false
        }
    }

    pub fn rotate_keys(&mut self) {
        self.signing_keys.insert(0, SigningKey::generate());
    }

    /// Keeps the current and the previous key: tokens signed by older keys stop verifying.
    pub fn retire_keys(&mut self) {
        self.signing_keys.truncate(2);
    }

    /// Registers a partner and returns its new client secret (shown once, stored hashed).
    pub fn add_partner(&mut self, id: &PartnerId) -> Result<Secret<String>, AdminError> {
        if self.partners.contains_key(id) {
            return Err(AdminError::Exists(id.clone()));
        }
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let secret = URL_SAFE_NO_PAD.encode(bytes);
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let hash = Argon2::default()
            .hash_password(secret.as_bytes(), &salt)
            .map_err(|e| AdminError::Hash(e.to_string()))?
            .to_string();
        self.partners.insert(
            id.clone(),
            PartnerEntry {
                secret_hash: hash,
                enabled: true,
                created_at: Utc::now(),
            },
        );
        self.ensure_key();
        Ok(Secret::new(secret))
    }

    pub fn set_enabled(&mut self, id: &PartnerId, enabled: bool) -> Result<(), AdminError> {
        let entry = self
            .partners
            .get_mut(id)
            .ok_or_else(|| AdminError::Unknown(id.clone()))?;
        entry.enabled = enabled;
        Ok(())
    }
}

impl PartnerEntry {
    /// Constant-time comparison through argon2; slow on purpose, so call it off the runtime.
    pub fn secret_matches(&self, secret: &str) -> bool {
        PasswordHash::new(&self.secret_hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(secret.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_partner_secret_verifies_and_only_its_hash_is_kept() {
        let mut doc = RegistryDoc::default();
        let id = PartnerId::parse("acme").unwrap();
        let secret = doc.add_partner(&id).unwrap();
        let entry = &doc.partners[&id];
        assert!(entry.secret_matches(secret.expose()));
        assert!(!entry.secret_matches("not-it"));
        let json = serde_json::to_string(&doc).unwrap();
        assert!(!json.contains(secret.expose().as_str()));
        assert_eq!(doc.signing_keys.len(), 1);
        assert!(matches!(doc.add_partner(&id), Err(AdminError::Exists(_))));
    }

    #[test]
    fn rotation_keeps_the_previous_key_until_retired() {
        let mut doc = RegistryDoc::default();
        doc.ensure_key();
        let first = doc.current_key().unwrap().kid.clone();
        doc.rotate_keys();
        doc.rotate_keys();
        assert_ne!(doc.current_key().unwrap().kid, first);
        assert!(doc.key(&first).is_some());
        doc.retire_keys();
        assert!(doc.key(&first).is_none());
        assert_eq!(doc.signing_keys.len(), 2);
    }
}

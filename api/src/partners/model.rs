//! The registry document: partners with their hashed client secrets, and the token signing
//! keys. One document, so that production keeps both in one Secrets Manager secret.

use std::collections::BTreeMap;

use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use postings::ids::PartnerId;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegistryDoc {
    /// Newest first: the first key signs, every listed key verifies (rotation without downtime).
    #[serde(default)]
    pub signing_keys: Vec<SigningKey>,
    #[serde(default)]
    pub partners: BTreeMap<PartnerId, PartnerEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SigningKey {
    pub kid: String,
    /// 256 random bits, base64url.
    #[serde(serialize_with = "expose")]
    pub secret: SecretString,
    pub created_at: DateTime<Utc>,
}

/// The registry document is where a signing key is stored, so it is written out in full.
fn expose<S: serde::Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(secret.expose_secret())
}

/// How a stored secret hash is written: `sha256$<hex>`. Client secrets are 256 random bits,
/// so a fast hash cannot be brute-forced and a memory-hard one only buys the caller a way
/// to exhaust the server. Older entries hold an argon2id PHC string (`$argon2id$…`), still
/// accepted (see [`PartnerEntry::verify`]) until the secret is rotated.
const SHA256_PREFIX: &str = "sha256$";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartnerEntry {
    /// `sha256$<hex>` of the client secret (or a legacy argon2id PHC string); the secret
    /// itself is never stored.
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
}

/// A fresh 256-bit client secret and the hash to store for it.
fn new_secret() -> (SecretString, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let hash = sha256_hash(&secret);
    (secret.into(), hash)
}

fn sha256_hash(secret: &str) -> String {
    format!(
        "{SHA256_PREFIX}{}",
        hex::encode(Sha256::digest(secret.as_bytes()))
    )
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
            secret: URL_SAFE_NO_PAD.encode(bytes).into(),
            created_at: now,
        }
    }

    pub fn secret_bytes(&self) -> Option<Vec<u8>> {
        URL_SAFE_NO_PAD
            .decode(self.secret.expose_secret())
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
    pub fn add_partner(&mut self, id: &PartnerId) -> Result<SecretString, AdminError> {
        if self.partners.contains_key(id) {
            return Err(AdminError::Exists(id.clone()));
        }
        let (secret, hash) = new_secret();
        self.partners.insert(
            id.clone(),
            PartnerEntry {
                secret_hash: hash,
                enabled: true,
                created_at: Utc::now(),
            },
        );
        self.ensure_key();
        Ok(secret)
    }

    /// Replaces a partner's client secret: the old one stops working at once (tokens already
    /// issued stay valid until they expire). The new hash is always the fast kind.
    pub fn rotate_secret(&mut self, id: &PartnerId) -> Result<SecretString, AdminError> {
        let entry = self
            .partners
            .get_mut(id)
            .ok_or_else(|| AdminError::Unknown(id.clone()))?;
        let (secret, hash) = new_secret();
        entry.secret_hash = hash;
        Ok(secret)
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

/// The outcome of checking a presented secret against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    Match,
    Mismatch,
    /// A legacy argon2 hash: call [`PartnerEntry::verify_legacy`] (slow, memory-hard) off
    /// the async runtime, with its concurrency bounded.
    Legacy,
}

impl PartnerEntry {
    /// Compares the secret's SHA-256 with the stored one in constant time.
    pub fn verify(&self, secret: &str) -> Verification {
        match self.secret_hash.strip_prefix(SHA256_PREFIX) {
            Some(_) => {
                let presented = sha256_hash(secret);
                if bool::from(presented.as_bytes().ct_eq(self.secret_hash.as_bytes())) {
                    Verification::Match
                } else {
                    Verification::Mismatch
                }
            }
            None if self.secret_hash.starts_with("$argon2") => Verification::Legacy,
            None => Verification::Mismatch,
        }
    }

    /// Checks a legacy argon2 hash: slow and memory-hard, so call it off the runtime.
    pub fn verify_legacy(&self, secret: &str) -> bool {
        self.verify_legacy_in(secret, &mut Vec::new())
    }

    /// [`Self::verify_legacy`] in the caller's work memory, grown as the hash's parameters
    /// need and kept for the next check: the checks reuse one buffer instead of allocating
    /// ~19 MiB each, which the allocator would not give back.
    pub fn verify_legacy_in(&self, secret: &str, memory: &mut Vec<Block>) -> bool {
        let Ok(hash) = PasswordHash::new(&self.secret_hash) else {
            return false;
        };
        let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
            Algorithm::try_from(hash.algorithm),
            Params::try_from(&hash),
            hash.salt,
            hash.hash,
        ) else {
            return false;
        };
        let version = hash
            .version
            .and_then(|v| Version::try_from(v).ok())
            .unwrap_or_default();
        let mut salt_buf = [0u8; 64];
        let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
            return false;
        };
        let blocks = params.block_count();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        let mut out = vec![0u8; expected.len()];
        Argon2::new(algorithm, version, params)
            .hash_password_into_with_memory(
                secret.as_bytes(),
                salt,
                &mut out,
                &mut memory[..blocks],
            )
            .is_ok()
            && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
    }

    pub fn has_legacy_hash(&self) -> bool {
        self.verify("") == Verification::Legacy
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
        assert_eq!(entry.verify(secret.expose_secret()), Verification::Match);
        assert_eq!(entry.verify("not-it"), Verification::Mismatch);
        assert!(entry.secret_hash.starts_with(SHA256_PREFIX));
        let json = serde_json::to_string(&doc).unwrap();
        assert!(!json.contains(secret.expose_secret()));
        assert_eq!(doc.signing_keys.len(), 1);
        assert!(matches!(doc.add_partner(&id), Err(AdminError::Exists(_))));
    }

    #[test]
    fn a_rotated_secret_replaces_the_old_one_and_a_legacy_argon2_hash_still_verifies() {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let mut doc = RegistryDoc::default();
        let id = PartnerId::parse("acme").unwrap();
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let legacy = Argon2::default()
            .hash_password(b"old-secret", &salt)
            .unwrap()
            .to_string();
        doc.partners.insert(
            id.clone(),
            PartnerEntry {
                secret_hash: legacy,
                enabled: true,
                created_at: Utc::now(),
            },
        );
        let entry = &doc.partners[&id];
        assert_eq!(entry.verify("old-secret"), Verification::Legacy);
        assert!(entry.verify_legacy("old-secret"));
        assert!(!entry.verify_legacy("wrong"));
        let mut memory = Vec::new();
        assert!(entry.verify_legacy_in("old-secret", &mut memory));
        assert!(entry.verify_legacy_in("old-secret", &mut memory));
        let new = doc.rotate_secret(&id).unwrap();
        let entry = &doc.partners[&id];
        assert_eq!(entry.verify(new.expose_secret()), Verification::Match);
        assert_eq!(entry.verify("old-secret"), Verification::Mismatch);
        let unknown = PartnerId::parse("nobody").unwrap();
        assert!(matches!(
            doc.rotate_secret(&unknown),
            Err(AdminError::Unknown(_))
        ));
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

//! The admin subcommands: they change whichever registry backend is configured (Secrets
//! Manager or the local file) through the same code the server reads it with.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use postings::ids::PartnerId;
use secrecy::{ExposeSecret, SecretString};

use crate::auth::token::{self, SCOPE_UPLOAD, TokenSettings};
use crate::config::{Config, KeysCommand, PartnersCommand, TokenArgs};
use crate::partners::{Backend, Registry, RegistryDoc};

pub async fn registry(config: &Config) -> Registry {
    let backend = match &config.partners_secret_id {
        Some(id) => Backend::secrets_manager(id.clone()).await,
        None => Backend::File(config.partners_file.clone()),
    };
    Registry::new(backend, config.partners_refresh.0)
}

fn partner_id(s: &str) -> anyhow::Result<PartnerId> {
    PartnerId::parse(s).map_err(anyhow::Error::from)
}

/// The admin commands, on the configured registry.
pub struct Admin {
    registry: Registry,
    /// How the commands' messages name the registry.
    place: String,
    tokens: TokenSettings,
}

impl Admin {
    pub async fn open(config: &Config) -> Self {
        let registry = registry(config).await;
        let place = registry.backend().describe();
        let tokens = TokenSettings {
            issuer: config.token_issuer.clone(),
            audience: config.token_audience.clone(),
        };
        Self {
            registry,
            place,
            tokens,
        }
    }

    pub async fn partners(
        &self,
        command: PartnersCommand,
        out: &mut impl Write,
    ) -> anyhow::Result<()> {
        let place = &self.place;
        match command {
            PartnersCommand::Add { id } => {
                let id = partner_id(&id)?;
                let secret = self
                    .registry
                    .update(|doc| doc.add_partner(&id))
                    .await
                    .with_context(|| format!("adding partner {id} to {place}"))?;
                writeln!(out, "partner {id} added to {place}")?;
                credentials(out, &id, &secret)
            }
            PartnersCommand::RotateSecret { id } => {
                let id = partner_id(&id)?;
                let secret = self
                    .registry
                    .update(|doc| doc.rotate_secret(&id))
                    .await
                    .with_context(|| format!("rotating the client secret of {id} in {place}"))?;
                writeln!(out, "partner {id}: new client secret in {place}")?;
                credentials(out, &id, &secret)
            }
            PartnersCommand::Disable { id } => self.set_enabled(&id, false, out).await,
            PartnersCommand::Enable { id } => self.set_enabled(&id, true, out).await,
            PartnersCommand::List => self.list(out).await,
        }
    }

    async fn set_enabled(
        &self,
        id: &str,
        enabled: bool,
        out: &mut impl Write,
    ) -> anyhow::Result<()> {
        let (id, place) = (partner_id(id)?, &self.place);
        let (doing, done) = if enabled {
            ("enabling", "enabled")
        } else {
            ("disabling", "disabled")
        };
        self.registry
            .update(|doc| doc.set_enabled(&id, enabled))
            .await
            .with_context(|| format!("{doing} partner {id} in {place}"))?;
        writeln!(out, "partner {id} {done} in {place}")?;
        Ok(())
    }

    async fn list(&self, out: &mut impl Write) -> anyhow::Result<()> {
        for (id, entry) in &self.read().await?.partners {
            let state = if entry.enabled { "enabled" } else { "disabled" };
            writeln!(out, "{id}\t{state}\t{}", entry.created_at.to_rfc3339())?;
        }
        Ok(())
    }

    async fn read(&self) -> anyhow::Result<Arc<RegistryDoc>> {
        let place = &self.place;
        self.registry
            .reload()
            .await
            .with_context(|| format!("reading {place}"))
    }

    pub async fn keys(&self, command: KeysCommand, out: &mut impl Write) -> anyhow::Result<()> {
        let place = &self.place;
        let kids = self
            .registry
            .update(|doc: &mut RegistryDoc| {
                match command {
                    KeysCommand::Rotate => doc.rotate_keys(),
                    KeysCommand::Retire => doc.retire_keys(),
                }
                Ok::<_, std::convert::Infallible>(
                    doc.signing_keys
                        .iter()
                        .map(|k| k.kid.clone())
                        .collect::<Vec<_>>(),
                )
            })
            .await
            .with_context(|| format!("updating signing keys in {place}"))?;
        writeln!(
            out,
            "signing keys in {place} (newest first, the first signs): {}",
            kids.join(", ")
        )?;
        Ok(())
    }

    pub async fn mint_token(&self, args: TokenArgs, out: &mut impl Write) -> anyhow::Result<()> {
        let id = partner_id(&args.partner)?;
        let doc = self.read().await?;
        match doc.partners.get(&id) {
            Some(e) if e.enabled => {}
            Some(_) => anyhow::bail!("partner {id} is disabled"),
            None => anyhow::bail!("no partner {id} in {}", self.place),
        }
        let token = token::issue(&doc, &self.tokens, &id, args.ttl.0, SCOPE_UPLOAD)?;
        writeln!(out, "{token}")?;
        Ok(())
    }
}

/// A new client secret, printed this once: only its hash is stored.
fn credentials(out: &mut impl Write, id: &PartnerId, secret: &SecretString) -> anyhow::Result<()> {
    writeln!(out, "client_id={id}")?;
    writeln!(out, "client_secret={}", secret.expose_secret())?;
    Ok(())
}

/// On the embedded default, the server makes its own first signing key so that a new user's
/// first `serve` works; in production the secret is provisioned by `partners add`.
pub async fn ensure_local_signing_key(registry: &Registry) -> anyhow::Result<()> {
    if matches!(registry.backend(), Backend::File(_)) {
        let added = registry
            .update(|doc| Ok::<_, std::convert::Infallible>(doc.ensure_key()))
            .await
            .context("initialising the local partner file")?;
        if added {
            tracing::info!(registry = %registry.backend().describe(), "created a signing key");
        }
    }
    Ok(())
}

//! The admin subcommands: they change whichever registry backend is configured (Secrets
//! Manager or the local file) through the same code the server reads it with.

use std::io::Write;

use anyhow::Context;
use postings::ids::PartnerId;
use secrecy::ExposeSecret;

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

pub async fn partners(
    config: &Config,
    command: PartnersCommand,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let registry = registry(config).await;
    let place = registry.backend().describe();
    match command {
        PartnersCommand::Add { id } => {
            let id = partner_id(&id)?;
            let secret = registry
                .update(|doc| doc.add_partner(&id))
                .await
                .with_context(|| format!("adding partner {id} to {place}"))?;
            writeln!(out, "partner {id} added to {place}")?;
            writeln!(out, "client_id={id}")?;
            // Shown this once; only its hash is stored.
            writeln!(out, "client_secret={}", secret.expose_secret())?;
        }
        PartnersCommand::Disable { id } => {
            let id = partner_id(&id)?;
            registry
                .update(|doc| doc.set_enabled(&id, false))
                .await
                .with_context(|| format!("disabling partner {id} in {place}"))?;
            writeln!(out, "partner {id} disabled in {place}")?;
        }
        PartnersCommand::Enable { id } => {
            let id = partner_id(&id)?;
            registry
                .update(|doc| doc.set_enabled(&id, true))
                .await
                .with_context(|| format!("enabling partner {id} in {place}"))?;
            writeln!(out, "partner {id} enabled in {place}")?;
        }
        PartnersCommand::RotateSecret { id } => {
            let id = partner_id(&id)?;
            let secret = registry
                .update(|doc| doc.rotate_secret(&id))
                .await
                .with_context(|| format!("rotating the client secret of {id} in {place}"))?;
            writeln!(out, "partner {id}: new client secret in {place}")?;
            writeln!(out, "client_id={id}")?;
            // Shown this once; only its hash is stored.
            writeln!(out, "client_secret={}", secret.expose_secret())?;
        }
        PartnersCommand::List => {
            let doc = registry
                .reload()
                .await
                .with_context(|| format!("reading {place}"))?;
            for (id, entry) in &doc.partners {
                let state = if entry.enabled { "enabled" } else { "disabled" };
                writeln!(out, "{id}\t{state}\t{}", entry.created_at.to_rfc3339())?;
            }
        }
    }
    Ok(())
}

pub async fn keys(
    config: &Config,
    command: KeysCommand,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let registry = registry(config).await;
    let place = registry.backend().describe();
    let kids = registry
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

pub async fn mint_token(
    config: &Config,
    args: TokenArgs,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let registry = registry(config).await;
    let place = registry.backend().describe();
    let id = partner_id(&args.partner)?;
    let doc = registry
        .reload()
        .await
        .with_context(|| format!("reading {place}"))?;
    match doc.partners.get(&id) {
        Some(e) if e.enabled => {}
        Some(_) => anyhow::bail!("partner {id} is disabled"),
        None => anyhow::bail!("no partner {id} in {place}"),
    }
    let settings = TokenSettings {
        issuer: config.token_issuer.clone(),
        audience: config.token_audience.clone(),
    };
    let token = token::issue(&doc, &settings, &id, args.ttl.0, SCOPE_UPLOAD)?;
    writeln!(out, "{token}")?;
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

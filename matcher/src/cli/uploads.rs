//! `matcher approve` and `matcher retry`: what an operator does with a held or a quarantined
//! upload (see `matcher status`).

use anyhow::{Context, bail};
use postings::store::Store;
use postings::{UploadId, UploadState, UploadStatus, layout};
use serde_json::json;

use super::load::{fail_on_failed_partners, load_and_log};
use crate::stage::load::LoadOptions;
use crate::stage::{plan, states};

#[derive(Debug, clap::Args)]
pub struct ApproveArgs {
    /// The held upload whose snapshot is to be applied.
    #[arg(long)]
    pub upload: UploadId,
    #[command(flatten)]
    pub store: super::StoreArgs,
    #[command(flatten)]
    pub database: super::DatabaseArgs,
}

#[derive(Debug, clap::Args)]
pub struct RetryArgs {
    /// The quarantined upload to hand back to the next run.
    #[arg(long)]
    pub upload: UploadId,
    #[command(flatten)]
    pub store: super::StoreArgs,
}

/// Applies the held snapshot the upload belongs to, skipping the guard for its partner only.
pub async fn approve(args: ApproveArgs) -> anyhow::Result<()> {
    let store = args.store.open().await?;
    let status = recorded(&store, args.upload).await?;
    let UploadState::Held { run_id, .. } = &status.state else {
        bail!(not_in(
            args.upload,
            &status.state,
            "held: only a held upload can be approved"
        ));
    };
    let db = args.database.connect().await?;
    let options = LoadOptions {
        approve: Some(args.upload),
        ..LoadOptions::default()
    };
    let report = load_and_log(&db, &store, run_id, &options).await;
    db.close().await;
    let report = report?;
    println!("{}", serde_json::to_string(&report)?);
    fail_on_failed_partners(&report)
}

/// Hands a quarantined upload back: its claim is released, so the next run takes it again
/// and checks it afresh.
pub async fn retry(args: RetryArgs) -> anyhow::Result<()> {
    let store = args.store.open().await?;
    let status = recorded(&store, args.upload).await?;
    let UploadState::Quarantined { reason, .. } = &status.state else {
        bail!(not_in(
            args.upload,
            &status.state,
            "quarantined: only a quarantined upload is retried"
        ));
    };
    let prefix = format!("{}{}/", layout::INCOMING_PREFIX, status.partner);
    let object = format!("/{}.csv", args.upload);
    let listed = store
        .list(&prefix)
        .await
        .with_context(|| format!("listing {prefix}"))?;
    if !listed.iter().any(|m| m.key.ends_with(&object)) {
        bail!(
            "upload {}'s object is still missing under {prefix}: put it back first ({reason})",
            args.upload
        );
    }
    plan::release(&store, &args.upload.to_string()).await?;
    let note = format!("handed back by `matcher retry` after quarantine: {reason}");
    states::set(
        &store,
        args.upload,
        &status.partner,
        UploadState::Received { note: Some(note) },
    )
    .await?;
    println!(
        "{}",
        json!({"upload_id": args.upload.to_string(), "state": "received",
               "next": "the next `matcher run` takes it"})
    );
    Ok(())
}

/// The upload's recorded state; an error naming it when it has none.
async fn recorded(store: &Store, upload: UploadId) -> anyhow::Result<UploadStatus> {
    states::get(store, &upload)
        .await?
        .with_context(|| format!("upload {upload} has no recorded state"))
}

fn not_in(upload: UploadId, state: &UploadState, wanted: &str) -> String {
    format!("upload {upload} is {}, not {wanted}", state.name())
}

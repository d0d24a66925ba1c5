//! `matcher status`: where every upload stands, and what moves each on.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::Context;
use postings::store::Store;
use postings::{UploadId, UploadRecord, UploadState, UploadStatus, layout};
use serde::Serialize;

use crate::db::{Db, LoadedSnapshot};
use crate::stage::{lease, plan, resume, states};

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// One JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub store: super::StoreArgs,
    #[command(flatten)]
    pub database: super::DatabaseArgs,
}

#[derive(Debug, Serialize)]
pub struct Status {
    pub partners: Vec<PartnerStatus>,
    /// Uploads not loaded (nor superseded), oldest first.
    pub pending: Vec<PendingUpload>,
    pub unfinished_runs: Vec<Step>,
    pub stale_claims: Vec<StaleClaim>,
    pub run_in_progress: Option<lease::RunLease>,
}

#[derive(Debug, Serialize)]
pub struct PartnerStatus {
    pub partner: String,
    pub last_loaded: Option<LoadedSnapshot>,
}

#[derive(Debug, Serialize)]
pub struct PendingUpload {
    pub upload_id: String,
    pub partner: String,
    pub received_at: String,
    pub rows: u64,
    pub state: &'static str,
    pub run_id: Option<String>,
    pub reason: Option<String>,
    /// The command (and what to do first) that moves the upload on.
    pub next: String,
}

#[derive(Debug, Serialize)]
pub struct Step {
    pub run_id: String,
    pub next: String,
}

#[derive(Debug, Serialize)]
pub struct StaleClaim {
    pub upload_id: String,
    pub run_id: String,
    pub next: String,
}

pub async fn run(args: StatusArgs) -> anyhow::Result<()> {
    let store = args.store.open().await?;
    let db = args.database.connect().await?;
    let status = collect(&store, &db).await;
    db.close().await;
    let status = status?;
    if args.json {
        println!("{}", serde_json::to_string(&status)?);
    } else {
        print!("{}", text(&status));
    }
    Ok(())
}

pub async fn collect(store: &Store, db: &Db) -> anyhow::Result<Status> {
    let known: HashMap<UploadId, UploadStatus> = states::list(store)
        .await?
        .into_iter()
        .map(|s| (s.upload_id, s))
        .collect();
    let consumed: BTreeSet<UploadId> = store
        .list(layout::CONSUMED_PREFIX)
        .await
        .context("listing consumed uploads")?
        .iter()
        .filter_map(|m| layout::upload_id_of(&m.key))
        .collect();
    let unfinished = resume::unfinished_runs(store).await?;
    let mut stale_claims = Vec::new();
    for id in &consumed {
        if let Some(run) = plan::stale_claim(store, id, known.get(id)).await? {
            stale_claims.push(StaleClaim {
                upload_id: id.to_string(),
                run_id: run,
                next: "`matcher run` hands it back (its lease has expired) and takes it".into(),
            });
        }
    }
    let loaded = db.loaded_pairs().await?;
    let mut pending = Vec::new();
    let mut partners: BTreeMap<String, Option<LoadedSnapshot>> = BTreeMap::new();
    for record in records(store).await? {
        partners.entry(record.partner.to_string()).or_default();
        let legacy;
        let state = match known.get(&record.upload_id) {
            Some(s) if s.state.is_final() => continue,
            Some(s) => Some(&s.state),
            None if consumed.contains(&record.upload_id) => {
                match legacy_state(store, &record, &loaded).await? {
                    Some(s) if s.is_final() => continue,
                    other => {
                        legacy = other;
                        legacy.as_ref()
                    }
                }
            }
            None => None,
        };
        let stale = stale_claims
            .iter()
            .any(|c| c.upload_id == record.upload_id.to_string());
        let (name, next) = next_step(
            &record.upload_id,
            state,
            consumed.contains(&record.upload_id),
            stale,
            &unfinished,
        );
        pending.push(PendingUpload {
            upload_id: record.upload_id.to_string(),
            partner: record.partner.to_string(),
            received_at: record.received_at.to_rfc3339(),
            rows: record.rows,
            state: name,
            run_id: state.and_then(|s| s.run_id()).map(ToString::to_string),
            reason: state.and_then(|s| s.reason()).map(str::to_owned),
            next,
        });
    }
    for snapshot in db.loaded_snapshots().await? {
        partners.insert(snapshot.partner.clone(), Some(snapshot));
    }
    Ok(Status {
        partners: partners
            .into_iter()
            .map(|(partner, last_loaded)| PartnerStatus {
                partner,
                last_loaded,
            })
            .collect(),
        pending,
        unfinished_runs: unfinished
            .iter()
            .map(|r| Step {
                run_id: r.to_string(),
                next: format!("`matcher run` completes it, or `matcher match --run-id {r}`"),
            })
            .collect(),
        stale_claims,
        run_in_progress: lease::current(store)
            .await?
            .filter(|l| l.expires_at > chrono::Utc::now()),
    })
}

/// An upload claimed before upload states were recorded: loaded if its run is loaded for its
/// partner, matched if its run is complete, else as its claim says.
async fn legacy_state(
    store: &Store,
    record: &UploadRecord,
    loaded: &std::collections::HashSet<(String, String)>,
) -> anyhow::Result<Option<UploadState>> {
    let key = layout::consumed_key(&record.upload_id);
    let Ok(body) = store.get(&key).await else {
        return Ok(None);
    };
    let Ok(marker) = serde_json::from_slice::<plan::ConsumedMarker>(&body) else {
        return Ok(None);
    };
    let Ok(run_id) = postings::RunId::parse(&marker.run_id) else {
        return Ok(None);
    };
    if loaded.contains(&(marker.run_id.clone(), record.partner.to_string())) {
        return Ok(Some(UploadState::Loaded { run_id }));
    }
    let manifest = layout::run_file_key(&run_id, layout::RunFile::Manifest);
    if store.head(&manifest).await?.is_some() {
        return Ok(Some(UploadState::Matched { run_id }));
    }
    Ok(Some(UploadState::Claimed { run_id }))
}

fn next_step(
    upload: &UploadId,
    state: Option<&UploadState>,
    consumed: bool,
    stale: bool,
    unfinished: &[postings::RunId],
) -> (&'static str, String) {
    match state {
        None if !consumed => ("received", "`matcher run` takes it".into()),
        Some(UploadState::Received { .. }) => ("received", "`matcher run` takes it".into()),
        None | Some(UploadState::Claimed { .. }) if stale => (
            "claimed",
            "`matcher run` hands the expired claim back and takes it".into(),
        ),
        Some(UploadState::Claimed { run_id }) if unfinished.contains(run_id) => (
            "claimed",
            format!("`matcher run` completes run {run_id}, or `matcher match --run-id {run_id}`"),
        ),
        None | Some(UploadState::Claimed { .. }) => (
            "claimed",
            "being matched; if no run is in progress, `matcher run` (the claim is handed back once its lease expires)".into(),
        ),
        Some(UploadState::Matched { run_id }) => {
            ("matched", format!("`matcher load --run-id {run_id}` (or the next `matcher run`)"))
        }
        Some(UploadState::Held { .. }) => (
            "held",
            format!(
                "check the partner's file; `matcher approve --upload {upload}` applies it, or a newer upload from the partner supersedes it"
            ),
        ),
        Some(UploadState::Quarantined { .. }) => (
            "quarantined",
            format!(
                "put the partner's file right (or ask for it again), then `matcher retry --upload {upload}`"
            ),
        ),
        Some(UploadState::Loaded { .. }) => ("loaded", String::new()),
        Some(UploadState::Superseded { .. }) => ("superseded", String::new()),
    }
}

/// Every registered upload's record, oldest first.
async fn records(store: &Store) -> anyhow::Result<Vec<UploadRecord>> {
    let listed = store
        .list(layout::INCOMING_PREFIX)
        .await
        .context("listing incoming uploads")?;
    let mut out = Vec::new();
    for meta in listed.iter().filter(|m| m.key.ends_with(".json")) {
        match store.get(&meta.key).await {
            Ok(body) => match serde_json::from_slice::<UploadRecord>(&body) {
                Ok(r) => out.push(r),
                Err(e) => tracing::warn!(key = %meta.key, error = %e, "unreadable upload record"),
            },
            Err(e) => tracing::warn!(key = %meta.key, error = %e, "unreadable upload record"),
        }
    }
    out.sort_by_key(|r| r.upload_id);
    Ok(out)
}

fn text(s: &Status) -> String {
    let mut t = String::from("PARTNERS (last loaded snapshot)\n");
    for p in &s.partners {
        match &p.last_loaded {
            Some(l) => t.push_str(&format!(
                "  {:<20} run {} upload {} — {} postings, {} closed{}\n",
                p.partner,
                l.run_id,
                l.upload_id.as_deref().unwrap_or("-"),
                l.rows,
                l.closed,
                l.finished_at
                    .map(|f| format!(", at {f}"))
                    .unwrap_or_default()
            )),
            None => t.push_str(&format!("  {:<20} nothing loaded yet\n", p.partner)),
        }
    }
    t.push_str(&format!("UPLOADS NOT LOADED ({})\n", s.pending.len()));
    for u in &s.pending {
        t.push_str(&format!(
            "  {} {:<12} {:<11}{}{}\n      next: {}\n",
            u.upload_id,
            u.partner,
            u.state,
            u.run_id
                .as_deref()
                .map(|r| format!(" run {r}"))
                .unwrap_or_default(),
            u.reason
                .as_deref()
                .map(|r| format!(" — {r}"))
                .unwrap_or_default(),
            u.next
        ));
    }
    if !s.unfinished_runs.is_empty() {
        t.push_str("UNFINISHED RUNS\n");
        for r in &s.unfinished_runs {
            t.push_str(&format!("  {} — next: {}\n", r.run_id, r.next));
        }
    }
    if !s.stale_claims.is_empty() {
        t.push_str("STALE CLAIMS\n");
        for c in &s.stale_claims {
            t.push_str(&format!(
                "  {} by run {} — next: {}\n",
                c.upload_id, c.run_id, c.next
            ));
        }
    }
    if let Some(l) = &s.run_in_progress {
        t.push_str(&format!(
            "RUN IN PROGRESS: {} (since {}, lease until {})\n",
            l.run_id, l.acquired_at, l.expires_at
        ));
    }
    t
}

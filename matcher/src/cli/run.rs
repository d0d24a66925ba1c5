//! `matcher run`: the scheduled job, match then load.
//!
//! With no configuration it runs on the embedded defaults (a store directory and a SQLite file
//! under `.data/`), seeding them from `fixtures/` on first use, so that a fresh clone's first
//! command does the whole job. Rerunning is harmless: with no new upload it matches nothing,
//! and it loads only runs that are complete in the store and not yet loaded.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use postings::RunId;
use postings::store::Store;
use serde_json::json;

use super::seed::seed;
use super::{DEFAULT_DATABASE, DEFAULT_STORE};
use crate::db::Db;
use crate::engine::Thresholds;
use crate::stage::companies::CompanySource;
use crate::stage::lease;
use crate::stage::load::{LoadOptions, LoadReport};
use crate::stage::{MatchMode, MatchOptions, MatchOutcome, Resumption, RunSummary, run_match};

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Object store: s3://bucket[/prefix], file:///abs/dir or a directory [default: .data/store].
    #[arg(long, env = "STORE_URL")]
    pub store_url: Option<String>,
    /// Company database, postgres://… or sqlite:… [default: sqlite://.data/matcher.db].
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Sample data for the embedded defaults (used only when STORE_URL and DATABASE_URL are
    /// both unset or set to their defaults): companies.csv is imported into an empty company table, and
    /// uploads/<partner>/*.csv are registered into a store that has no uploads yet.
    #[arg(long, value_name = "DIR", default_value = "fixtures")]
    pub fixtures: PathBuf,
    /// How long the run lease lasts: a second `matcher run` meanwhile exits at once saying
    /// which run is in progress; a lease whose holder died is taken over after this.
    #[arg(
        long,
        env = "MATCH_RUN_LEASE_SECS",
        default_value_t = 3600,
        value_name = "SECS"
    )]
    pub run_lease_secs: u64,
    #[command(flatten)]
    pub guard: super::GuardArgs,
}

/// Phase messages: a spinner on a terminal, log lines otherwise.
struct Progress(Option<ProgressBar>);

impl Progress {
    fn new() -> Self {
        if !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed}] {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Self(Some(bar))
    }

    fn phase(&self, msg: &str) {
        match &self.0 {
            Some(bar) => bar.set_message(msg.to_string()),
            None => tracing::info!(phase = msg, "matcher run"),
        }
    }

    fn done(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let clock = Instant::now();
    let store_url = args.store_url.as_deref().unwrap_or(DEFAULT_STORE);
    let database_url = args.database_url.as_deref().unwrap_or(DEFAULT_DATABASE);
    // The defaults are the embedded ones whether left unset or written out.
    let embedded = store_url == DEFAULT_STORE && database_url == DEFAULT_DATABASE;
    let progress = Progress::new();

    progress.phase("opening the store and the database");
    if embedded {
        std::fs::create_dir_all(DEFAULT_STORE)
            .with_context(|| format!("creating {DEFAULT_STORE}"))?;
    }
    let store = super::open_store(store_url).await?;
    let run_id = RunId::new();
    let held =
        match lease::acquire(&store, &run_id, Duration::from_secs(args.run_lease_secs)).await? {
            Ok(held) => held,
            Err(other) => {
                progress.done();
                eprintln!(
                    "run {} in progress (started {}, lease until {}): nothing done; the next \
                 `matcher run` after it takes what is left",
                    other.run_id, other.acquired_at, other.expires_at
                );
                println!(
                    "{}",
                    json!({"outcome": "in_progress", "run_id": other.run_id.to_string(),
                       "lease_expires_at": other.expires_at})
                );
                return Ok(());
            }
        };
    let result = leased(
        &args,
        &store,
        store_url,
        database_url,
        embedded,
        run_id,
        &progress,
        clock,
    )
    .await;
    lease::release(&store, &held).await;
    progress.done();
    result
}

#[allow(
    clippy::too_many_arguments,
    reason = "the one body run under the lease"
)]
async fn leased(
    args: &RunArgs,
    store: &Store,
    store_url: &str,
    database_url: &str,
    embedded: bool,
    run_id: RunId,
    progress: &Progress,
    clock: Instant,
) -> anyhow::Result<()> {
    let store = store.clone();
    let options = LoadOptions {
        guard: args.guard.guard()?,
        ..LoadOptions::default()
    };
    let db = super::connect_database(database_url).await?;
    if embedded {
        progress.phase("seeding the embedded defaults from the sample data");
        seed(&db, &store, &args.fixtures).await?;
    }

    progress.phase("matching new uploads against the company master");
    let outcome = run_match(MatchOptions {
        mode: MatchMode::Scheduled {
            store: store.clone(),
            companies: CompanySource::Database(database_url.to_string()),
            run_id: None,
            shard: None,
            new_run_id: Some(run_id),
            plan_wait: Duration::ZERO,
        },
        thresholds: Thresholds::default(),
    })
    .await?;

    progress.phase("loading matched postings into the database");
    let load_clock = Instant::now();
    let loads = load_pending(&db, &store, &outcome.resumption().resumed, &options).await;
    let load_ms = load_clock.elapsed().as_millis() as u64;
    db.close().await;
    progress.done();
    let (loads, load_failures) = loads?;

    let elapsed = clock.elapsed();
    let matched = match &outcome {
        MatchOutcome::Completed(s) => Some(s),
        MatchOutcome::NothingNew { .. } => None,
    };
    let resumption = outcome.resumption();
    eprintln!(
        "{}",
        human_summary(
            store_url,
            matched,
            resumption,
            &loads,
            &load_failures,
            elapsed
        )
    );
    println!(
        "{}",
        json!({
            "outcome": if matched.is_some() { "completed" } else { "nothing_new" },
            "run_id": matched.map(|s| s.run_id.clone()),
            "inputs": matched.map_or(0, |s| s.inputs),
            "counts": matched.map(|s| &s.counts),
            "match_timings_ms": matched.map(|s| &s.timings_ms),
            "resumed": resumption.resumed,
            "resume_failed": resumption.resume_failed,
            "quarantined": matched.map(|s| &s.quarantined),
            "loads": loads,
            "load_failures": load_failures,
            "load_ms": load_ms,
            "elapsed_ms": elapsed.as_millis() as u64,
        })
    );
    if !load_failures.is_empty() {
        bail!(
            "{} run(s) could not be loaded (see load_failures; `matcher status` lists what is \
             left); every other run was loaded",
            load_failures.len()
        );
    }
    if !resumption.resume_failed.is_empty() {
        bail!(
            "unfinished run(s) {} could not be completed (see the log); new uploads were matched \
             and loaded. Fix the cause and the next run retries them, or run \
             `matcher match --run-id R`",
            resumption.resume_failed.join(", ")
        );
    }
    Ok(())
}

/// Loads every run holding an upload in state `matched`, every complete run newer than the
/// newest loaded one (a crash between writing a manifest and recording the states), and the
/// runs this job just resumed, oldest first. A run that cannot be loaded is reported and the
/// others still load: one bad run never blocks the rest.
async fn load_pending(
    db: &Db,
    store: &Store,
    resumed: &[String],
    options: &LoadOptions,
) -> anyhow::Result<(Vec<LoadReport>, Vec<serde_json::Value>)> {
    let newest = db.newest_loaded_run().await?;
    let listed = store
        .list("runs/")
        .await
        .context("listing runs/ in the store")?;
    let mut runs: BTreeSet<String> = listed
        .iter()
        .filter(|m| m.key.ends_with("/manifest.json"))
        .filter_map(|m| m.key.split('/').nth(1).map(str::to_string))
        .filter(|r| newest.as_deref().is_none_or(|n| r.as_str() > n) || resumed.contains(r))
        .collect();
    runs.extend(
        crate::stage::states::list(store)
            .await?
            .into_iter()
            .filter_map(|s| match s.state {
                postings::UploadState::Matched { run_id } => Some(run_id.to_string()),
                _ => None,
            }),
    );
    let mut reports = Vec::new();
    let mut failures = Vec::new();
    for run in runs {
        let Ok(run_id) = RunId::parse(&run) else {
            tracing::warn!(run, "not a run id; skipped");
            continue;
        };
        match super::load::load_and_log(db, store, &run_id, options).await {
            Ok(report) => {
                for p in report.failed() {
                    failures.push(json!({"run_id": run, "partner": p.partner, "error": p.reason}));
                }
                reports.push(report);
            }
            Err(e) if is_incomplete(&e) => {
                tracing::info!(
                    run,
                    error = format!("{e:#}"),
                    "run not complete yet; not loaded"
                )
            }
            Err(e) => {
                tracing::error!(
                    run,
                    error = format!("{e:#}"),
                    "run not loaded; the others go on"
                );
                failures.push(json!({"run_id": run, "error": format!("{e:#}")}));
            }
        }
    }
    Ok((reports, failures))
}

fn is_incomplete(e: &anyhow::Error) -> bool {
    use crate::stage::load::LoadError;
    matches!(
        e.downcast_ref::<LoadError>(),
        Some(LoadError::Incomplete(_) | LoadError::MissingShards { .. })
    )
}

fn human_summary(
    store_url: &str,
    matched: Option<&RunSummary>,
    resumption: &Resumption,
    loads: &[LoadReport],
    load_failures: &[serde_json::Value],
    elapsed: Duration,
) -> String {
    let secs = elapsed.as_secs_f64();
    let mut text = String::new();
    for run in &resumption.resumed {
        text.push_str(&format!(
            "resumed run {run}: an earlier attempt left it unfinished; completed on its recorded inputs\n"
        ));
    }
    for run in &resumption.resume_failed {
        text.push_str(&format!(
            "unfinished run {run} could NOT be completed (see the log)\n"
        ));
    }
    text += &match matched {
        None => "nothing new to match: every upload in the store was matched by an earlier run"
            .to_string(),
        Some(s) => format!(
            "run {}: {} input(s), {} rows: {} matched, {} unmatched, {} rejected \
             (files under {}/{})",
            s.run_id,
            s.inputs,
            s.counts.input_rows,
            s.counts.matched,
            s.counts.unmatched,
            s.counts.rejected,
            store_url.trim_end_matches('/'),
            s.location
        ),
    };
    for q in matched.map_or(&[][..], |s| &s.quarantined[..]) {
        text.push_str(&format!(
            "\nquarantined upload {} ({}): {}",
            q.upload_id, q.partner, q.reason
        ));
    }
    for l in loads {
        for p in &l.partners {
            text.push_str(&match p.outcome {
                "loaded" => format!(
                    "\nloaded run {} for {}: {} postings ({} new, {} reopened), {} closed",
                    l.run_id,
                    p.partner,
                    p.counts.rows,
                    p.counts.inserted,
                    p.counts.reopened,
                    p.counts.closed
                ),
                "already_loaded" => format!("\nrun {} for {}: already loaded", l.run_id, p.partner),
                outcome => format!(
                    "\nrun {} for {}: {outcome}: {}",
                    l.run_id,
                    p.partner,
                    p.reason.as_deref().unwrap_or("")
                ),
            });
        }
    }
    for f in load_failures {
        text.push_str(&format!("\nNOT loaded: {f}"));
    }
    if loads.is_empty() && load_failures.is_empty() {
        text.push_str("\nnothing to load");
    }
    if matched.is_some_and(|s| !s.quarantined.is_empty())
        || loads
            .iter()
            .any(|l| l.partners.iter().any(|p| p.outcome == "held"))
    {
        text.push_str("\n`matcher status` lists what waits and the command that moves each on");
    }
    text.push_str(&format!("\ntook {secs:.2} s"));
    text
}

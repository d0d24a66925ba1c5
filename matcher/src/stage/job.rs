//! One run's work, once its inputs are fixed: read the inputs and the company master, build
//! the index, link every posting, write the run's files, the partners' results and the report,
//! and, last, the manifest. CPU work runs on blocking threads (rayon inside), the async runtime
//! only does I/O.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use postings::RunId;
use postings::store::Store;
use serde::Serialize;

use super::companies::{self, CompanySource};
use super::destination::{self, Destination};
use super::inputs::InputBatch;
use super::manifest::{Counts, InputRecord, Manifest, QuarantinedInput, Timings};
use super::outputs;
use super::plan;
use super::shard::Shard;
use super::uploads::{read_one, read_upload, record_states, still_claimed_by};
use super::{report, results};
use crate::engine::{self, MasterIndex, Thresholds};

/// What a completed run did; also the JSON summary line printed for schedulers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    pub run_id: String,
    pub shard: Option<Shard>,
    /// The directory, or the key prefix in the store, holding the run's files.
    pub location: String,
    pub inputs: usize,
    pub companies: u64,
    pub counts: Counts,
    pub timings_ms: Timings,
    /// Uploads the run could not use, with the reason (recorded as their state too).
    pub quarantined: Vec<QuarantinedInput>,
    #[serde(flatten)]
    pub resumption: Resumption,
}

/// Runs an earlier attempt left unfinished, which a new unsharded scheduled run completed
/// (`resumed`) or tried to and could not (`resume_failed`) before taking new uploads.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Resumption {
    pub resumed: Vec<String>,
    pub resume_failed: Vec<String>,
}

/// Where the rows of one input come from.
pub(super) enum Source {
    File(PathBuf),
    Object(Store),
}

pub(super) struct Job {
    pub(super) run_id: String,
    pub(super) shard: Option<Shard>,
    pub(super) inputs: Vec<InputRecord>,
    pub(super) source: Source,
    pub(super) companies: CompanySource,
    pub(super) destination: Destination,
}

/// A scheduled run (or one shard of it) on its recorded inputs.
pub(super) fn scheduled_job(
    store: &Store,
    companies: &CompanySource,
    plan: plan::Plan,
    shard: Option<Shard>,
) -> anyhow::Result<Job> {
    let run_id = RunId::parse(&plan.run_id)?;
    Ok(Job {
        destination: Destination::Store {
            store: store.clone(),
            prefix: destination::run_prefix(&run_id, shard),
        },
        run_id: run_id.to_string(),
        shard,
        inputs: plan.inputs,
        source: Source::Object(store.clone()),
        companies: companies.clone(),
    })
}

/// Matches the job's inputs and writes its files, manifest last.
pub(super) async fn run_job(
    job: Job,
    thresholds: &Thresholds,
    started_at: String,
    clock: Instant,
) -> anyhow::Result<RunSummary> {
    let hint = match (&job.source, job.shard) {
        (Source::File(_), _) => String::new(),
        (Source::Object(_), None) => format!(
            "; `matcher match --run-id {0}` re-runs it on the same inputs",
            job.run_id
        ),
        (Source::Object(_), Some(s)) => format!(
            "; `matcher match --run-id {0} --shard {s}` re-runs this shard on the same inputs",
            job.run_id
        ),
    };
    let run_id = job.run_id.clone();
    execute(job, thresholds.clone(), started_at, clock)
        .await
        .with_context(|| format!("run {run_id} failed{hint}"))
}

async fn execute(
    job: Job,
    thresholds: Thresholds,
    started_at: String,
    clock: Instant,
) -> anyhow::Result<RunSummary> {
    // The company master and the postings are read side by side (each parses on a blocking
    // thread); uploads are only a fraction of the master's size, so this hides their read.
    let phase = Instant::now();
    let companies_read = async {
        let loaded = companies::load(&job.companies).await?;
        tracing::info!(
            phase = "companies",
            count = loaded.0.0.len(),
            rejected = loaded.1.rejected,
            elapsed_ms = ms(phase),
            "companies read"
        );
        anyhow::Ok(loaded)
    };
    let postings_read = async {
        let read = read_inputs(&job).await?;
        tracing::info!(
            phase = "postings",
            inputs = read.1.len(),
            postings = read.0.postings.len(),
            rejected = read.0.rejected.len(),
            elapsed_ms = ms(phase),
            "postings read"
        );
        anyhow::Ok(read)
    };
    let ((companies, companies_info), (batch, inputs, quarantined)) =
        tokio::try_join!(companies_read, postings_read)?;
    let read_ms = ms(phase);

    let phase = Instant::now();
    let index = tokio::task::spawn_blocking(move || {
        let (current, history) = companies;
        MasterIndex::with_history(current.finish(), history)
    })
    .await
    .context("building the company index")?;
    let index_ms = ms(phase);
    tracing::info!(
        phase = "index",
        companies = index.len(),
        history = index.history_len(),
        elapsed_ms = index_ms,
        "company index built"
    );

    let overrides = crate::review::apply::Overrides::for_source(&job.companies).await?;
    let phase = Instant::now();
    let batch = Arc::new(batch);
    let mut decisions = {
        let batch = batch.clone();
        let thresholds = thresholds.clone();
        tokio::task::spawn_blocking(move || {
            engine::history::link_all(&index, &batch.postings, &thresholds)
        })
        .await
        .context("matching")?
    };
    let overrides = overrides.apply(&batch.postings, &mut decisions);
    let match_ms = ms(phase);
    tracing::info!(
        phase = "match",
        postings = decisions.len(),
        elapsed_ms = match_ms,
        "postings matched"
    );

    let phase = Instant::now();
    let recorded = inputs.clone();
    let (rendered, parts, scores) = tokio::task::spawn_blocking(move || {
        let (p, o, r) = (&batch.postings, &batch.origins, &batch.rejected);
        let rendered = outputs::render(p, o, &decisions, r)?;
        let parts = results::render(&recorded, p, o, &decisions, r)?;
        Ok::<_, csv::Error>((rendered, parts, report::Scores::of(&decisions)))
    })
    .await
    .context("rendering the outputs")?
    .context("rendering the outputs")?;
    check_counts(&rendered.counts, &inputs, job.shard)?;
    let dest = &job.destination;
    dest.begin().await?;
    dest.write(destination::MATCHED, rendered.matched).await?;
    dest.write(destination::UNMATCHED, rendered.unmatched)
        .await?;
    dest.write(destination::REJECTED, rendered.rejected).await?;
    let partners = report::by_partner(&parts);
    if let Source::Object(store) = &job.source {
        results::write(store, &job.run_id, job.shard, parts).await?;
    }
    let write_ms = ms(phase);
    let timings = Timings {
        read: read_ms,
        index: index_ms,
        match_: match_ms,
        write: write_ms,
        total: ms(clock),
    };
    let manifest = Manifest {
        run_id: job.run_id.clone(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        started_at,
        finished_at: super::now_rfc3339(),
        shard: job.shard,
        inputs: inputs.clone(),
        quarantined: quarantined.clone(),
        companies: companies_info.clone(),
        thresholds: serde_json::to_value(&thresholds)?,
        counts: rendered.counts.clone(),
        timings_ms: timings.clone(),
        overrides,
    };
    if job.shard.is_none() {
        let store = match &job.source {
            Source::Object(store) => Some(store),
            Source::File(_) => None,
        };
        if let Err(e) = report::write(dest, store, &manifest, &partners, &scores).await {
            tracing::error!(
                error = format!("{e:#}"),
                "the run's report could not be written"
            );
        }
    }
    dest.write(destination::MANIFEST, serde_json::to_vec_pretty(&manifest)?)
        .await?;
    tracing::info!(phase = "write", location = %dest.location(), elapsed_ms = write_ms, "run written");
    if let Source::Object(store) = &job.source {
        record_states(store, &job.run_id, &inputs, &quarantined).await;
    }
    Ok(RunSummary {
        run_id: job.run_id,
        shard: job.shard,
        location: dest.location(),
        inputs: inputs.len(),
        companies: companies_info.count,
        counts: rendered.counts,
        timings_ms: timings,
        quarantined,
        resumption: Resumption::default(),
    })
}

/// Reads every input in order, checking each upload against its record as it goes. An
/// upload that cannot be used (missing, altered, unreadable, invalid) is quarantined: left out
/// of the run with its reason, while every other upload goes on.
async fn read_inputs(
    job: &Job,
) -> anyhow::Result<(InputBatch, Vec<InputRecord>, Vec<QuarantinedInput>)> {
    let mut batch = InputBatch::default();
    let mut recorded = Vec::with_capacity(job.inputs.len());
    let mut quarantined = Vec::new();
    for input in &job.inputs {
        let read = match &job.source {
            Source::File(path) => read_one(
                Box::new(
                    std::fs::File::open(path)
                        .with_context(|| format!("opening {}", path.display()))?,
                ),
                input,
                job.shard,
            )
            .await?
            .with_context(|| format!("reading {}", input.key))?,
            Source::Object(store) => {
                if !still_claimed_by(store, input, &job.run_id).await? {
                    continue;
                }
                match read_upload(store, input, job.shard).await? {
                    Ok(read) => read,
                    Err(reason) => {
                        tracing::error!(upload_id = %input.upload_id, partner = %input.partner,
                            key = %input.key, %reason, "upload quarantined; the run goes on without it");
                        quarantined.push(QuarantinedInput {
                            upload_id: input.upload_id.clone(),
                            partner: input.partner.clone(),
                            key: input.key.clone(),
                            reason,
                        });
                        continue;
                    }
                }
            }
        };
        let (stats, part) = read;
        batch.postings.extend(part.postings);
        batch.origins.extend(part.origins);
        batch.rejected.extend(part.rejected);
        recorded.push(InputRecord {
            sha256: stats.sha256,
            bytes: stats.bytes,
            rows: stats.rows,
            valid: stats.valid,
            rejected: stats.rejected,
            encoding: stats.encoding.to_owned(),
            ..input.clone()
        });
    }
    batch.sort();
    Ok((batch, recorded, quarantined))
}

/// Every row read ends in exactly one output; a whole run's outputs hold every data row.
fn check_counts(
    counts: &Counts,
    inputs: &[InputRecord],
    shard: Option<Shard>,
) -> anyhow::Result<()> {
    if !counts.adds_up() {
        bail!("internal error: the run's counts do not add up: {counts:?}");
    }
    let rows: u64 = inputs.iter().map(|i| i.rows).sum();
    if shard.is_none() && counts.input_rows != rows {
        bail!(
            "internal error: the inputs hold {rows} rows but the outputs {}",
            counts.input_rows
        );
    }
    Ok(())
}

fn ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

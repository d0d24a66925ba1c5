//! First use of the embedded defaults: the sample master and the sample uploads, so that a
//! fresh clone's `matcher run` does the whole job.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use bytes::Bytes;
use postings::PartnerId;
use postings::intake::{IntakeLimits, ingest};
use postings::store::Store;

use crate::db::Db;

/// Sample uploads are small; anything bigger is not the sample.
const SEED_MAX_BYTES: u64 = 64 << 20;

/// First use of the embedded defaults: the sample master into an empty company table, the
/// sample uploads into a store that has none, through the same intake as the API.
pub(super) async fn seed(db: &Db, store: &Store, fixtures: &Path) -> anyhow::Result<()> {
    if db.count_companies().await? == 0 {
        let csv = fixtures.join("companies.csv");
        if !csv.is_file() {
            bail!(
                "{} not found: run from the repository root, pass --fixtures DIR, or set \
                 DATABASE_URL and STORE_URL",
                csv.display()
            );
        }
        let summary = db
            .import_companies_csv(&csv)
            .await
            .with_context(|| format!("importing {}", csv.display()))?;
        tracing::info!(
            companies = summary.total,
            rejected = summary.rejected.len(),
            "sample company master imported"
        );
    }
    let has_uploads = !store
        .list(postings::layout::INCOMING_PREFIX)
        .await
        .context("listing uploads in the store")?
        .is_empty();
    if has_uploads {
        return Ok(());
    }
    let dir = fixtures.join("uploads");
    for (partner, file) in sample_uploads(&dir)? {
        let body = Bytes::from(
            tokio::fs::read(&file)
                .await
                .with_context(|| format!("reading {}", file.display()))?,
        );
        let record = ingest(
            store,
            &partner,
            None,
            futures::stream::iter([Ok::<_, std::io::Error>(body)]),
            IntakeLimits {
                max_bytes: SEED_MAX_BYTES,
            },
        )
        .await
        .with_context(|| format!("registering sample upload {}", file.display()))?;
        tracing::info!(
            partner = partner.as_str(),
            file = %file.display(),
            rows = record.rows,
            "sample upload registered"
        );
    }
    Ok(())
}

/// `uploads/<partner>/*.csv`, in name order.
fn sample_uploads(dir: &Path) -> anyhow::Result<Vec<(PartnerId, PathBuf)>> {
    let mut out = Vec::new();
    let partners = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in partners {
        let entry = entry?;
        if !entry.file_type()?.is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let partner = PartnerId::parse(&name)
            .with_context(|| format!("sample partner directory {}", entry.path().display()))?;
        for file in std::fs::read_dir(entry.path())? {
            let path = file?.path();
            if path.extension().is_some_and(|e| e == "csv") {
                out.push((partner.clone(), path));
            }
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

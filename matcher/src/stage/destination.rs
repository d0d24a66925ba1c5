//! Where a run's files go: a local directory (offline mode) or the object store
//! (`runs/<run_id>/…`, or `runs/<run_id>/shards/<i>-of-<n>/…` for one shard of an array job).
//! The manifest is removed first and written last, so its presence means the run is complete.

use std::path::PathBuf;

use anyhow::Context;
use bytes::Bytes;
use postings::RunId;
use postings::store::Store;

use super::shard::Shard;

pub const MATCHED: &str = "matched.csv";
pub const UNMATCHED: &str = "unmatched.csv";
pub const REJECTED: &str = "rejected.csv";
pub const MANIFEST: &str = "manifest.json";
pub const FILES: [&str; 4] = [MATCHED, UNMATCHED, REJECTED, MANIFEST];

#[derive(Clone)]
pub enum Destination {
    Dir(PathBuf),
    Store { store: Store, prefix: String },
}

/// `runs/<run_id>/` for a whole run, `runs/<run_id>/shards/<i>-of-<n>/` for one shard.
pub fn run_prefix(run_id: &RunId, shard: Option<Shard>) -> String {
    let run = postings::layout::run_prefix(run_id);
    match shard {
        None => run,
        Some(s) => format!("{run}shards/{}/", s.dir_name()),
    }
}

impl Destination {
    /// Where the files are, for logs and the summary line.
    pub fn location(&self) -> String {
        match self {
            Self::Dir(dir) => dir.display().to_string(),
            Self::Store { prefix, .. } => prefix.clone(),
        }
    }

    pub fn key(&self, file: &str) -> String {
        match self {
            Self::Dir(dir) => dir.join(file).display().to_string(),
            Self::Store { prefix, .. } => format!("{prefix}{file}"),
        }
    }

    /// Removes a manifest left by an earlier attempt, so that a crash while the new files are
    /// written cannot leave an old manifest vouching for them.
    pub async fn begin(&self) -> anyhow::Result<()> {
        match self {
            Self::Dir(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .with_context(|| format!("creating {}", dir.display()))?;
                match tokio::fs::remove_file(dir.join(MANIFEST)).await {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(e).with_context(|| format!("removing {}", self.key(MANIFEST))),
                }
            }
            Self::Store { store, .. } => store
                .delete(&self.key(MANIFEST))
                .await
                .with_context(|| format!("removing {}", self.key(MANIFEST))),
        }
    }

    /// Writes one file whole: a local file appears by rename, an object by a single put.
    pub async fn write(&self, file: &str, body: Vec<u8>) -> anyhow::Result<()> {
        let key = self.key(file);
        match self {
            Self::Dir(dir) => {
                let partial = dir.join(format!(".{file}.partial"));
                tokio::fs::write(&partial, &body)
                    .await
                    .with_context(|| format!("writing {}", partial.display()))?;
                tokio::fs::rename(&partial, dir.join(file))
                    .await
                    .with_context(|| format!("renaming {} into place", partial.display()))
            }
            Self::Store { store, .. } => store
                .put(&key, Bytes::from(body))
                .await
                .with_context(|| format!("writing {key}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use postings::layout::{RunFile, run_file_key};

    use super::*;

    #[test]
    fn a_whole_run_writes_where_the_layout_says_and_shards_below_it() {
        let run = RunId::parse("20260304T050607Z-0a1b2c3d").unwrap();
        let whole = Destination::Store {
            store: Store::local("unused"),
            prefix: run_prefix(&run, None),
        };
        for (file, kind) in [
            (MATCHED, RunFile::Matched),
            (UNMATCHED, RunFile::Unmatched),
            (REJECTED, RunFile::Rejected),
            (MANIFEST, RunFile::Manifest),
        ] {
            assert_eq!(whole.key(file), run_file_key(&run, kind));
        }
        assert_eq!(
            run_prefix(&run, Some(Shard::new(1, 4).unwrap())),
            "runs/20260304T050607Z-0a1b2c3d/shards/1-of-4/"
        );
    }
}

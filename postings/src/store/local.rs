//! The local-directory backend (embedded default). Objects are plain files under the root;
//! writes go to `<root>/.tmp/` first and are moved into place in one step, so a reader never
//! sees half an object and `if_absent` is decided atomically by `link(2)`.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::backend::Backend;
use super::key::TMP_DIR;
use super::{ObjectMeta, ObjectReader, StoreError, Versioned};

#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
    /// Serialises conditional replacements (read, compare, rename) within this process, the
    /// only writer of the embedded default's directory.
    conditional: Arc<tokio::sync::Mutex<()>>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

impl LocalStore {
    pub fn new(root: PathBuf) -> Self {
        Self {
            root,
            conditional: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    /// A fresh temp file name that still says which key it is for, so that unfinished uploads
    /// can be counted by key prefix.
    fn temp_path(&self, key: &str) -> PathBuf {
        let encoded = key.replace('%', "%25").replace('/', "%2F");
        self.root
            .join(TMP_DIR)
            .join(format!("{}~{encoded}", uuid::Uuid::new_v4().simple()))
    }

    /// The root is made on the first write, so a missing root is a fresh store, not a fault.
    pub(super) async fn probe(&self) -> Result<(), StoreError> {
        match tokio::fs::metadata(&self.root).await {
            Ok(m) if m.is_dir() => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Ok(_) => Err(io_err(&self.root)(std::io::Error::other("not a directory"))),
            Err(e) => Err(io_err(&self.root)(e)),
        }
    }

    pub(super) async fn writer(
        &self,
        key: &str,
        if_absent: bool,
    ) -> Result<LocalWriter, StoreError> {
        // Fails fast; the atomic decision is the link(2) in finish.
        if if_absent && self.head(key).await?.is_some() {
            return Err(StoreError::AlreadyExists);
        }
        let tmp = self.temp_path(key);
        let tmp_dir = self.root.join(TMP_DIR);
        tokio::fs::create_dir_all(&tmp_dir)
            .await
            .map_err(io_err(&tmp_dir))?;
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .await
            .map_err(io_err(&tmp))?;
        Ok(LocalWriter {
            file: Some(file),
            tmp,
            target: self.path(key),
            key: key.to_owned(),
            if_absent,
            written: 0,
        })
    }
}

impl Backend for LocalStore {
    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    async fn put(&self, key: &str, body: Bytes, if_absent: bool) -> Result<(), StoreError> {
        let mut w = self.writer(key, if_absent).await?;
        if let Err(e) = w.write(&body).await {
            w.abort().await.ok();
            return Err(e);
        }
        w.finish().await.map(|_| ())
    }

    async fn get(&self, key: &str) -> Result<Bytes, StoreError> {
        let path = self.path(key);
        match tokio::fs::read(&path).await {
            Ok(v) => Ok(Bytes::from(v)),
            Err(e) if is_missing(&e) => Err(StoreError::NotFound),
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    /// The version tag is the content's SHA-256: it changes exactly when the bytes do.
    async fn get_versioned(&self, key: &str) -> Result<Versioned, StoreError> {
        let body = self.get(key).await?;
        let etag = hex::encode(Sha256::digest(&body));
        Ok(Versioned { body, etag })
    }

    async fn put_if_match(&self, key: &str, body: Bytes, etag: &str) -> Result<(), StoreError> {
        let _guard = self.conditional.lock().await;
        match self.get_versioned(key).await {
            Ok(current) if current.etag == etag => self.put(key, body, false).await,
            Ok(_) | Err(StoreError::NotFound) => Err(StoreError::ConditionFailed(key.to_owned())),
            Err(e) => Err(e),
        }
    }

    async fn copy_checked(&self, from: &str, to: &str, sha256_hex: &str) -> Result<(), StoreError> {
        let body = self.get(from).await?;
        if hex::encode(Sha256::digest(&body)) != sha256_hex {
            return Err(StoreError::Changed(from.to_owned()));
        }
        self.put(to, body, true).await
    }

    async fn reader(&self, key: &str) -> Result<ObjectReader, StoreError> {
        let path = self.path(key);
        match tokio::fs::File::open(&path).await {
            Ok(f) => Ok(Box::new(f)),
            Err(e) if is_missing(&e) => Err(StoreError::NotFound),
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectMeta>, StoreError> {
        let path = self.path(key);
        match tokio::fs::metadata(&path).await {
            Ok(m) if m.is_file() => Ok(Some(ObjectMeta {
                key: key.to_owned(),
                size: m.len(),
            })),
            Ok(_) => Ok(None),
            Err(e) if is_missing(&e) => Ok(None),
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>, StoreError> {
        let root = self.root.clone();
        let prefix = prefix.to_owned();
        tokio::task::spawn_blocking(move || list_blocking(&root, &prefix))
            .await
            .map_err(|e| io_err(&self.root)(std::io::Error::other(e)))?
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let path = self.path(key);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if is_missing(&e) => Ok(()),
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    async fn unfinished_uploads(&self, prefix: &str) -> Result<usize, StoreError> {
        let dir = self.root.join(TMP_DIR);
        let mut entries = match tokio::fs::read_dir(&dir).await {
            Ok(e) => e,
            Err(e) if is_missing(&e) => return Ok(0),
            Err(e) => return Err(io_err(&dir)(e)),
        };
        let mut count = 0;
        while let Some(entry) = entries.next_entry().await.map_err(io_err(&dir))? {
            let name = entry.file_name().to_string_lossy().into_owned();
            let key = name
                .split_once('~')
                .map(|(_, k)| k.replace("%2F", "/").replace("%25", "%"))
                .unwrap_or_default();
            if key.starts_with(prefix) {
                count += 1;
            }
        }
        Ok(count)
    }
}

fn is_missing(e: &std::io::Error) -> bool {
    // A path component that is a file (ENOTDIR) also means "no such object".
    matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory)
}

fn list_blocking(root: &Path, prefix: &str) -> Result<Vec<ObjectMeta>, StoreError> {
    // Start at the deepest directory the prefix names, not at the root.
    let dir_part = prefix.rsplit_once('/').map_or("", |(d, _)| d);
    let mut out = Vec::new();
    let mut stack = vec![(root.join(dir_part), dir_part.to_owned())];
    while let Some((dir, rel)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if is_missing(&e) => continue,
            Err(e) => return Err(io_err(&dir)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(io_err(&dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let key = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if rel.is_empty() && name == TMP_DIR {
                continue;
            }
            let meta = entry.metadata().map_err(io_err(&entry.path()))?;
            if meta.is_dir() {
                if prefix.starts_with(&format!("{key}/")) || key.starts_with(prefix) {
                    stack.push((entry.path(), key));
                }
            } else if meta.is_file() && key.starts_with(prefix) {
                out.push(ObjectMeta {
                    key,
                    size: meta.len(),
                });
            }
        }
    }
    Ok(out)
}

#[derive(Debug)]
pub struct LocalWriter {
    file: Option<tokio::fs::File>,
    tmp: PathBuf,
    target: PathBuf,
    key: String,
    if_absent: bool,
    written: u64,
}

impl LocalWriter {
    pub(super) async fn write(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| StoreError::WriterFailed(self.key.clone()))?;
        if let Err(e) = file.write_all(chunk).await {
            self.file = None;
            return Err(io_err(&self.tmp)(e));
        }
        self.written += chunk.len() as u64;
        Ok(())
    }

    pub(super) fn written(&self) -> u64 {
        self.written
    }

    pub(super) async fn finish(mut self) -> Result<ObjectMeta, StoreError> {
        let result = self.finish_inner().await;
        // On success the temp name is gone already (renamed) or is a second link to remove.
        tokio::fs::remove_file(&self.tmp).await.ok();
        result
    }

    async fn finish_inner(&mut self) -> Result<ObjectMeta, StoreError> {
        let mut file = self
            .file
            .take()
            .ok_or_else(|| StoreError::WriterFailed(self.key.clone()))?;
        file.flush().await.map_err(io_err(&self.tmp))?;
        file.sync_all().await.map_err(io_err(&self.tmp))?;
        drop(file);
        if let Some(parent) = self.target.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(io_err(parent))?;
        }
        if self.if_absent {
            // link(2) fails if the target exists: the check and the create are one step.
            match tokio::fs::hard_link(&self.tmp, &self.target).await {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    return Err(StoreError::AlreadyExists);
                }
                Err(e) => return Err(io_err(&self.target)(e)),
            }
        } else {
            tokio::fs::rename(&self.tmp, &self.target)
                .await
                .map_err(io_err(&self.target))?;
        }
        Ok(ObjectMeta {
            key: self.key.clone(),
            size: self.written,
        })
    }

    pub(super) async fn abort(mut self) -> Result<(), StoreError> {
        self.file = None;
        match tokio::fs::remove_file(&self.tmp).await {
            Ok(()) => Ok(()),
            Err(e) if is_missing(&e) => Ok(()),
            Err(e) => Err(io_err(&self.tmp)(e)),
        }
    }
}

impl Drop for LocalWriter {
    fn drop(&mut self) {
        // finish/abort already removed it; this covers a writer dropped mid-upload (e.g. the
        // request future was cancelled). A missing file is the normal case here.
        let _ = std::fs::remove_file(&self.tmp);
    }
}

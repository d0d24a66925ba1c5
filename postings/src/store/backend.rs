//! What each backend does, in one place: [`super::Store`] checks the keys and hands every
//! call to the directory or the bucket, and the store contract tests hold both to the same
//! answers.

use bytes::Bytes;

use super::{ObjectMeta, ObjectReader, StoreError, Versioned};

pub(super) trait Backend {
    /// Which backend, for logs.
    fn describe(&self) -> String;

    /// Writes `body` at `key`; with `if_absent`, `Err(AlreadyExists)` when something is there.
    async fn put(&self, key: &str, body: Bytes, if_absent: bool) -> Result<(), StoreError>;

    async fn get(&self, key: &str) -> Result<Bytes, StoreError>;

    async fn get_versioned(&self, key: &str) -> Result<Versioned, StoreError>;

    async fn put_if_match(&self, key: &str, body: Bytes, etag: &str) -> Result<(), StoreError>;

    async fn copy_checked(&self, from: &str, to: &str, sha256_hex: &str) -> Result<(), StoreError>;

    async fn reader(&self, key: &str) -> Result<ObjectReader, StoreError>;

    async fn head(&self, key: &str) -> Result<Option<ObjectMeta>, StoreError>;

    /// In no particular order; [`super::Store::list`] sorts.
    async fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>, StoreError>;

    async fn delete(&self, key: &str) -> Result<(), StoreError>;

    async fn unfinished_uploads(&self, prefix: &str) -> Result<usize, StoreError>;
}

//! The company master read from the database in chunks, for a caller that reduces each chunk
//! before the next arrives (the index builder): 5 million rows of ten strings each would not
//! fit beside the index in the job's memory.

use futures::TryStreamExt;
use tokio::sync::mpsc::Sender;

use super::master::TARGET;
use super::{Db, DbError, company_from_row, with_pool};
use crate::company::Company;

impl Db {
    /// Sends the companies that may be link targets, `chunk` at a time, in no particular
    /// order; returns how many were sent. Stops early, without error, when the receiver is gone.
    pub async fn stream_companies(
        &self,
        chunk: usize,
        tx: Sender<Vec<Company>>,
    ) -> Result<u64, DbError> {
        let select = format!(
            "SELECT c.corporate_number, c.name, c.name_kana, c.name_en, c.prefecture, c.city, \
             c.street, c.postal_code, c.phone, c.website FROM companies c WHERE {TARGET}"
        );
        let mut sent = 0u64;
        let mut batch = Vec::with_capacity(chunk);
        with_pool!(self, |pool| {
            let mut rows = sqlx::query(&select).fetch(pool);
            while let Some(row) = rows.try_next().await? {
                batch.push(company_from_row(&row)?);
                if batch.len() == chunk {
                    sent += batch.len() as u64;
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(chunk));
                    if tx.send(full).await.is_err() {
                        return Ok(sent);
                    }
                }
            }
        });
        if !batch.is_empty() {
            sent += batch.len() as u64;
            // A receiver that is gone has stopped for its own reason and reports it.
            let _ = tx.send(batch).await;
        }
        Ok(sent)
    }
}

//! The company database: PostgreSQL in production, SQLite as the embedded default. One logical
//! schema (`migrations/postgres`, `migrations/sqlite`), one enum so that callers never branch on
//! the backend. Queries are built at run time (no database is needed to compile).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use futures::TryStreamExt;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{PgPool, Row, SqlitePool};

use crate::company::{Company, CorporateNumber, CorporateNumberError};

pub mod enrich;
pub mod import;
mod load_types;
mod master;
mod partner_load;
pub mod postings;
pub mod registry;
pub(crate) mod registry_plan;
mod registry_write;
mod stream;
mod upsert;

pub use import::{CompanyReject, ImportSummary};
pub use postings::{LoadOutcome, LoadedPosting, LoadedSnapshot, PartnerLoad};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL (expected postgres://… or sqlite:…): {0}")]
    UnsupportedUrl(String),
    #[error("invalid database URL {url}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error(
        "cannot connect to PostgreSQL at {host}:{port}: {cause} (DATABASE_CONNECT_TIMEOUT_SECS \
         sets how long to wait)"
    )]
    Connect {
        host: String,
        port: u16,
        cause: String,
    },
    #[error("cannot create the directory for the SQLite database {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("companies table holds an invalid corporate number: {0}")]
    BadCompany(#[from] CorporateNumberError),
    #[error(
        "partner {partner}'s posting {posting_id} (upload {upload_id}, line {line}) links to \
         corporate number {corporate_number}, which is not in the companies table{}; \
         import the company master, then load again",
        if *others > 0 { format!(" ({others} more such numbers)") } else { String::new() }
    )]
    UnknownCompany {
        partner: String,
        posting_id: String,
        upload_id: String,
        line: u64,
        corporate_number: String,
        others: usize,
    },
    #[error("{0}")]
    Import(#[from] import::ImportError),
    #[error("{0}")]
    Registry(#[from] registry::RegistryImportError),
    #[error("{0}")]
    Enrich(#[from] enrich::EnrichError),
}

/// A pool on one of the two backends.
#[derive(Debug, Clone)]
pub enum Db {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// The same code against whichever pool a [`Db`] holds: sqlx's queries are generic over the
/// backend, but a pool's type is not, so each use is a `match` whose two arms read alike.
macro_rules! with_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Postgres($pool) => $body,
            $crate::db::Db::Sqlite($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

impl Db {
    /// `postgres://…` / `postgresql://…`, or `sqlite:path` / `sqlite://path` (the file and its
    /// directory are created when missing).
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).map_err(|e| DbError::InvalidUrl {
                url: redact_url(url),
                reason: redact_text(&e.to_string(), url),
            })?;
            probe(&options).await?;
            let pool = PgPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await?;
            Ok(Self::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            if let Some(dir) = sqlite_file(url).and_then(|p| p.parent().map(Path::to_path_buf))
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(&dir).map_err(|source| DbError::CreateDir {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30));
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options)
                .await?;
            Ok(Self::Sqlite(pool))
        } else {
            Err(DbError::UnsupportedUrl(redact_url(url)))
        }
    }

    /// Applies the backend's migrations (idempotent).
    pub async fn migrate(&self) -> Result<(), DbError> {
        match self {
            Self::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
            Self::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }

    pub async fn close(&self) {
        with_pool!(self, |pool| pool.close().await)
    }

    pub async fn count_companies(&self) -> Result<u64, DbError> {
        let n: i64 = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT count(*) FROM companies")
                .fetch_one(pool)
                .await?
        });
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The whole company master, streamed row by row from the database (no second copy of the
    /// result set in memory), in corporate-number order so that runs are reproducible.
    pub async fn load_companies(&self) -> Result<Vec<Company>, DbError> {
        let capacity = usize::try_from(self.count_companies().await?).unwrap_or(0);
        let mut companies = Vec::with_capacity(capacity);
        with_pool!(self, |pool| {
            let mut rows = sqlx::query(SELECT_COMPANIES).fetch(pool);
            while let Some(row) = rows.try_next().await? {
                companies.push(company_from_row(&row)?);
            }
        });
        // Sorting here is cheaper than an index-ordered scan of the whole table.
        companies.sort_unstable_by_key(|c| c.corporate_number);
        Ok(companies)
    }
}

const SELECT_COMPANIES: &str = "SELECT corporate_number, name, name_kana, name_en, prefecture, \
     city, street, postal_code, phone, website FROM companies";

/// A company from the first ten columns of a row in [`SELECT_COMPANIES`]'s order, on either
/// backend.
pub(crate) fn company_from_row<R>(row: &R) -> Result<Company, DbError>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> &'r str: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let number: &str = row.try_get(0)?;
    Ok(Company {
        corporate_number: CorporateNumber::parse(number)?,
        name: row.try_get(1)?,
        name_kana: row.try_get(2)?,
        name_en: row.try_get(3)?,
        prefecture: row.try_get(4)?,
        city: row.try_get(5)?,
        street: row.try_get(6)?,
        postal_code: row.try_get(7)?,
        phone: row.try_get(8)?,
        website: row.try_get(9)?,
    })
}

/// One connection first, with a short timeout, so that a closed port or an unreachable host
/// is reported in seconds with its cause, not as a pool timing out after 30 s.
async fn probe(options: &PgConnectOptions) -> Result<(), DbError> {
    let secs = std::env::var("DATABASE_CONNECT_TIMEOUT_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let failed = |cause: String| DbError::Connect {
        host: options.get_host().to_string(),
        port: options.get_port(),
        cause,
    };
    match tokio::time::timeout(
        Duration::from_secs(secs),
        PgConnection::connect_with(options),
    )
    .await
    {
        Err(_) => Err(failed(format!("no answer within {secs} s"))),
        Ok(Err(sqlx::Error::Io(e))) => Err(failed(e.to_string())),
        Ok(Err(e)) => Err(failed(e.to_string())),
        Ok(Ok(conn)) => {
            conn.close().await.ok();
            Ok(())
        }
    }
}

/// A URL with its password (and any `password=` parameter) replaced by `***`: what may be
/// printed or logged.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest = scheme_end + 3;
        let authority_end = out[rest..]
            .find(['/', '?', '#'])
            .map_or(out.len(), |i| rest + i);
        if let Some(at) = out[rest..authority_end].rfind('@') {
            let userinfo = &out[rest..rest + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(rest + colon + 1..rest + at, "***");
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (base, query) = out.split_at(q + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_string(),
            })
            .collect();
        out = format!("{base}{}", query.join("&"));
    }
    out
}

/// `text` with the URL, if it quotes it, redacted.
fn redact_text(text: &str, url: &str) -> String {
    text.replace(url, &redact_url(url))
}

/// The file behind a `sqlite:` URL, if it names one (not `:memory:`).
fn sqlite_file(url: &str) -> Option<&Path> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| Path::new(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_urls_never_carry_a_password() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db.example:5432/jobs?sslmode=require"),
            "postgres://app:***@db.example:5432/jobs?sslmode=require"
        );
        assert_eq!(
            redact_url("postgress://app:p@ss@db/x"),
            "postgress://app:***@db/x"
        );
        assert_eq!(
            redact_url("postgres://db/x?user=a&password=s3cret"),
            "postgres://db/x?user=a&password=***"
        );
        assert_eq!(redact_url("sqlite://.data/m.db"), "sqlite://.data/m.db");
    }

    #[tokio::test]
    async fn a_closed_port_is_reported_with_host_port_and_cause_in_seconds() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = Db::connect(&format!("postgres://u:secret@127.0.0.1:{port}/db"))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
        assert!(err.to_lowercase().contains("refused"), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }

    #[test]
    fn sqlite_urls_name_their_file_and_memory_names_none() {
        assert_eq!(
            sqlite_file("sqlite://.data/matcher.db"),
            Some(Path::new(".data/matcher.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:/tmp/x.db?mode=rwc"),
            Some(Path::new("/tmp/x.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
    }
}

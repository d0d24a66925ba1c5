//! A PostgreSQL database per test on the server `tests/with-services` starts.

use sqlx::Connection;

use crate::env;

/// A database of the test's own, `${TEST_DB_PREFIX}_<label>_<random>`: the prefix lets
/// `tests/with-services` sweep any a failed test left behind.
pub struct PgDatabase {
    /// What the code under test connects to (`DATABASE_URL`).
    pub url: String,
    pub name: String,
}

impl PgDatabase {
    /// Creates the database through `PG_ADMIN_URL`; `label` (cut to 24 characters, to stay
    /// within PostgreSQL's 63-byte names) says which test it belongs to.
    pub async fn create(label: &str) -> Self {
        let admin = env("PG_ADMIN_URL");
        let label: String = label.chars().take(24).collect();
        let name = format!(
            "{}_{label}_{}",
            env("TEST_DB_PREFIX"),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .expect("connect to PG_ADMIN_URL");
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await
            .expect("create test database");
        conn.close().await.ok();
        let (base, _) = admin.rsplit_once('/').expect("PG_ADMIN_URL ends with /db");
        Self {
            url: format!("{base}/{name}"),
            name,
        }
    }

    /// Drops the database, even with the code under test still connected.
    pub async fn drop(self) {
        let mut conn = sqlx::PgConnection::connect(&env("PG_ADMIN_URL"))
            .await
            .expect("connect to PG_ADMIN_URL");
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        ))
        .execute(&mut conn)
        .await
        .expect("drop test database");
    }
}

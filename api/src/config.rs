//! The binary's one typed configuration: environment variables (the way Lambda, Batch and
//! containers pass settings) with the same names as flags. Doc comments are the `--help` text.

use std::fmt;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// Ingest API: partners upload weekly job-posting CSVs into the object store.
#[derive(Debug, Parser)]
#[command(name = "ingest-api", version)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API on $PORT.
    Serve(ServeArgs),
    /// Manage partners (client credentials) in the configured registry.
    #[command(subcommand)]
    Partners(PartnersCommand),
    /// Signing keys for access tokens.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Mint an access token for a partner (operations and testing).
    Token(TokenArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// TCP port to listen on (the Lambda Web Adapter passes it too).
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,
    /// Address to bind: loopback by default; containers set 0.0.0.0.
    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1")]
    pub bind: String,
}

#[derive(Debug, Subcommand)]
pub enum PartnersCommand {
    /// Register a partner; prints its client id and secret once (only a hash is stored).
    Add {
        #[arg(long)]
        id: String,
    },
    /// Refuse a partner's credentials and tokens from now on.
    Disable {
        #[arg(long)]
        id: String,
    },
    /// Accept a disabled partner again.
    Enable {
        #[arg(long)]
        id: String,
    },
    /// Replace a partner's client secret; prints the new one once. The old secret stops
    /// working as soon as the server sees the change (at once on the local file).
    RotateSecret {
        #[arg(long)]
        id: String,
    },
    /// List partners (id and whether enabled).
    List,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a new current signing key; the previous one keeps verifying until retired.
    Rotate,
    /// Drop all but the current and the previous key.
    Retire,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The partner the token is for.
    #[arg(long)]
    pub partner: String,
    /// Lifetime, e.g. 900s, 15m, 1h.
    #[arg(long, default_value = "15m")]
    pub ttl: HumanDuration,
}

/// Settings shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Object store: s3://bucket[/prefix], file:///dir or a directory path.
    #[arg(long, env = "STORE_URL", default_value = ".data/store", global = true)]
    pub store_url: String,
    /// Secrets Manager secret holding the partner registry and signing keys (production).
    /// When unset, the local file PARTNERS_FILE is used.
    #[arg(long, env = "PARTNERS_SECRET_ID", global = true)]
    pub partners_secret_id: Option<String>,
    /// Local partner registry file (the embedded default).
    #[arg(
        long,
        env = "PARTNERS_FILE",
        default_value = ".data/partners.json",
        global = true
    )]
    pub partners_file: PathBuf,
    /// How long the partner registry is cached before it is read again.
    #[arg(long, env = "PARTNERS_REFRESH", default_value = "60s", global = true)]
    pub partners_refresh: HumanDuration,
    /// `iss` of the access tokens this service issues and accepts.
    #[arg(
        long,
        env = "TOKEN_ISSUER",
        default_value = "ingest-api",
        global = true
    )]
    pub token_issuer: String,
    /// `aud` of the access tokens this service issues and accepts.
    #[arg(
        long,
        env = "TOKEN_AUDIENCE",
        default_value = "ingest-api",
        global = true
    )]
    pub token_audience: String,
    /// Lifetime of tokens from POST /v1/oauth/token.
    #[arg(long, env = "TOKEN_TTL", default_value = "15m", global = true)]
    pub token_ttl: HumanDuration,
    /// Largest accepted CSV, in bytes (direct and presigned uploads).
    #[arg(long, env = "MAX_UPLOAD_BYTES", default_value_t = 512 * 1024 * 1024, global = true)]
    pub max_upload_bytes: u64,
    /// Longest a request may take before it is answered 503.
    #[arg(long, env = "REQUEST_TIMEOUT", default_value = "300s", global = true)]
    pub request_timeout: HumanDuration,
    /// How long a client may take to send its request line and headers; then the
    /// connection is closed.
    #[arg(
        long,
        env = "HEADER_READ_TIMEOUT",
        default_value = "10s",
        global = true
    )]
    pub header_read_timeout: HumanDuration,
    /// How long a request body may go without a byte arriving; then 408 (nothing stored).
    #[arg(long, env = "BODY_READ_TIMEOUT", default_value = "20s", global = true)]
    pub body_read_timeout: HumanDuration,
    /// Most requests one partner may have in progress at once; more get 429. 0 means a
    /// quarter of MAX_CONCURRENT_REQUESTS.
    #[arg(
        long,
        env = "MAX_CONCURRENT_PER_PARTNER",
        default_value_t = 0,
        global = true
    )]
    pub max_concurrent_per_partner: usize,
    /// Most requests served at once (health checks aside); more are refused with 503.
    #[arg(
        long,
        env = "MAX_CONCURRENT_REQUESTS",
        default_value_t = 256,
        global = true
    )]
    pub max_concurrent_requests: usize,
    /// Token requests allowed per client id per minute (and at once); more get 429.
    #[arg(long, env = "TOKEN_RATE_PER_CLIENT", default_value_t = NonZeroU32::new(10).expect("non-zero"), global = true)]
    pub token_rate_per_client: NonZeroU32,
    /// Token requests allowed per peer address per minute (and at once); more get 429.
    #[arg(long, env = "TOKEN_RATE_PER_ADDRESS", default_value_t = NonZeroU32::new(64).expect("non-zero"), global = true)]
    pub token_rate_per_address: NonZeroU32,
    /// Lifetime of presigned upload URLs.
    #[arg(long, env = "PRESIGN_TTL", default_value = "15m", global = true)]
    pub presign_ttl: HumanDuration,
}

/// A duration written as `<n>ms|s|m|h|d` (a bare number is seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl FromStr for HumanDuration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (n, unit) = s.split_at(split);
        let n: u64 = n
            .parse()
            .map_err(|_| format!("invalid duration {s:?}: expected e.g. 30s, 15m, 1h"))?;
        let d = match unit {
            "ms" => Duration::from_millis(n),
            "" | "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n * 60),
            "h" => Duration::from_secs(n * 3600),
            "d" => Duration::from_secs(n * 86400),
            _ => {
                return Err(format!(
                    "invalid duration unit in {s:?}: use ms, s, m, h or d"
                ));
            }
        };
        Ok(Self(d))
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}s", self.0.as_secs())
    }
}

/// A value that must never reach a log line: Debug and Display print a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }
    /// The one way to read the value; grep for it to audit where secrets go.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_with_their_units() {
        assert_eq!("15m".parse(), Ok(HumanDuration(Duration::from_secs(900))));
        assert_eq!("90".parse(), Ok(HumanDuration(Duration::from_secs(90))));
        assert_eq!(
            "250ms".parse(),
            Ok(HumanDuration(Duration::from_millis(250)))
        );
        assert!("1w".parse::<HumanDuration>().is_err());
        assert!("m".parse::<HumanDuration>().is_err());
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("hunter2".to_owned());
        assert!(!format!("{s:?} {s}").contains("hunter2"));
    }
}

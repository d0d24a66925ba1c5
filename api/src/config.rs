//! The binary's one typed configuration: environment variables (the way Lambda, Batch and
//! containers pass settings) with the same names as flags. Doc comments are the `--help` text;
//! a bare `env` is the field's name in upper case (`store_url`: `--store-url`, `STORE_URL`).

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
    #[arg(long, env, default_value_t = 8080)]
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
    #[arg(long, env, default_value = ".data/store", global = true)]
    pub store_url: String,
    /// Secrets Manager secret holding the partner registry and signing keys (production).
    /// When unset, the local file PARTNERS_FILE is used.
    #[arg(long, env, global = true)]
    pub partners_secret_id: Option<String>,
    /// Local partner registry file (the embedded default).
    #[arg(long, env, default_value = ".data/partners.json", global = true)]
    pub partners_file: PathBuf,
    /// How long the partner registry is cached before it is read again.
    #[arg(long, env, default_value = "60s", global = true)]
    pub partners_refresh: HumanDuration,
    /// `iss` of the access tokens this service issues and accepts.
    #[arg(long, env, default_value = "ingest-api", global = true)]
    pub token_issuer: String,
    /// `aud` of the access tokens this service issues and accepts.
    #[arg(long, env, default_value = "ingest-api", global = true)]
    pub token_audience: String,
    /// Lifetime of tokens from POST /v1/oauth/token.
    #[arg(long, env, default_value = "15m", global = true)]
    pub token_ttl: HumanDuration,
    /// Largest accepted CSV, in bytes (direct and presigned uploads).
    #[arg(long, env, default_value_t = 512 * 1024 * 1024, global = true)]
    pub max_upload_bytes: u64,
    /// Longest a request may take before it is answered 503.
    #[arg(long, env, default_value = "300s", global = true)]
    pub request_timeout: HumanDuration,
    /// How long a client may take to send its request line and headers; then the
    /// connection is closed.
    #[arg(long, env, default_value = "10s", global = true)]
    pub header_read_timeout: HumanDuration,
    /// How long a request body may go without a byte arriving; then 408 (nothing stored).
    #[arg(long, env, default_value = "20s", global = true)]
    pub body_read_timeout: HumanDuration,
    /// Most requests one partner may have in progress at once; more get 429. 0 means a
    /// quarter of MAX_CONCURRENT_REQUESTS.
    #[arg(long, env, default_value_t = 0, global = true)]
    pub max_concurrent_per_partner: usize,
    /// Most requests served at once (health checks aside); more are refused with 503.
    #[arg(long, env, default_value_t = 256, global = true)]
    pub max_concurrent_requests: usize,
    /// Token requests allowed per client id per minute (and at once); more get 429.
    #[arg(long, env, default_value_t = NonZeroU32::new(10).expect("non-zero"), global = true)]
    pub token_rate_per_client: NonZeroU32,
    /// Token requests allowed per peer address per minute (and at once); more get 429.
    #[arg(long, env, default_value_t = NonZeroU32::new(64).expect("non-zero"), global = true)]
    pub token_rate_per_address: NonZeroU32,
    /// Lifetime of presigned upload URLs.
    #[arg(long, env, default_value = "15m", global = true)]
    pub presign_ttl: HumanDuration,
}

/// A duration as humantime writes it (`250ms`, `30s`, `15m`, `1h 30m`, `2d`); a bare number
/// is seconds, as the deploy templates' environment writes some of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl FromStr for HumanDuration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if let Ok(seconds) = s.parse::<u64>() {
            return Ok(Self(Duration::from_secs(seconds)));
        }
        humantime::parse_duration(s)
            .map(Self)
            .map_err(|e| format!("invalid duration {s:?} ({e}): expected e.g. 250ms, 30s, 15m, 1h"))
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        humantime::format_duration(self.0).fmt(f)
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
        assert!("1 fortnight".parse::<HumanDuration>().is_err());
        assert!("m".parse::<HumanDuration>().is_err());
    }

    #[test]
    fn durations_print_as_they_are_written() {
        assert_eq!(
            HumanDuration(Duration::from_millis(250)).to_string(),
            "250ms"
        );
        assert_eq!(HumanDuration(Duration::from_secs(900)).to_string(), "15m");
    }
}

//! `matcher review serve | export | import`: the operator's review of what the matcher left
//! unmatched, and the decisions every later run applies.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Subcommand;

use crate::review::desk::Desk;
use crate::review::exchange;

const AFTER_HELP: &str = "\
THE REVIEW LOOP
  The queue holds the unmatched postings (ambiguous, below_threshold, no_candidate) of the
  latest runs in the store, grouped by the employer's normalised name and the place the
  posting states, the groups one decision settles most postings of first. Each decision is
  stored in the company database (table review_overrides, with who and when) and applied by
  every later match run (and re-run) before anything else: a chosen company links the group's
  postings with match_method `manual`; `none` leaves them unmatched with the reason
  reviewed_not_in_master. A decision whose company has left the master is not applied; each
  run logs it and lists it in its manifest under overrides.stale.

  matcher review serve              the page: 1-9 pick a candidate, n none, j/k next/previous
  matcher review export --out q.csv the queue as CSV; fill the `decision` column
  matcher review import q.csv       records the filled decisions (all lines checked first)";

#[derive(Debug, clap::Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct ReviewArgs {
    #[command(subcommand)]
    pub command: ReviewCommand,
}

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Serve the review page on 127.0.0.1 (the URL to open, with its access token, is printed).
    Serve {
        #[command(flatten)]
        queue: QueueArgs,
        /// Port on 127.0.0.1 (0: any free port).
        #[arg(long, env = "REVIEW_PORT", default_value_t = 8765)]
        port: u16,
        #[command(flatten)]
        operator: OperatorArgs,
    },
    /// Write the queue as CSV, with the top candidates and an empty `decision` column.
    Export {
        #[command(flatten)]
        queue: QueueArgs,
        #[arg(long, value_name = "FILE.csv")]
        out: PathBuf,
    },
    /// Record the decisions of a CSV written by `export` (a corporate number or `none` per line).
    Import {
        file: PathBuf,
        #[command(flatten)]
        database: super::DatabaseArgs,
        #[command(flatten)]
        operator: OperatorArgs,
    },
}

#[derive(Debug, clap::Args)]
pub struct QueueArgs {
    #[command(flatten)]
    pub store: super::StoreArgs,
    #[command(flatten)]
    pub database: super::DatabaseArgs,
    /// Read the unmatched postings of this many most recent runs.
    #[arg(long, env = "REVIEW_RUNS", default_value_t = 8)]
    pub runs: usize,
}

impl QueueArgs {
    async fn desk(&self) -> anyhow::Result<Desk> {
        let store = self.store.open().await?;
        let db = self.database.connect().await?;
        Desk::open(&store, db, self.runs).await
    }
}

#[derive(Debug, clap::Args)]
pub struct OperatorArgs {
    /// Who decides, recorded with each decision.
    #[arg(long, env = "REVIEW_OPERATOR")]
    pub operator: Option<String>,
}

impl OperatorArgs {
    fn name(&self) -> anyhow::Result<String> {
        self.operator
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| anyhow::anyhow!("say who decides: --operator NAME (or REVIEW_OPERATOR)"))
    }
}

pub async fn run(args: ReviewArgs) -> anyhow::Result<()> {
    match args.command {
        ReviewCommand::Serve {
            queue,
            port,
            operator,
        } => {
            let operator = operator.name()?;
            let desk = queue.desk().await?;
            let groups = desk.queue.len();
            crate::review::server::serve(desk, operator, port, |url| {
                eprintln!("review queue: {groups} group(s); open this URL (Ctrl-C stops):");
                // stdout carries the URL alone, for scripts.
                println!("{url}");
                std::io::stdout().flush().ok();
            })
            .await
        }
        ReviewCommand::Export { queue, out } => {
            let desk = queue.desk().await?;
            let n = exchange::export(&desk, &out).await?;
            eprintln!("{n} group(s) written to {}", out.display());
            Ok(())
        }
        ReviewCommand::Import {
            file,
            database,
            operator,
        } => {
            let operator = operator.name()?;
            let db = database.connect().await?;
            let done = exchange::import(&db, &file, &operator).await?;
            db.close().await;
            eprintln!(
                "{} decision(s) recorded, {} line(s) left undecided",
                done.decided, done.blank
            );
            Ok(())
        }
    }
}

//! `ingest-api serve | partners … | keys … | token …`: one binary for the server and its admin
//! commands, configured from the environment.

use clap::Parser;
use ingest_api::admin::{self, Admin};
use ingest_api::config::{Cli, Command};
use ingest_api::startup::Application;
use ingest_api::state::AppState;
use postings::telemetry;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // The error and its causes, one line; never a backtrace (RUST_BACKTRACE is for
            // panics), which would bury the message under frames.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout();
    let open_admin = || Admin::open(&cli.config);
    match cli.command {
        Command::Serve(args) => {
            let state = AppState::from_config(&cli.config).await?;
            admin::ensure_local_signing_key(&state.registry).await?;
            let app = Application::build(state, &args.bind, args.port).await?;
            tracing::info!(addr = %app.local_addr(), "listening");
            app.run_until_stopped().await
        }
        Command::Partners(c) => open_admin().await.partners(c, &mut stdout).await,
        Command::Keys(c) => open_admin().await.keys(c, &mut stdout).await,
        Command::Token(args) => open_admin().await.mint_token(args, &mut stdout).await,
    }
}

//! `ingest-api serve | partners … | keys … | token …`: one binary for the server and its admin
//! commands, configured from the environment.

use clap::Parser;
use ingest_api::admin;
use ingest_api::config::{Cli, Command};
use ingest_api::startup::{AppState, Application};
use postings::telemetry;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init();
    let mut stdout = std::io::stdout();
    match cli.command {
        Command::Serve(args) => {
            let state = AppState::from_config(&cli.config).await?;
            admin::ensure_local_signing_key(&state.registry).await?;
            let app = Application::build(state, &args.bind, args.port).await?;
            tracing::info!(addr = %app.local_addr(), "listening");
            app.run_until_stopped().await
        }
        Command::Partners(c) => admin::partners(&cli.config, c, &mut stdout).await,
        Command::Keys(c) => admin::keys(&cli.config, c, &mut stdout).await,
        Command::Token(args) => admin::mint_token(&cli.config, args, &mut stdout).await,
    }
}

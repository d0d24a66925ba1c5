//! `matcher run`. (Placeholder.)

#[derive(Debug, clap::Args)]
pub struct RunArgs {}

pub async fn run(_args: RunArgs) -> anyhow::Result<()> {
    anyhow::bail!("matcher run is not implemented yet")
}

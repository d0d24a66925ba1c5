//! `matcher match`. (Placeholder.)

#[derive(Debug, clap::Args)]
pub struct MatchArgs {}

pub async fn run(_args: MatchArgs) -> anyhow::Result<()> {
    anyhow::bail!("matcher match is not implemented yet")
}

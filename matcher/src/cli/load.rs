//! `matcher load`. (Placeholder.)

#[derive(Debug, clap::Args)]
pub struct LoadArgs {}

pub async fn run(_args: LoadArgs) -> anyhow::Result<()> {
    anyhow::bail!("matcher load is not implemented yet")
}

//! `matcher import-companies`. (Placeholder.)

#[derive(Debug, clap::Args)]
pub struct ImportArgs {}

pub async fn run(_args: ImportArgs) -> anyhow::Result<()> {
    anyhow::bail!("matcher import-companies is not implemented yet")
}

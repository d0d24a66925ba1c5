use clap::Parser;

fn main() -> std::process::ExitCode {
    matcher::cli::main(matcher::cli::Cli::parse())
}

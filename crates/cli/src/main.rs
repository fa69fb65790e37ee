//! `cstk` — the command-line front end of the cstk compressed-sensing toolkit.
//!
//! A thin shell: parse flags, read files, call the libraries, write files.
//! Every error is one line on stderr and exit code 2; outputs are written atomically.

mod commands;
mod image_io;
mod matrix_file;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// cstk — compressed-sensing toolkit: linear operators, sparse matrices, sparse recovery.
#[derive(Parser, Debug)]
#[command(name = "cstk", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Describe a matrix file (.mtx or .npy): shape, stored entries, density, memory per
    /// storage format, estimated operator norm ‖A‖₂, symmetry.
    Info(commands::info::InfoArgs),
    /// Convert a matrix between Matrix Market (.mtx, sparse) and NumPy (.npy, dense).
    Convert(commands::convert::ConvertArgs),
    /// Multilevel orthonormal wavelet transform (periodization) of a .npy signal/image or a
    /// .png image; coefficients in PyWavelets' coeffs_to_array layout, or the inverse.
    Dwt(commands::dwt::DwtArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info(args) => commands::info::run(args),
        Command::Convert(args) => commands::convert::run(args),
        Command::Dwt(args) => commands::dwt::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes on one line, skipping a cause whose text the message already
/// holds (library errors often print their source themselves).
fn one_line(e: &anyhow::Error) -> String {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    msg
}

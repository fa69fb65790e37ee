//! `cstk convert IN OUT`: Matrix Market ⇄ NumPy.

use crate::matrix_file::{Kind, kind_of, load_matrix, save_matrix};
use anyhow::{Result, bail};
use cstk_linop::io::{mtx::MtxSymmetry, npy::NpyOrder};
use std::path::PathBuf;

/// Symmetry written into a Matrix Market header.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum SymmetryArg {
    General,
    Symmetric,
    SkewSymmetric,
    Hermitian,
}

/// Memory order of a written `.npy` array.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum OrderArg {
    C,
    Fortran,
}

/// Arguments of `cstk convert`.
#[derive(clap::Args, Debug)]
pub struct ConvertArgs {
    /// Input matrix: .mtx (Matrix Market) or .npy (2-D NumPy array)
    pub input: PathBuf,
    /// Output file: .mtx (sparse, coordinate format) or .npy (dense)
    pub output: PathBuf,
    /// Symmetry to record in a .mtx output (only the lower triangle is written; the
    /// matrix must have that symmetry)
    #[arg(long, value_enum, default_value = "general")]
    pub symmetry: SymmetryArg,
    /// Memory order of a .npy output
    #[arg(long, value_enum, default_value = "c")]
    pub order: OrderArg,
}

pub fn run(args: ConvertArgs) -> Result<()> {
    let out_kind = kind_of(&args.output)?;
    if out_kind == Kind::Npy && !matches!(args.symmetry, SymmetryArg::General) {
        bail!(
            "--symmetry applies to .mtx outputs only; {} is .npy",
            args.output.display()
        );
    }
    let loaded = load_matrix(&args.input)?;
    let symmetry = match args.symmetry {
        SymmetryArg::General => MtxSymmetry::General,
        SymmetryArg::Symmetric => MtxSymmetry::Symmetric,
        SymmetryArg::SkewSymmetric => MtxSymmetry::SkewSymmetric,
        SymmetryArg::Hermitian => MtxSymmetry::Hermitian,
    };
    let order = match args.order {
        OrderArg::C => NpyOrder::C,
        OrderArg::Fortran => NpyOrder::Fortran,
    };
    save_matrix(&args.output, &loaded.matrix, symmetry, order)?;
    eprintln!("wrote {} ({})", args.output.display(), loaded.source);
    Ok(())
}

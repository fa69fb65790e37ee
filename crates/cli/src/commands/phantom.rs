//! `cstk phantom`: the modified Shepp–Logan phantom as PNG or `.npy`.

use anyhow::{Result, bail};
use cstk_linop::io::npy::{NpyOrder, write_npy};
use cstk_linop::io::png::write_gray_png;
use cstk_measure::phantom::shepp_logan;
use std::path::PathBuf;

/// The largest phantom side the CLI makes (`cstk phantom`, `cstk recon --phantom`): a 4096²
/// complex image is 256 MiB and the solvers keep several, so larger sizes would exhaust
/// memory (an abort, not an error) on most machines.
pub const MAX_PHANTOM: usize = 4096;

/// Arguments of `cstk phantom`.
#[derive(clap::Args, Debug)]
pub struct PhantomArgs {
    /// Image side N (N × N pixels, 16 ≤ N ≤ 4096)
    #[arg(long, default_value_t = 256, allow_negative_numbers = true)]
    pub size: usize,
    /// Output: .png (8-bit gray, 0 → 0, 1 → 255) or .npy (float64, shape (N, N))
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: PhantomArgs) -> Result<()> {
    if !(16..=MAX_PHANTOM).contains(&args.size) {
        bail!(
            "--size {}: expected a size of at least 16 and at most {MAX_PHANTOM}",
            args.size
        );
    }
    let ext = crate::ext::ext_lower(&args.out);
    let n = args.size;
    match ext.as_str() {
        "png" | "npy" => {}
        other => bail!(
            "--out {}: unknown extension {other:?}; expected .png or .npy",
            args.out.display()
        ),
    }
    let img = shepp_logan(n)?;
    if ext == "png" {
        write_gray_png(&args.out, n, n, &img, 0.0, 1.0)?;
    } else {
        write_npy(&args.out, &[n, n], &img, NpyOrder::C)?;
    }
    println!(
        "wrote {} ({n}x{n} modified Shepp–Logan phantom)",
        args.out.display()
    );
    Ok(())
}

//! Sparse matrices and operators with cstk: read a Matrix Market file, convert between
//! formats, apply and adjoint, compose with a sampling operator, check adjoints, estimate
//! ‖A‖₂, and save to NumPy.
//!
//! Run: `cargo run --release --example sparse_operators`

use cstk::linop::io::{mtx, npy};
use cstk::linop::testing::{dot_test, random_vec};
use cstk::linop::{LinOp, LinOpExt, PowerIteration, Restriction, SparseFormat};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/poisson2d_32.mtx");
    // symmetric file, lower triangle stored: expanded to the full matrix on read
    let a = mtx::read_mtx_csr::<f64>(&path)?;
    println!(
        "A: {} x {}, {} stored ({:.3}% dense)",
        a.nrows(),
        a.ncols(),
        a.nnz(),
        100.0 * a.density()
    );
    for f in [
        SparseFormat::Dense,
        SparseFormat::Coo,
        SparseFormat::Csr,
        SparseFormat::Bsr { r: 2, c: 2 },
    ] {
        println!("  {:>8}: {:>9} bytes", f.to_string(), a.memory_bytes_as(f)?);
    }

    // formats convert losslessly
    let csc = a.to_csc();
    let bsr = a.to_bsr(4, 4)?;
    assert_eq!(csc.to_csr(), a);
    assert_eq!(bsr.to_csr(), a);

    // products: every format gives the same A x
    let x: Vec<f64> = random_vec(a.ncols(), 1);
    let mut y = vec![0.0; a.nrows()];
    a.mul_vec(&x, &mut y); // the first call also starts rayon's thread pool
    let t = Instant::now();
    for _ in 0..1000 {
        a.mul_vec(&x, &mut y);
    }
    println!("A x (CSR): {:.2?} per product", t.elapsed() / 1000);
    let diff = |u: &[f64], v: &[f64]| {
        u.iter()
            .zip(v)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0, f64::max)
    };
    println!("  |CSR - CSC| = {:.1e}", diff(&y, &csc.apply_vec(&x)));
    println!("  |CSR - BSR| = {:.1e}", diff(&y, &bsr.apply_vec(&x)));

    // an undersampled measurement: keep every third entry of A x, as a LinOp
    let mask: Vec<bool> = (0..a.nrows()).map(|i| i % 3 == 0).collect();
    let sampled = Restriction::from_mask(&mask).compose(&a)?;
    println!(
        "sampled operator: {} x {}",
        sampled.nrows(),
        sampled.ncols()
    );
    let err = dot_test(&sampled, 1e-12).map_err(|e| e.to_string())?;
    println!("  adjoint test: relative error {err:.1e}");

    // ‖A‖₂ by power iteration (the Lipschitz constant of ½‖Ax − y‖²'s gradient is ‖A‖₂²)
    let est = PowerIteration::default()
        .tol(1e-10)
        .max_iter(5000)
        .run(&a)?;
    let exact = 8.0 * (32.0 * std::f64::consts::PI / 66.0).sin().powi(2);
    println!(
        "‖A‖₂ ≈ {:.6} after {} iterations (exact {exact:.6})",
        est.norm, est.iterations
    );

    // save the dense matrix for NumPy users
    let out = std::env::temp_dir().join("cstk_poisson2d_32.npy");
    npy::write_npy_matrix(&out, &a.to_dense(), npy::NpyOrder::C)?;
    println!("wrote {} (np.load it)", out.display());
    Ok(())
}

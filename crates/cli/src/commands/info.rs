//! `cstk info FILE`: what a matrix file holds and what it costs to store and apply.

use crate::matrix_file::{AnyCsr, load_matrix};
use anyhow::Result;
use cstk_linop::{CsrMatrix, PowerIteration, Scalar, SparseFormat};
use serde_json::{Value, json};
use std::path::PathBuf;

/// Arguments of `cstk info`.
#[derive(clap::Args, Debug)]
pub struct InfoArgs {
    /// Matrix file: Matrix Market (.mtx) or a 2-D NumPy array (.npy)
    pub file: PathBuf,
    /// Print the report as JSON on stdout instead of a table
    #[arg(long)]
    pub json: bool,
    /// Skip the operator-norm estimate (power iteration)
    #[arg(long)]
    pub no_norm: bool,
}

pub fn run(args: InfoArgs) -> Result<()> {
    let loaded = load_matrix(&args.file)?;
    let mut report = match &loaded.matrix {
        AnyCsr::Real(a) => describe(a, !args.no_norm)?,
        AnyCsr::Complex(a) => describe(a, !args.no_norm)?,
    };
    report["file"] = json!(args.file.display().to_string());
    report["source"] = json!(loaded.source);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report);
    }
    Ok(())
}

/// The numbers of the report, as JSON (the table is printed from it).
fn describe<T: Scalar>(a: &CsrMatrix<T>, norm: bool) -> Result<Value> {
    let (m, n) = (a.nrows(), a.ncols());
    let row_nnz = a.indptr().windows(2).map(|w| w[1] - w[0]);
    let (min_row, max_row) = row_nnz.fold((usize::MAX, 0), |(lo, hi), k| (lo.min(k), hi.max(k)));
    let mut memory = serde_json::Map::new();
    let mut formats = vec![
        SparseFormat::Dense,
        SparseFormat::Coo,
        SparseFormat::Csr,
        SparseFormat::Csc,
    ];
    for b in [2, 4] {
        if m % b == 0 && n % b == 0 {
            formats.push(SparseFormat::Bsr { r: b, c: b });
        }
    }
    for f in formats {
        memory.insert(f.to_string(), json!(a.memory_bytes_as(f)?));
    }
    let symmetry = if m != n {
        "not square"
    } else if *a == a.transpose() {
        "symmetric"
    } else if T::IS_COMPLEX && *a == a.conj_transpose() {
        "hermitian"
    } else {
        "general"
    };
    let mut report = json!({
        "dtype": T::NAME,
        "nrows": m,
        "ncols": n,
        "nnz": a.nnz(),
        "density": a.density(),
        "sparsity": a.sparsity(),
        "row_nnz": {
            "min": if m == 0 { 0 } else { min_row },
            "mean": if m == 0 { 0.0 } else { a.nnz() as f64 / m as f64 },
            "max": max_row,
        },
        "memory_bytes": memory,
        "symmetry": symmetry,
    });
    if norm {
        let est = PowerIteration::default().max_iter(5000).tol(1e-10).run(a)?;
        report["norm2_estimate"] = json!({
            "value": est.norm,
            "iterations": est.iterations,
            "converged": est.converged,
        });
    }
    Ok(report)
}

fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn print_table(r: &Value) {
    println!("file        {}", r["file"].as_str().unwrap_or(""));
    println!("source      {}", r["source"].as_str().unwrap_or(""));
    println!("dtype       {}", r["dtype"].as_str().unwrap_or(""));
    println!("shape       {} x {}", r["nrows"], r["ncols"]);
    println!(
        "stored      {} entries (density {:.4}%, sparsity {:.4}%)",
        r["nnz"],
        100.0 * r["density"].as_f64().unwrap_or(0.0),
        100.0 * r["sparsity"].as_f64().unwrap_or(0.0)
    );
    println!(
        "per row     min {}, mean {:.2}, max {}",
        r["row_nnz"]["min"],
        r["row_nnz"]["mean"].as_f64().unwrap_or(0.0),
        r["row_nnz"]["max"]
    );
    if let Some(mem) = r["memory_bytes"].as_object() {
        let parts: Vec<String> = mem
            .iter()
            .map(|(k, v)| format!("{k} {}", human_bytes(v.as_u64().unwrap_or(0))))
            .collect();
        println!("memory      {}", parts.join(" | "));
    }
    println!("symmetry    {}", r["symmetry"].as_str().unwrap_or(""));
    if let Some(e) = r.get("norm2_estimate") {
        println!(
            "norm ‖A‖₂   {:.6} (power iteration, {} iterations, {})",
            e["value"].as_f64().unwrap_or(f64::NAN),
            e["iterations"],
            if e["converged"].as_bool() == Some(true) {
                "converged"
            } else {
                "not converged"
            }
        );
    }
}

//! `cstk prune`: prune model weights (safetensors or .npy) and report what each pruned
//! tensor costs dense vs sparse.

use anyhow::{Context, Result, bail};
use cstk_linop::io::npy;
use cstk_linop::io::safetensors::{Tensor, read_tensors, write_tensors};
use cstk_ml::prune::{
    LayerPruner, Mask, Reconstruction, Target, global_l1_unstructured, l1_unstructured,
    ln_structured, nm_semi_structured, random_unstructured, relative_output_error, spmv_seconds,
    storage,
};
use serde_json::{Value, json};
use std::path::PathBuf;

/// The pruning methods.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PruneMethod {
    /// Smallest |w| per tensor (torch.nn.utils.prune.l1_unstructured)
    Magnitude,
    /// Smallest |w| over all chosen tensors at once (global_unstructured)
    Global,
    /// Uniformly random entries, seeded (random_unstructured): the baseline
    Random,
    /// Whole slices along --dim with the smallest L_n norm (ln_structured)
    Structured,
    /// N:M semi-structured along the input dimension (--nm 2:4)
    Nm,
    /// Wanda: |w|·‖X column‖ ranked within each output row, no weight update (needs --calib)
    Wanda,
    /// SparseGPT: optimal-brain-surgeon updates with H = XᵀX/n dampened by 1% (needs --calib)
    Sparsegpt,
    /// Per-row OMP on the Gram matrix: min ‖X ŵ − X w‖ over k-sparse ŵ (needs --calib)
    Omp,
    /// Per-row LASSO path to the target support, then least squares on it (needs --calib)
    Lasso,
}

/// Arguments of `cstk prune`.
#[derive(clap::Args, Debug)]
pub struct PruneArgs {
    /// The weights: a .safetensors file (F16/BF16/F32/F64 tensors) or one .npy array
    #[arg(long)]
    pub weights: PathBuf,
    /// The method
    #[arg(long, value_enum)]
    pub method: PruneMethod,
    /// Share of the weights to remove, in [0, 1) (structured: share of the slices)
    #[arg(long, allow_negative_numbers = true)]
    pub sparsity: Option<f64>,
    /// N:M pattern for --method nm, e.g. 2:4 (keep N of every M consecutive inputs)
    #[arg(long)]
    pub nm: Option<String>,
    /// Tensors to prune: comma-separated names or globs with * and ? (default: every tensor of rank ≥ 2)
    #[arg(long)]
    pub tensors: Option<String>,
    /// Structured: the dimension whose slices are removed (0: output rows / filters)
    #[arg(long, default_value_t = 0)]
    pub dim: usize,
    /// Structured: the norm ranking the slices (1 or 2)
    #[arg(long, default_value_t = 2.0, allow_negative_numbers = true)]
    pub norm: f64,
    /// Random: the seed
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Calibration inputs X (.npy, n × in) of the linear layers to prune: needed by wanda, sparsegpt, omp and lasso (which prune each output row to the same sparsity); with any method, the relative output error ‖XWᵀ − XŴᵀ‖/‖XWᵀ‖ of every 2-D tensor of input width `in` is reported
    #[arg(long)]
    pub calib: Option<PathBuf>,
    /// Output file (.safetensors or .npy), every tensor in its own dtype
    #[arg(long)]
    pub out: PathBuf,
    /// Print the report as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

/// `name` matches the glob `pat` (`*`: any run of characters, `?`: one character).
fn glob(pat: &[char], name: &[char]) -> bool {
    match (pat.first(), name.first()) {
        (None, None) => true,
        (Some('*'), _) => glob(&pat[1..], name) || (!name.is_empty() && glob(pat, &name[1..])),
        (Some('?'), Some(_)) => glob(&pat[1..], &name[1..]),
        (Some(p), Some(n)) if p == n => glob(&pat[1..], &name[1..]),
        _ => false,
    }
}

fn parse_nm(s: &str) -> Result<(usize, usize)> {
    let bad = || anyhow::anyhow!("--nm {s:?}: expected N:M with 1 ≤ N < M, e.g. 2:4");
    let (n, m) = s.split_once(':').ok_or_else(bad)?;
    let (n, m): (usize, usize) = (
        n.trim().parse().map_err(|_| bad())?,
        m.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || n >= m {
        return Err(bad());
    }
    Ok((n, m))
}

pub fn run(args: PruneArgs) -> Result<()> {
    let reconstruction = match args.method {
        PruneMethod::Wanda => Some(Reconstruction::Wanda),
        PruneMethod::Sparsegpt => Some(Reconstruction::SparseGpt),
        PruneMethod::Omp => Some(Reconstruction::Omp),
        PruneMethod::Lasso => Some(Reconstruction::Lasso),
        _ => None,
    };
    let nm_ok = matches!(
        args.method,
        PruneMethod::Nm | PruneMethod::Wanda | PruneMethod::Sparsegpt
    );
    let nm = match (&args.nm, nm_ok) {
        (Some(s), true) => Some(parse_nm(s)?),
        (Some(_), false) => bail!("--nm is for --method nm, wanda and sparsegpt"),
        (None, _) if args.method == PruneMethod::Nm => {
            bail!("--method nm needs --nm N:M (e.g. --nm 2:4)")
        }
        (None, _) => None,
    };
    if reconstruction.is_some() && args.calib.is_none() {
        bail!(
            "--method {} needs --calib X.npy (calibration inputs, n × in)",
            format!("{:?}", args.method).to_lowercase()
        );
    }
    let sparsity = match (nm.is_some(), args.sparsity) {
        (true, Some(_)) => bail!("give either --nm N:M or --sparsity, not both"),
        (true, None) => 0.0,
        (false, None) => bail!(
            "--method {} needs --sparsity S in [0, 1)",
            format!("{:?}", args.method).to_lowercase()
        ),
        (false, Some(s)) if !(0.0..1.0).contains(&s) => {
            bail!("--sparsity {s}: expected a number in [0, 1)")
        }
        (false, Some(s)) => s,
    };
    if args.norm.is_nan() || args.norm < 1.0 {
        bail!("--norm {}: expected a norm order ≥ 1 (1 or 2)", args.norm);
    }
    let ext = crate::ext::ext_lower(&args.out);
    if ext != "safetensors" && ext != "npy" {
        bail!(
            "--out {}: expected a .safetensors or .npy file name",
            args.out.display()
        );
    }
    let mut tensors = read_tensors(&args.weights)
        .with_context(|| format!("--weights {}", args.weights.display()))?;
    let chosen: Vec<usize> = match &args.tensors {
        Some(spec) => {
            let pats: Vec<Vec<char>> = spec
                .split(',')
                .map(|p| p.trim().chars().collect())
                .collect();
            let hit: Vec<usize> = (0..tensors.len())
                .filter(|&i| {
                    let name: Vec<char> = tensors[i].name.chars().collect();
                    pats.iter().any(|p| glob(p, &name))
                })
                .collect();
            if let Some(p) = pats.iter().find(|p| {
                !tensors
                    .iter()
                    .any(|t| glob(p, &t.name.chars().collect::<Vec<_>>()))
            }) {
                let names: Vec<&str> = tensors.iter().take(12).map(|t| t.name.as_str()).collect();
                bail!(
                    "--tensors: no tensor matches {:?} in {}; the tensors are {}{}",
                    p.iter().collect::<String>(),
                    args.weights.display(),
                    names.join(", "),
                    if tensors.len() > 12 {
                        format!(", … ({} in all)", tensors.len())
                    } else {
                        String::new()
                    }
                );
            }
            hit
        }
        None => (0..tensors.len())
            .filter(|&i| tensors[i].shape.len() >= 2)
            .collect(),
    };
    if chosen.is_empty() {
        bail!(
            "--weights {}: no tensor of rank ≥ 2 to prune (name them with --tensors)",
            args.weights.display()
        );
    }
    let calib = match &args.calib {
        Some(p) => {
            let x = npy::read_npy_matrix::<f64>(p)
                .with_context(|| format!("--calib {}", p.display()))?;
            let (n, d) = x.shape();
            let rows: Vec<f64> = (0..n)
                .flat_map(|i| x.row(i).iter().copied().collect::<Vec<_>>())
                .collect();
            Some((rows, [n, d]))
        }
        None => None,
    };
    if let Some((_, [_, d])) = &calib {
        let fits = |i: usize| tensors[i].shape.len() == 2 && tensors[i].shape[1] == *d;
        if let Some(&i) = chosen
            .iter()
            .find(|&&i| reconstruction.is_some() && !fits(i))
        {
            bail!(
                "--calib: width {d} does not match tensor {:?} of shape {:?}; {} needs 2-D [out, in] weights with in = {d} (choose them with --tensors)",
                tensors[i].name,
                tensors[i].shape,
                format!("{:?}", args.method).to_lowercase()
            );
        }
        if !chosen.iter().any(|&i| fits(i)) {
            bail!("--calib: width {d} matches the input width of no chosen 2-D tensor");
        }
    }
    let values: Vec<Vec<f32>> = chosen
        .iter()
        .map(|&i| tensors[i].data.iter().map(|&v| v as f32).collect())
        .collect();
    let ctx = |i: usize| format!("tensor {:?} {:?}", tensors[i].name, tensors[i].shape);
    let mut updated: Vec<Option<Vec<f32>>> = vec![None; chosen.len()];
    let masks: Vec<Mask> = match (args.method, reconstruction, &calib) {
        (_, Some(method), Some((x, xs))) => {
            let target = match nm {
                Some((n, m)) => Target::Nm { n, m },
                None => Target::Sparsity(sparsity),
            };
            let pruner = LayerPruner::new(method, target);
            let mut masks = Vec::new();
            for (k, (&i, v)) in chosen.iter().zip(&values).enumerate() {
                let p = pruner
                    .prune(v, &tensors[i].shape, x, xs)
                    .with_context(|| ctx(i))?;
                updated[k] = Some(p.weight);
                masks.push(p.mask);
            }
            masks
        }
        (PruneMethod::Global, _, _) => {
            let refs: Vec<(&[f32], &[usize])> = chosen
                .iter()
                .zip(&values)
                .map(|(&i, v)| (v.as_slice(), tensors[i].shape.as_slice()))
                .collect();
            global_l1_unstructured(&refs, sparsity)?
        }
        _ => chosen
            .iter()
            .zip(&values)
            .enumerate()
            .map(|(k, (&i, v))| {
                let shape = &tensors[i].shape;
                match args.method {
                    PruneMethod::Magnitude => l1_unstructured(v, shape, sparsity),
                    PruneMethod::Random => {
                        random_unstructured(shape, sparsity, args.seed, k as u64)
                    }
                    PruneMethod::Structured => {
                        ln_structured(v, shape, sparsity, args.norm, args.dim)
                    }
                    PruneMethod::Nm => {
                        let (n, m) = nm.expect("checked above");
                        nm_semi_structured(v, shape, n, m)
                    }
                    _ => unreachable!("handled above"),
                }
                .with_context(|| ctx(i))
            })
            .collect::<Result<_>>()?,
    };
    let mut rows = Vec::new();
    for (((&i, mask), v), upd) in chosen.iter().zip(&masks).zip(&values).zip(updated) {
        let t: &mut Tensor = &mut tensors[i];
        let pruned = match upd {
            // The reconstruction methods also update the kept weights.
            Some(w) => {
                t.data
                    .iter_mut()
                    .zip(&w)
                    .for_each(|(d, &w)| *d = f64::from(w));
                w
            }
            None => {
                for (d, &keep) in t.data.iter_mut().zip(mask.keep()) {
                    if !keep {
                        *d = 0.0;
                    }
                }
                mask.applied(v)?
            }
        };
        let output_error = match &calib {
            Some((x, xs)) if t.shape.len() == 2 && t.shape[1] == xs[1] => {
                Some(relative_output_error(v, &pruned, &t.shape, x, xs)?)
            }
            _ => None,
        };
        let st = storage(&pruned, &t.shape, t.dtype.size())?;
        let (dense_s, csr_s) = spmv_seconds(&pruned, &t.shape, 0.02)?;
        rows.push(json!({
            "name": t.name,
            "shape": t.shape,
            "dtype": t.dtype.name(),
            "sparsity": mask.sparsity(),
            "output_error": output_error,
            "bytes_dense": st.dense,
            "bytes_csr": st.csr,
            "bytes_bsr2": st.bsr2,
            "bytes_bsr4": st.bsr4,
            "matvec_dense_us": 1e6 * dense_s,
            "matvec_csr_us": 1e6 * csr_s,
        }));
    }
    write_tensors(&args.out, &tensors).with_context(|| format!("--out {}", args.out.display()))?;
    let report = json!({
        "weights": args.weights.display().to_string(),
        "method": format!("{:?}", args.method).to_lowercase(),
        "sparsity": if nm.is_some() { Value::Null } else { json!(sparsity) },
        "nm": nm.map(|(n, m)| format!("{n}:{m}")),
        "out": args.out.display().to_string(),
        "tensors": rows,
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "{:<28} {:<16} {:<5} {:>8} {:>9} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "tensor",
        "shape",
        "dtype",
        "sparsity",
        "out err",
        "dense B",
        "CSR B",
        "BSR2 B",
        "BSR4 B",
        "Wx dense",
        "Wx CSR"
    );
    let opt = |v: &Value| v.as_u64().map_or("n/a".to_string(), |b| b.to_string());
    for r in &rows {
        println!(
            "{:<28} {:<16} {:<5} {:>8.4} {:>9} {:>10} {:>10} {:>10} {:>10} {:>8.1}us {:>8.1}us",
            r["name"].as_str().unwrap_or(""),
            format!(
                "{:?}",
                r["shape"]
                    .as_array()
                    .map(|a| a
                        .iter()
                        .map(|v| v.as_u64().unwrap_or(0))
                        .collect::<Vec<_>>())
                    .unwrap_or_default()
            ),
            r["dtype"].as_str().unwrap_or(""),
            r["sparsity"].as_f64().unwrap_or(f64::NAN),
            r["output_error"]
                .as_f64()
                .map_or("-".to_string(), |e| format!("{e:.4}")),
            opt(&r["bytes_dense"]),
            opt(&r["bytes_csr"]),
            opt(&r["bytes_bsr2"]),
            opt(&r["bytes_bsr4"]),
            r["matvec_dense_us"].as_f64().unwrap_or(f64::NAN),
            r["matvec_csr_us"].as_f64().unwrap_or(f64::NAN),
        );
    }
    println!("wrote {}", args.out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_nm_patterns() {
        let g = |p: &str, n: &str| {
            glob(
                &p.chars().collect::<Vec<_>>(),
                &n.chars().collect::<Vec<_>>(),
            )
        };
        assert!(g("layer*.weight", "layer1.weight") && g("*", "") && g("a?c", "abc"));
        assert!(!g("layer*.weight", "layer1.bias") && !g("a?c", "ac"));
        assert_eq!(parse_nm("2:4").unwrap(), (2, 4));
        assert!(parse_nm("4:4").is_err() && parse_nm("0:4").is_err() && parse_nm("2-4").is_err());
    }
}

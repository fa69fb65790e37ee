//! Runs the `cstk` binary as a user would: the README quick start, conversions, and every
//! bad-input case (one clear line on stderr, exit code 2, no output file left behind).

use cstk_linop::io::{mtx, npy};
mod common;

use common::{assert_fails, cstk, scratch_dir, stderr, stdout, workspace_root};
use std::path::Path;

#[test]
fn info_on_the_bundled_matrix() {
    let o = cstk(&["info", "data/poisson2d_32.mtx"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("shape       1024 x 1024"), "{out}");
    assert!(out.contains("stored      4992 entries"), "{out}");
    assert!(out.contains("symmetry    symmetric"), "{out}");

    let o = cstk(&["info", "data/poisson2d_32.mtx", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["nrows"], 1024);
    assert_eq!(v["nnz"], 4992);
    assert_eq!(v["row_nnz"]["max"], 5);
    assert_eq!(v["memory_bytes"]["CSR"], 1025 * 8 + 4992 * 12);
    // largest eigenvalue of the 2-D Laplacian: 8 sin²(32π/66)
    let exact = 8.0 * (32.0 * std::f64::consts::PI / 66.0).sin().powi(2);
    let est = v["norm2_estimate"]["value"].as_f64().unwrap();
    assert!((est - exact).abs() < 1e-6 * exact, "{est} vs {exact}");
    assert_eq!(v["norm2_estimate"]["converged"], true);
}

#[test]
fn convert_round_trips_through_npy_and_mtx() {
    let d = scratch_dir("convert");
    let npy_path = d.join("a.npy");
    let mtx_path = d.join("a.mtx");
    let o = cstk(&[
        "convert",
        "data/poisson2d_32.mtx",
        npy_path.to_str().unwrap(),
        "--order",
        "fortran",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = cstk(&[
        "convert",
        npy_path.to_str().unwrap(),
        mtx_path.to_str().unwrap(),
        "--symmetry",
        "symmetric",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let original =
        mtx::read_mtx_dense::<f64>(&workspace_root().join("data/poisson2d_32.mtx")).unwrap();
    assert_eq!(npy::read_npy_matrix::<f64>(&npy_path).unwrap(), original);
    assert!(npy::read_npy_header(&npy_path).unwrap().fortran_order);
    assert_eq!(mtx::read_mtx_dense::<f64>(&mtx_path).unwrap(), original);
    assert_eq!(
        mtx::read_mtx_header(&mtx_path).unwrap().symmetry,
        mtx::MtxSymmetry::Symmetric
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn complex_npy_is_described_as_complex() {
    let d = scratch_dir("complex");
    let p = d.join("c.npy");
    let vals: Vec<cstk_linop::Complex<f64>> = (0..6)
        .map(|k| cstk_linop::Complex::new(k as f64, 1.0 - k as f64))
        .collect();
    npy::write_npy(&p, &[2, 3], &vals, npy::NpyOrder::C).unwrap();
    let o = cstk(&["info", p.to_str().unwrap(), "--json", "--no-norm"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["dtype"], "complex128");
    assert_eq!(v["nnz"], 6);
    assert!(v.get("norm2_estimate").is_none());
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn bad_inputs_fail_cleanly() {
    let d = scratch_dir("bad");
    let path = |n: &str| d.join(n).to_str().unwrap().to_owned();

    // missing file
    assert_fails(
        &cstk(&["info", &path("missing.mtx")]),
        &["missing.mtx", "No such file"],
    );
    // unsupported extension
    assert_fails(
        &cstk(&["info", "Cargo.toml"]),
        &["Cargo.toml", "expected a .mtx"],
    );
    // malformed Matrix Market: the message names the file and the line
    std::fs::write(
        path("bad.mtx"),
        "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1.0\n3 1 2.0\n",
    )
    .unwrap();
    assert_fails(
        &cstk(&["info", &path("bad.mtx")]),
        &["bad.mtx:4", "row index 3"],
    );
    std::fs::write(
        path("short.mtx"),
        "%%MatrixMarket matrix coordinate real general\n2 2 3\n1 1 1.0\n",
    )
    .unwrap();
    assert_fails(&cstk(&["info", &path("short.mtx")]), &["short.mtx"]);
    std::fs::write(
        path("text.mtx"),
        "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 abc\n",
    )
    .unwrap();
    assert_fails(&cstk(&["info", &path("text.mtx")]), &["text.mtx:3"]);
    // NaN in the data
    std::fs::write(
        path("nan.mtx"),
        "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1.0\n2 2 nan\n",
    )
    .unwrap();
    assert_fails(
        &cstk(&["info", &path("nan.mtx")]),
        &["nan.mtx", "non-finite", "row 2, column 2"],
    );
    // a 1-D array is not a matrix
    npy::write_npy_vector(&d.join("v.npy"), &[1.0f64, 2.0]).unwrap();
    assert_fails(
        &cstk(&["info", &path("v.npy")]),
        &["v.npy", "expected a 2-D array"],
    );
    // garbage .npy
    std::fs::write(path("junk.npy"), b"not a numpy file at all").unwrap();
    assert_fails(&cstk(&["info", &path("junk.npy")]), &["junk.npy"]);
    // empty file
    std::fs::write(path("empty.mtx"), b"").unwrap();
    assert_fails(&cstk(&["info", &path("empty.mtx")]), &["empty.mtx"]);

    // a symmetric header for a non-symmetric matrix: error, and no output file left
    std::fs::write(
        path("ns.mtx"),
        "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 2 1.0\n",
    )
    .unwrap();
    let out = path("out.mtx");
    assert_fails(
        &cstk(&["convert", &path("ns.mtx"), &out, "--symmetry", "symmetric"]),
        &["out.mtx"],
    );
    assert!(!Path::new(&out).exists());
    let leftovers: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    // --symmetry with an .npy output is refused before anything is written
    assert_fails(
        &cstk(&[
            "convert",
            "data/poisson2d_32.mtx",
            &path("o.npy"),
            "--symmetry",
            "symmetric",
        ]),
        &["--symmetry"],
    );
    assert!(!d.join("o.npy").exists());

    // unknown flags and values: clap's usage error, exit code 2
    let o = cstk(&["info", "data/poisson2d_32.mtx", "--bogus"]);
    assert_eq!(o.status.code(), Some(2));
    let o = cstk(&[
        "convert",
        "data/poisson2d_32.mtx",
        &path("x.npy"),
        "--order",
        "z",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!d.join("x.npy").exists());
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn dwt_forward_inverse_and_png_input() {
    use cstk_linop::LinOp;
    use cstk_linop::transforms::wavelet::{Dwt2, Wavelet};
    let d = scratch_dir("dwt");
    let p = |n: &str| d.join(n).to_str().unwrap().to_owned();
    // a smooth 32x24 image
    let (ny, nx) = (32usize, 24usize);
    let img: Vec<f64> = (0..ny * nx)
        .map(|k| ((k / nx) as f64 * 0.2).sin() + ((k % nx) as f64 * 0.3).cos())
        .collect();
    npy::write_npy(&d.join("img.npy"), &[ny, nx], &img, npy::NpyOrder::C).unwrap();
    let o = cstk(&[
        "dwt",
        "--wavelet",
        "db2",
        "--level",
        "2",
        "--input",
        &p("img.npy"),
        "--out",
        &p("c.npy"),
        "--png",
        &p("c.png"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let c = npy::read_npy::<f64>(&d.join("c.npy")).unwrap();
    let w = Dwt2::<f64>::new(ny, nx, Wavelet::new("db2").unwrap(), 2).unwrap();
    assert_eq!(c.shape, vec![w.coeff_shape().0, w.coeff_shape().1]);
    assert_eq!(c.data, w.apply_vec(&img));
    let png = image::open(d.join("c.png")).unwrap();
    assert_eq!((png.width(), png.height()), (nx as u32, ny as u32));

    // inverse gives the image back
    let o = cstk(&[
        "dwt",
        "--wavelet",
        "db2",
        "--level",
        "2",
        "--inverse",
        "--input",
        &p("c.npy"),
        "--out",
        &p("r.npy"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = npy::read_npy::<f64>(&d.join("r.npy")).unwrap();
    assert_eq!(r.shape, vec![ny, nx]);
    cstk_linop::testing::assert_close(&r.data, &img, 1e-12, "reconstruction");

    // PNG input: gray values scaled to [0, 1]; default level = the maximum
    let gray = image::GrayImage::from_fn(16, 8, |x, y| image::Luma([(x * 16 + y) as u8]));
    gray.save(d.join("g.png")).unwrap();
    let o = cstk(&[
        "dwt",
        "--wavelet",
        "haar",
        "--input",
        &p("g.png"),
        "--out",
        &p("g.npy"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let g = npy::read_npy::<f64>(&d.join("g.npy")).unwrap();
    assert_eq!(g.shape, vec![8, 16]);
    let pixels: Vec<f64> = (0..8 * 16)
        .map(|k| ((k % 16) * 16 + k / 16) as f64 / 255.0)
        .collect();
    let w = Dwt2::<f64>::new(8, 16, Wavelet::new("haar").unwrap(), 3).unwrap();
    cstk_linop::testing::assert_close(&g.data, &w.apply_vec(&pixels), 1e-12, "png input");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn dwt_bad_inputs_fail_cleanly() {
    let d = scratch_dir("dwt-bad");
    let p = |n: &str| d.join(n).to_str().unwrap().to_owned();
    npy::write_npy(
        &d.join("x.npy"),
        &[16, 16],
        &[0.5f64; 256],
        npy::NpyOrder::C,
    )
    .unwrap();
    npy::write_npy(&d.join("v.npy"), &[16], &[0.5f64; 16], npy::NpyOrder::C).unwrap();
    npy::write_npy(&d.join("t.npy"), &[2, 2, 2], &[0.5f64; 8], npy::NpyOrder::C).unwrap();
    let mut nan = vec![0.0f64; 256];
    nan[17] = f64::NAN;
    npy::write_npy(&d.join("nan.npy"), &[16, 16], &nan, npy::NpyOrder::C).unwrap();
    let run = |extra: &[&str]| {
        let mut a = vec!["dwt"];
        a.extend_from_slice(extra);
        cstk(&a)
    };
    let out = p("out.npy");
    assert_fails(
        &run(&["--wavelet", "db99", "--input", &p("x.npy"), "--out", &out]),
        &["--wavelet", "db99", "coif1..coif17"],
    );
    assert_fails(
        &run(&[
            "--wavelet",
            "db4",
            "--level",
            "3",
            "--input",
            &p("x.npy"),
            "--out",
            &out,
        ]),
        &["--level 3", "at most 1"],
    );
    assert_fails(
        &run(&["--wavelet", "haar", "--input", &p("t.npy"), "--out", &out]),
        &["t.npy", "1-D signal or a 2-D image"],
    );
    assert_fails(
        &run(&["--wavelet", "haar", "--input", &p("nan.npy"), "--out", &out]),
        &["nan.npy", "non-finite"],
    );
    assert_fails(
        &run(&[
            "--wavelet",
            "haar",
            "--input",
            &p("x.npy"),
            "--out",
            &p("out.txt"),
        ]),
        &["--out", "expected a .npy"],
    );
    assert_fails(
        &run(&[
            "--wavelet",
            "haar",
            "--input",
            &p("v.npy"),
            "--out",
            &out,
            "--png",
            &p("v.png"),
        ]),
        &["--png", "2-D"],
    );
    assert_fails(
        &run(&[
            "--wavelet",
            "haar",
            "--inverse",
            "--shape",
            "8x8",
            "--input",
            &p("x.npy"),
            "--out",
            &out,
        ]),
        &["coefficient array of shape [16, 16]", "[8, 8]"],
    );
    assert_fails(
        &run(&[
            "--wavelet",
            "haar",
            "--inverse",
            "--shape",
            "banana",
            "--input",
            &p("x.npy"),
            "--out",
            &out,
        ]),
        &["--shape", "NYxNX"],
    );
    assert_fails(
        &run(&[
            "--wavelet",
            "haar",
            "--input",
            &p("missing.npy"),
            "--out",
            &out,
        ]),
        &["missing.npy"],
    );
    assert!(!Path::new(&out).exists(), "no output after failures");
    std::fs::remove_dir_all(&d).unwrap();
}

//! `cstk recon` and `cstk phantom`: the default run, each input kind, and bad input.

mod common;

use common::{assert_fails, cstk, scratch_dir};

fn metrics(dir: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("metrics.json")).expect("metrics.json");
    serde_json::from_str(&text).expect("json")
}

#[test]
fn phantom_recon_beats_zero_filled_and_writes_every_output() {
    let dir = scratch_dir("recon-phantom");
    let out = dir.join("out");
    let o = cstk(&[
        "recon",
        "--phantom",
        "128",
        "--iters",
        "60",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in [
        "recon.png",
        "recon.npy",
        "zero_filled.png",
        "mask.png",
        "error.png",
        "convergence.png",
        "montage.png",
        "metrics.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let m = metrics(&out);
    let (p, zf) = (
        m["psnr_db"].as_f64().unwrap(),
        m["zero_filled_psnr_db"].as_f64().unwrap(),
    );
    assert!(p > zf + 3.0, "PSNR {p} vs zero-filled {zf}");
    assert!((m["acceleration"].as_f64().unwrap() - 4.0).abs() < 0.5);
    let tv = dir.join("tv");
    let o = cstk(&[
        "recon",
        "--phantom",
        "128",
        "--method",
        "tv",
        "--iters",
        "200",
        "--quiet",
        "--out",
        tv.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ptv = metrics(&tv)["psnr_db"].as_f64().unwrap();
    assert!(ptv > zf + 3.0, "tv PSNR {ptv} vs zero-filled {zf}");
}

#[test]
fn phantom_command_writes_png_and_npy() {
    let dir = scratch_dir("phantom-cmd");
    for ext in ["png", "npy"] {
        let f = dir.join(format!("p.{ext}"));
        let o = cstk(&["phantom", "--size", "32", "--out", f.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(f.is_file());
    }
}

#[test]
fn bad_flags_fail_cleanly_and_write_nothing() {
    let dir = scratch_dir("recon-bad");
    let out = dir.join("out");
    let o = out.to_str().unwrap();
    for (args, needle) in [
        (vec!["recon", "--phantom", "8", "--out", o], "--phantom"),
        (
            vec!["recon", "--phantom", "32", "--accel", "0.5", "--out", o],
            "--accel",
        ),
        (
            vec!["recon", "--phantom", "32", "--lambda", "-1", "--out", o],
            "--lambda",
        ),
        (
            vec!["recon", "--phantom", "32", "--wavelet", "db99", "--out", o],
            "--wavelet",
        ),
        (
            vec!["recon", "--phantom", "32", "--levels", "9", "--out", o],
            "--levels",
        ),
        (
            vec![
                "recon",
                "--kspace",
                "missing.npy",
                "--mask",
                "missing.png",
                "--out",
                o,
            ],
            "missing.npy",
        ),
        (vec!["phantom", "--size", "4", "--out", o], "--size"),
    ] {
        assert_fails(&cstk(&args), &[needle]);
        assert!(!out.exists(), "{args:?} left {}", out.display());
    }
}

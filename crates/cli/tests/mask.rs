//! `cstk mask`: every kind to PNG and .npy, the printed acceleration, thread-count
//! independence, and bad flags (one `error:` line naming the flag, exit code 2, no file).

use cstk_measure::mask::{Mask, MaskKind, MaskParams};
mod common;

use common::{assert_fails_leaving_nothing, cstk, cstk_env, s, scratch_dir, stderr, stdout};

#[test]
fn every_kind_writes_png_and_npy() {
    let d = scratch_dir("kinds");
    for kind in MaskKind::ALL {
        let (png, npy) = (d.join(format!("{kind}.png")), d.join(format!("{kind}.npy")));
        for out in [&png, &npy] {
            let o = cstk(&[
                "mask",
                "--kind",
                kind.name(),
                "--shape",
                "48x64",
                "--accel",
                "4",
                "--acs",
                "6",
                "--seed",
                "1",
                "--out",
                s(out),
            ]);
            assert!(o.status.success(), "{kind}: {}", stderr(&o));
        }
        let (a, b) = (Mask::read(&png).unwrap(), Mask::read(&npy).unwrap());
        assert_eq!(a, b, "{kind}: PNG and .npy differ");
        let lib = MaskParams::new(kind, 48, 64, 4.0)
            .acs(6)
            .seed(1)
            .generate()
            .unwrap();
        assert_eq!(a, lib, "{kind}: the CLI and the library differ");
        let h = cstk_linop::io::npy::read_npy_header(&npy).unwrap();
        assert_eq!(h.shape, vec![48, 64]);
        let img = image::open(&png).unwrap();
        assert_eq!((img.width(), img.height()), (64, 48));
        assert!(matches!(img, image::DynamicImage::ImageLuma8(_)));
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn prints_the_achieved_acceleration() {
    let d = scratch_dir("print");
    let out = d.join("m.npy");
    let o = cstk(&["mask", "--kind", "random", "--accel", "4", "--out", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "random 256x256: 16384 of 65536 samples, acceleration 4.000 (requested 4), fraction 0.2500\n"
    );
    assert_eq!(Mask::read(&out).unwrap().shape(), (256, 256)); // the default shape
    let o = cstk(&[
        "mask",
        "--kind",
        "cartesian",
        "--shape",
        "100x20",
        "--accel",
        "3",
        "--acs",
        "10",
        "--power",
        "1.5",
        "--out",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "cartesian 100x20: 660 of 2000 samples, acceleration 3.030 (requested 3), fraction 0.3300\n"
    );
    let o = cstk(&[
        "mask",
        "--kind",
        "poisson",
        "--shape",
        "64x64",
        "--accel",
        "5",
        "--tol",
        "0.2",
        "--max-attempts",
        "20",
        "--no-crop-corner",
        "--out",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let line = stdout(&o);
    let m = Mask::read(&out).unwrap();
    assert!((m.acceleration() - 5.0).abs() < 0.2);
    assert!(
        line.starts_with(&format!("poisson 64x64: {} of 4096 samples", m.count())),
        "{line}"
    );
    assert!(
        line.contains(&format!(
            "acceleration {:.3} (requested 5)",
            m.acceleration()
        )),
        "{line}"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn output_is_independent_of_the_thread_count() {
    let d = scratch_dir("threads");
    for kind in ["poisson", "vd-random", "golden"] {
        let mut files = Vec::new();
        for threads in ["1", "2"] {
            let out = d.join(format!("{kind}-{threads}.png"));
            let o = cstk_env(
                &[
                    "mask",
                    "--kind",
                    kind,
                    "--shape",
                    "96x80",
                    "--accel",
                    "5",
                    "--seed",
                    "7",
                    "--out",
                    s(&out),
                ],
                &[("RAYON_NUM_THREADS", threads)],
            );
            assert!(o.status.success(), "{}", stderr(&o));
            files.push(std::fs::read(&out).unwrap());
        }
        assert_eq!(files[0], files[1], "{kind}");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn bad_flags_fail_cleanly() {
    let d = scratch_dir("bad");
    let out = d.join("m.png");
    let run = |extra: &[&str]| {
        let mut args = vec!["mask", "--out", s(&out)];
        args.extend_from_slice(extra);
        cstk(&args)
    };
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["--kind", "spiral", "--accel", "4"],
            &["--kind", "spiral", "vd-random"],
        ),
        (&["--kind", "random", "--accel", "0.5"], &["--accel", "0.5"]),
        (&["--kind", "random", "--accel", "nan"], &["--accel", "NaN"]),
        (&["--kind", "random", "--accel", "abc"], &["--accel", "abc"]),
        (&["--kind", "random"], &["--accel"]),
        (&["--accel", "4"], &["--kind"]),
        (
            &["--kind", "random", "--accel", "4", "--shape", "0x8"],
            &["--shape"],
        ),
        (
            &["--kind", "random", "--accel", "4", "--shape", "64"],
            &["--shape", "NYxNX"],
        ),
        (
            &["--kind", "random", "--accel", "4", "--shape", "8x8x8"],
            &["--shape"],
        ),
        (
            &["--kind", "random", "--accel", "4", "--shape", "99999x99999"],
            &["--shape"],
        ),
        (
            &["--kind", "poisson", "--accel", "4", "--shape", "3x64"],
            &["--shape", "4x4"],
        ),
        (
            &["--kind", "random", "--accel", "4", "--acs", "-1"],
            &["--acs"],
        ),
        (
            &[
                "--kind", "random", "--accel", "4", "--shape", "16x16", "--acs", "9",
            ],
            &["--acs", "64 samples"],
        ),
        (
            &[
                "--kind", "golden", "--accel", "2", "--shape", "16x12", "--acs", "13",
            ],
            &["--acs", "min(ny, nx) = 12"],
        ),
        (
            &[
                "--kind",
                "cartesian",
                "--accel",
                "8",
                "--shape",
                "64x64",
                "--acs",
                "9",
            ],
            &["--acs", "8 lines"],
        ),
        (
            &["--kind", "vd-random", "--accel", "4", "--power", "-1"],
            &["--power", "-1"],
        ),
        (
            &["--kind", "radial", "--accel", "4", "--power", "2"],
            &["--power", "cartesian and vd-random"],
        ),
        (
            &["--kind", "random", "--accel", "4", "--tol", "0.5"],
            &["--tol", "poisson only"],
        ),
        (
            &["--kind", "golden", "--accel", "4", "--no-crop-corner"],
            &["--no-crop-corner"],
        ),
        (
            &["--kind", "poisson", "--accel", "4", "--tol", "0"],
            &["--tol", "> 0"],
        ),
        (
            &["--kind", "poisson", "--accel", "4", "--max-attempts", "0"],
            &["--max-attempts"],
        ),
        (
            &["--kind", "poisson", "--accel", "1.05", "--shape", "16x16"],
            &["--accel", "densest"],
        ),
        (
            &[
                "--kind", "poisson", "--accel", "4.3", "--shape", "16x16", "--tol", "1e-9",
            ],
            &["--tol", "closest"],
        ),
        (
            &["--kind", "random", "--accel", "4", "--bogus"],
            &["--bogus"],
        ),
    ];
    for (args, needles) in cases {
        assert_fails_leaving_nothing(&run(args), needles, &d);
    }
    // a bad output name or place: nothing written
    let o = cstk(&[
        "mask",
        "--kind",
        "random",
        "--accel",
        "4",
        "--out",
        s(&d.join("m.tiff")),
    ]);
    assert_fails_leaving_nothing(&o, &["--out", "m.tiff", ".png or .npy"], &d);
    let o = cstk(&[
        "mask",
        "--kind",
        "random",
        "--accel",
        "4",
        "--out",
        s(&d.join("no/m.npy")),
    ]);
    assert_fails_leaving_nothing(&o, &["no/m.npy"], &d);
    std::fs::remove_dir_all(&d).unwrap();
}

//! Tensor I/O for model weights (`io::safetensors`): the Python-written reference file
//! (tests/data/weights.safetensors, made by make_weights.py), bit-exact round trips for every
//! dtype and rank, rounding to F16/BF16/F32, corrupt files, atomic writes, `.npy` tensors.

mod common;

use common::format_reason;
use cstk_linop::Error;
use cstk_linop::io::npy::{NpyOrder, write_npy};
use cstk_linop::io::safetensors::{
    Dtype, Tensor, read_safetensors, read_safetensors_with_metadata, read_tensor_npy, read_tensors,
    write_safetensors, write_safetensors_with_metadata, write_tensor_npy, write_tensors,
};
use half::{bf16, f16};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const DTYPES: [Dtype; 4] = [Dtype::F16, Dtype::BF16, Dtype::F32, Dtype::F64];

fn reference() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/weights.safetensors")
}

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("safetensors-tests")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A `.safetensors` file with the given header text (padded to 8 bytes) and raw data.
fn raw_file(header: &str, data: &[u8]) -> Vec<u8> {
    let mut h = header.as_bytes().to_vec();
    h.resize(h.len().next_multiple_of(8), b' ');
    let mut out = (h.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&h);
    out.extend_from_slice(data);
    out
}

/// Writes `bytes` to `dir/name` and reads it back as tensors.
fn read_bytes(dir: &Path, name: &str, bytes: &[u8]) -> cstk_linop::Result<Vec<Tensor>> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    read_safetensors(&path)
}

/// `v` as stored in a tensor of `dtype`: written and read back.
fn stored(dir: &Path, dtype: Dtype, values: &[f64]) -> Vec<f64> {
    let path = dir.join("stored.safetensors");
    let t = Tensor::new("v", vec![values.len()], dtype, values.to_vec()).unwrap();
    write_safetensors(&path, &[t]).unwrap();
    read_safetensors(&path).unwrap().remove(0).data
}

fn seq(n: usize, f: impl Fn(f64) -> f64) -> Vec<f64> {
    (0..n).map(|k| f(k as f64)).collect()
}

fn bits(data: &[f64]) -> Vec<u64> {
    data.iter().map(|v| v.to_bits()).collect()
}

// ---------------------------------------------------------------------------------------
// The reference file
// ---------------------------------------------------------------------------------------

#[test]
fn reference_file_from_python_reads_in_file_order() {
    let (tensors, metadata) = read_safetensors_with_metadata(&reference()).unwrap();
    assert_eq!(metadata, BTreeMap::from([("format".into(), "pt".into())]));
    let summary: Vec<(&str, Dtype, &[usize])> = tensors
        .iter()
        .map(|t| (t.name.as_str(), t.dtype, t.shape.as_slice()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("head.scale", Dtype::F64, &[2, 2, 2][..]),
            ("bn.momentum", Dtype::F32, &[][..]),
            ("fc1.bias", Dtype::F32, &[4][..]),
            ("fc1.weight", Dtype::F32, &[4, 3][..]),
            ("bf16.special", Dtype::BF16, &[4][..]),
            ("emb.weight", Dtype::BF16, &[3, 4][..]),
            ("conv.weight", Dtype::F16, &[2, 1, 3, 3][..]),
            ("f16.special", Dtype::F16, &[8][..]),
        ]
    );
    let by_name = |name: &str| &tensors.iter().find(|t| t.name == name).unwrap().data;
    assert_eq!(bits(by_name("head.scale")), bits(&seq(8, |k| k / 3.0)));
    assert_eq!(by_name("bn.momentum"), &vec![1.5]);
    assert_eq!(by_name("fc1.bias"), &seq(4, |k| -k / 4.0));
    assert_eq!(by_name("fc1.weight"), &seq(12, |k| k / 8.0 - 0.75));
    assert_eq!(by_name("emb.weight"), &seq(12, |k| k * 0.5 - 2.75));
    assert_eq!(by_name("conv.weight"), &seq(18, |k| k / 16.0 - 0.5));
    let bf = by_name("bf16.special");
    assert_eq!(
        bf[..3],
        [
            3.3895313892515355e38,
            -(2f64.powi(-133)),
            1.0 + 2f64.powi(-7)
        ]
    );
    assert!(bf[3].is_nan());
    let f = by_name("f16.special");
    assert_eq!(
        bits(&f[..7]),
        bits(&[
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            65504.0,
            2f64.powi(-24),
            -(2f64.powi(-14))
        ])
    );
    assert!(f[7].is_nan());
}

#[test]
fn reference_file_rewrites_byte_for_byte() {
    let dir = scratch("rewrite");
    let (tensors, metadata) = read_safetensors_with_metadata(&reference()).unwrap();
    let out = dir.join("out.safetensors");
    write_safetensors_with_metadata(&out, &tensors, &metadata).unwrap();
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(reference()).unwrap()
    );
    // in any input order
    let mut reversed = tensors.clone();
    reversed.reverse();
    write_safetensors_with_metadata(&out, &reversed, &metadata).unwrap();
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(reference()).unwrap()
    );
}

#[test]
fn written_files_are_read_by_the_safetensors_crate() {
    let dir = scratch("crate");
    let path = dir.join("w.safetensors");
    let tensors = vec![
        Tensor::new("b", vec![2], Dtype::F16, vec![1.0, -0.5]).unwrap(),
        Tensor::new(
            "a \"quoted\" \\ näme",
            vec![1, 2],
            Dtype::BF16,
            vec![2.0, 3.0],
        )
        .unwrap(),
        Tensor::new("c", vec![], Dtype::F64, vec![0.125]).unwrap(),
        Tensor::new("e", vec![0, 3], Dtype::F32, vec![]).unwrap(),
    ];
    let meta = BTreeMap::from([("z".into(), "1".into()), ("a".into(), "\"2\"".into())]);
    write_safetensors_with_metadata(&path, &tensors, &meta).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let view = st.tensor("a \"quoted\" \\ näme").unwrap();
    assert_eq!(view.dtype(), safetensors::Dtype::BF16);
    assert_eq!(view.shape(), &[1, 2]);
    assert_eq!(view.data(), &[0x00, 0x40, 0x40, 0x40]);
    assert_eq!(st.tensor("c").unwrap().data(), &0.125f64.to_le_bytes());
    let (_, m) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    assert_eq!(m.metadata().as_ref().unwrap().len(), 2);
    // metadata keys sorted, so the bytes are the same every time
    assert!(bytes[8..].starts_with(br#"{"__metadata__":{"a":"\"2\"","z":"1"},"c":"#));
    let (back, back_meta) = read_safetensors_with_metadata(&path).unwrap();
    assert_eq!(back_meta, meta);
    let names: Vec<&str> = back.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["c", "e", "a \"quoted\" \\ näme", "b"]);
}

// ---------------------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------------------

/// A value of `dtype` drawn from random bits (NaN excluded), widened to f64.
fn random_value(rng: &mut ChaCha8Rng, dtype: Dtype) -> f64 {
    loop {
        let v = match dtype {
            Dtype::F16 => f64::from(f16::from_bits(rng.random::<u16>()).to_f32()),
            Dtype::BF16 => f64::from(bf16::from_bits(rng.random::<u16>()).to_f32()),
            Dtype::F32 => f64::from(f32::from_bits(rng.random::<u32>())),
            _ => f64::from_bits(rng.random::<u64>()),
        };
        if !v.is_nan() {
            return v;
        }
    }
}

#[test]
fn round_trip_every_dtype_and_rank_0_to_4() {
    let dir = scratch("round-trip");
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let shapes: [&[usize]; 6] = [&[], &[5], &[2, 3], &[2, 1, 3], &[1, 2, 3, 2], &[3, 0, 2]];
    let mut tensors = Vec::new();
    for dtype in DTYPES {
        for shape in shapes {
            let n = shape.iter().product();
            let data = (0..n).map(|_| random_value(&mut rng, dtype)).collect();
            let name = format!("{dtype}.rank{}.{n}", shape.len());
            tensors.push(Tensor::new(name, shape.to_vec(), dtype, data).unwrap());
        }
    }
    let path = dir.join("all.safetensors");
    write_safetensors(&path, &tensors).unwrap();
    let back = read_safetensors(&path).unwrap();
    assert_eq!(back.len(), tensors.len());
    for t in &tensors {
        let b = back.iter().find(|b| b.name == t.name).unwrap();
        assert_eq!((b.dtype, &b.shape), (t.dtype, &t.shape), "{}", t.name);
        assert_eq!(bits(&b.data), bits(&t.data), "{}", t.name);
    }
    // and the written bytes are a fixed point
    let again = dir.join("again.safetensors");
    write_safetensors(&again, &back).unwrap();
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&path).unwrap()
    );
    // one tensor per file too
    for t in &tensors {
        write_safetensors(&path, std::slice::from_ref(t)).unwrap();
        let b = read_safetensors(&path).unwrap().remove(0);
        assert_eq!(bits(&b.data), bits(&t.data), "{}", t.name);
    }
}

#[test]
fn every_f16_and_bf16_bit_pattern_round_trips() {
    let dir = scratch("every-pattern");
    for (dtype, exp_mask, quiet) in [("F16", 0x7C00u16, 0x0200u16), ("BF16", 0x7F80, 0x0040)] {
        let patterns: Vec<u16> = (0..=u16::MAX).collect();
        let data: Vec<u8> = patterns.iter().flat_map(|p| p.to_le_bytes()).collect();
        let header = format!(
            r#"{{"all":{{"dtype":"{dtype}","shape":[256,256],"data_offsets":[0,{}]}}}}"#,
            data.len()
        );
        let input = dir.join("in.safetensors");
        std::fs::write(&input, raw_file(&header, &data)).unwrap();
        let output = dir.join("out.safetensors");
        write_safetensors(&output, &read_safetensors(&input).unwrap()).unwrap();
        let out = std::fs::read(&output).unwrap();
        let out_data = &out[out.len() - data.len()..];
        for (&p, got) in patterns.iter().zip(out_data.chunks_exact(2)) {
            let got = u16::from_le_bytes([got[0], got[1]]);
            let mantissa = p & !(0x8000 | exp_mask);
            let signalling_nan = p & exp_mask == exp_mask && mantissa != 0 && p & quiet == 0;
            // a signalling NaN comes back quiet, with the same payload
            let want = if signalling_nan { p | quiet } else { p };
            assert_eq!(got, want, "{dtype} pattern {p:#06x}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Rounding on write
// ---------------------------------------------------------------------------------------

#[test]
fn writing_rounds_once_to_nearest_even() {
    let dir = scratch("rounding");
    let p = |e: i32| 2f64.powi(e);
    // (value, F16, BF16, F32)
    let cases = [
        (1.0 + p(-11), 1.0, 1.0, 1.0 + p(-11)),
        (1.0 + 3.0 * p(-11), 1.0 + p(-9), 1.0, 1.0 + 3.0 * p(-11)),
        // just above a tie: through a plain `as f32` this would round twice, to 1
        (1.0 + p(-11) + p(-40), 1.0 + p(-10), 1.0, 1.0 + p(-11)),
        (1.0 + p(-8) + p(-40), 1.0 + p(-8), 1.0 + p(-7), 1.0 + p(-8)),
        (1.0 + p(-24), 1.0, 1.0, 1.0),
        (1.0 + p(-24) + p(-50), 1.0, 1.0, 1.0 + p(-23)),
        (65519.99, 65504.0, 65536.0, 65519.99f32 as f64),
        (65520.0, f64::INFINITY, 65536.0, 65520.0),
        (
            -1e300,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ),
        (p(-25), 0.0, p(-25), p(-25)),
        (p(-25) + p(-60), p(-24), p(-25), p(-25)),
        (-p(-160), -0.0, -0.0, -0.0),
        (0.1, 0.0999755859375, 0.10009765625, 0.1f32 as f64),
    ];
    let values: Vec<f64> = cases.iter().map(|c| c.0).collect();
    for (k, dtype) in [Dtype::F16, Dtype::BF16, Dtype::F32]
        .into_iter()
        .enumerate()
    {
        let got = stored(&dir, dtype, &values);
        let want: Vec<f64> = cases.iter().map(|c| [c.1, c.2, c.3][k]).collect();
        assert_eq!(bits(&got), bits(&want), "{dtype}");
    }
    assert!(stored(&dir, Dtype::F16, &[f64::NAN])[0].is_nan());
}

/// Bit pattern of an exactly representable value, and the value of a bit pattern.
type Codec = (fn(f64) -> u16, fn(u16) -> f64);

/// The neighbours of a finite half-precision value `h` (by bit pattern, crossing zero).
fn neighbours(dtype: Dtype, h: f64) -> [f64; 2] {
    let (to_bits, from_bits): Codec = match dtype {
        Dtype::F16 => (
            |v| f16::from_f64(v).to_bits(),
            |b| f64::from(f16::from_bits(b).to_f32()),
        ),
        _ => (
            |v| bf16::from_f64(v).to_bits(),
            |b| f64::from(bf16::from_bits(b).to_f32()),
        ),
    };
    let b = to_bits(h); // exact: h is representable
    let (up, down) = match (b & 0x7FFF == 0, b & 0x8000 != 0) {
        (true, _) => (1, 0x8001),
        (false, false) => (b + 1, b - 1),
        (false, true) => (b - 1, b + 1),
    };
    [from_bits(up), from_bits(down)]
}

#[test]
fn random_values_round_to_the_nearest_f16_and_bf16() {
    let dir = scratch("nearest");
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for dtype in [Dtype::F16, Dtype::BF16] {
        let (max_exp, fraction_bits) = if dtype == Dtype::F16 {
            (15, 10)
        } else {
            (127, 7)
        };
        let min_exp = if dtype == Dtype::F16 { -25 } else { -134 };
        // uniform in exponent, and (every other value) a tie nudged by a tiny amount
        let values: Vec<f64> = (0..20_000)
            .map(|i| {
                let e = rng.random_range(min_exp..=max_exp);
                let sign = if rng.random::<bool>() { -1.0 } else { 1.0 };
                let m: f64 = 1.0 + rng.random::<f64>();
                let v = m * 2f64.powi(e);
                if i % 2 == 0 {
                    v
                } else {
                    let ulp = 2f64.powi(e - fraction_bits);
                    let tie = ((v / ulp).floor() + 0.5) * ulp;
                    sign * (tie + [0.0, 1e-9, -1e-9][i % 3] * ulp)
                }
            })
            .collect();
        let got = stored(&dir, dtype, &values);
        for (&x, &h) in values.iter().zip(&got) {
            if h.is_infinite() {
                // beyond the largest finite value plus half its ulp (65504 + 16 for F16)
                let threshold = if dtype == Dtype::F16 {
                    65520.0
                } else {
                    (2.0 - 2f64.powi(-8)) * 2f64.powi(127)
                };
                assert!(
                    x.abs() >= threshold && h.signum() == x.signum(),
                    "{dtype} {x:e} -> {h:e}"
                );
                continue;
            }
            for n in neighbours(dtype, h) {
                let (dh, dn) = ((x - h).abs(), (x - n).abs());
                assert!(dh <= dn, "{dtype} {x:e} -> {h:e}, but {n:e} is nearer");
                if dh == dn {
                    let even = |v: f64| match dtype {
                        Dtype::F16 => f16::from_f64(v).to_bits().is_multiple_of(2),
                        _ => bf16::from_f64(v).to_bits().is_multiple_of(2),
                    };
                    assert!(even(h), "{dtype} tie {x:e} -> {h:e}, not even");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Corrupt and unsupported files
// ---------------------------------------------------------------------------------------

#[test]
fn missing_file_is_an_io_error() {
    let dir = scratch("missing");
    let err = read_safetensors(&dir.join("nope.safetensors")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("nope.safetensors"), "{err}");
}

#[test]
fn truncated_and_corrupt_headers_are_format_errors() {
    let dir = scratch("corrupt");
    let good = std::fs::read(reference()).unwrap();
    let hlen = u64::from_le_bytes(good[..8].try_into().unwrap()) as usize;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", vec![], "too short for the 8-byte header length"),
        ("five-bytes", good[..5].to_vec(), "too short"),
        (
            "header-cut",
            good[..8 + hlen / 2].to_vec(),
            "goes beyond the end of the file",
        ),
        (
            "length-beyond-file",
            {
                let mut b = 1000u64.to_le_bytes().to_vec();
                b.extend_from_slice(b"{}      ");
                b
            },
            "header length 1000 goes beyond the end of the file (16 bytes",
        ),
        ("huge-length", u64::MAX.to_le_bytes().to_vec(), "limit"),
        (
            "data-cut",
            good[..good.len() - 4].to_vec(),
            "need 216 bytes of data but the file has 212",
        ),
        (
            "trailing",
            [&good[..], b"xx"].concat(),
            "need 216 bytes of data but the file has 218",
        ),
        (
            "bad-json",
            raw_file("{\"w\": {\"dtype\": \"F32\",", &[]),
            "not valid safetensors JSON",
        ),
        (
            "not-an-object",
            raw_file("[1, 2]", &[]),
            "not valid safetensors JSON",
        ),
        (
            "bad-utf8",
            {
                let mut b = raw_file("{\"#\":1}", &[]);
                b[10] = 0xFF; // the `#`
                b
            },
            "not valid UTF-8",
        ),
        (
            "unknown-dtype",
            raw_file(
                r#"{"layer.w":{"dtype":"Q4","shape":[2],"data_offsets":[0,2]}}"#,
                &[0, 0],
            ),
            "tensor `layer.w` has dtype \"Q4\", which is not a safetensors dtype",
        ),
        (
            "offsets-vs-shape",
            raw_file(
                r#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
                &[0; 8],
            ),
            "tensor `w`: shape [3] of dtype F32 needs 12 bytes but data_offsets [0, 8] span 8",
        ),
        (
            "offsets-reversed",
            raw_file(
                r#"{"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#,
                &[],
            ),
            "tensor `w`",
        ),
        (
            "gap",
            raw_file(
                r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
                &[0; 12],
            ),
            "tensor `b`: data_offsets must start where the previous tensor's data ends",
        ),
        (
            "missing-shape",
            raw_file(r#"{"w":{"dtype":"F32","data_offsets":[0,4]}}"#, &[0; 4]),
            "tensor `w` needs a `shape`",
        ),
        (
            "unsupported-dtype",
            raw_file(
                r#"{"bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}"#,
                &[0; 8],
            ),
            "tensor `bn.num_batches_tracked` has dtype I64; only F16, BF16, F32 and F64",
        ),
    ];
    for (name, bytes, want) in cases {
        let reason = format_reason(read_bytes(&dir, &format!("{name}.safetensors"), &bytes));
        assert!(reason.contains(want), "{name}: {reason:?} lacks {want:?}");
    }
    // the file name is in the message
    let err = read_bytes(&dir, "named.safetensors", &[1, 2]).unwrap_err();
    assert!(err.to_string().contains("named.safetensors"), "{err}");
}

#[test]
fn damaged_files_never_panic() {
    let dir = scratch("fuzz");
    let good = std::fs::read(reference()).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for i in 0..300 {
        let mut bytes = good.clone();
        match i % 3 {
            0 => bytes.truncate(rng.random_range(0..good.len())),
            1 => {
                for _ in 0..rng.random_range(1..4) {
                    let k = rng.random_range(0..bytes.len());
                    bytes[k] = rng.random::<u8>();
                }
            }
            _ => {
                let k = rng.random_range(8..8 + 400);
                bytes[k] = b"0123456789[]{},\":-e"[rng.random_range(0..19)];
            }
        }
        let _ = read_bytes(&dir, "fuzz.safetensors", &bytes);
    }
}

// ---------------------------------------------------------------------------------------
// Writing: invalid input and atomicity
// ---------------------------------------------------------------------------------------

#[test]
fn invalid_tensors_are_refused_and_leave_no_file() {
    let dir = scratch("invalid-write");
    let path = dir.join("w.safetensors");
    let t = |name: &str, dtype| Tensor::new(name, vec![1], dtype, vec![1.0]).unwrap();
    let mut wrong_len = t("short", Dtype::F32);
    wrong_len.shape = vec![2, 2];
    let cases: Vec<(Vec<Tensor>, &str)> = vec![
        (
            vec![t("w", Dtype::F32), t("w", Dtype::F16)],
            "two tensors named `w`",
        ),
        (vec![t("__metadata__", Dtype::F32)], "__metadata__"),
        (vec![t("ok", Dtype::F64), wrong_len], "tensor `short`"),
    ];
    for (tensors, want) in cases {
        let err = write_safetensors(&path, &tensors).unwrap_err();
        assert!(err.to_string().contains(want), "{err} lacks {want:?}");
        assert!(!path.exists());
    }
    // an existing file is left as it was
    write_safetensors(&path, &[t("old", Dtype::F32)]).unwrap();
    let before = std::fs::read(&path).unwrap();
    assert!(write_safetensors(&path, &[t("x", Dtype::F32), t("x", Dtype::F32)]).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn failed_write_leaves_no_file() {
    let dir = scratch("atomic");
    let t = Tensor::new("w", vec![2], Dtype::F32, vec![1.0, 2.0]).unwrap();
    // directory missing: nothing is created
    let missing = dir.join("no/such/dir/w.safetensors");
    assert!(matches!(
        write_safetensors(&missing, std::slice::from_ref(&t)),
        Err(Error::Io { .. })
    ));
    assert!(!dir.join("no").exists());
    // a directory in the way: the rename fails and the temporary file is removed
    let blocked = dir.join("blocked.safetensors");
    std::fs::create_dir(&blocked).unwrap();
    assert!(matches!(
        write_safetensors(&blocked, std::slice::from_ref(&t)),
        Err(Error::Io { .. })
    ));
    assert!(matches!(
        write_tensor_npy(&dir.join("blocked.safetensors"), &t),
        Err(Error::Io { .. })
    ));
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("blocked.safetensors")]);
}

#[test]
fn empty_list_and_empty_tensors() {
    let dir = scratch("empty");
    let path = dir.join("e.safetensors");
    write_safetensors(&path, &[]).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), raw_file("{}", &[]));
    assert!(read_safetensors(&path).unwrap().is_empty());
    let e = Tensor::new("e", vec![2, 0], Dtype::BF16, vec![]).unwrap();
    write_safetensors(&path, std::slice::from_ref(&e)).unwrap();
    assert_eq!(read_safetensors(&path).unwrap(), vec![e]);
}

// ---------------------------------------------------------------------------------------
// .npy tensors and dispatch on the extension
// ---------------------------------------------------------------------------------------

#[test]
fn npy_tensors_of_rank_0_to_4_round_trip() {
    let dir = scratch("npy");
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for dtype in [Dtype::F32, Dtype::F64] {
        for shape in [&[][..], &[4], &[2, 3], &[2, 1, 3], &[2, 2, 1, 3]] {
            let n = shape.iter().product();
            let data = (0..n).map(|_| random_value(&mut rng, dtype)).collect();
            let t = Tensor::new("layer.0.weight", shape.to_vec(), dtype, data).unwrap();
            let path = dir.join("layer.0.weight.npy");
            write_tensor_npy(&path, &t).unwrap();
            let back = read_tensor_npy(&path).unwrap();
            assert_eq!(
                (&back.name, back.dtype, &back.shape),
                (&t.name, dtype, &t.shape)
            );
            assert_eq!(bits(&back.data), bits(&t.data));
        }
    }
}

#[test]
fn npy_fortran_order_is_read_in_c_order_and_other_dtypes_are_refused() {
    let dir = scratch("npy-other");
    let path = dir.join("m.npy");
    write_npy(
        &path,
        &[2, 3],
        &[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0],
        NpyOrder::Fortran,
    )
    .unwrap();
    let t = read_tensor_npy(&path).unwrap();
    assert_eq!((t.name.as_str(), t.dtype), ("m", Dtype::F32));
    assert_eq!(t.data, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    // an int64 array (from the npy reference data)
    let ints = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/npy/i64_1d.npy");
    let reason = format_reason(read_tensor_npy(&ints));
    assert!(reason.contains("int64"), "{reason}");
    let c = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/npy/c64_1d.npy");
    let reason = format_reason(read_tensor_npy(&c));
    assert!(
        reason.contains("complex64") && reason.contains("float32 or float64"),
        "{reason}"
    );
    for dtype in [Dtype::F16, Dtype::BF16] {
        let t = Tensor::new("h", vec![1], dtype, vec![1.0]).unwrap();
        let err = write_tensor_npy(&dir.join("h.npy"), &t).unwrap_err();
        assert!(
            matches!(err, Error::InvalidParam { name: "dtype", .. }),
            "{err:?}"
        );
        assert!(!dir.join("h.npy").exists());
    }
}

#[test]
fn read_and_write_tensors_dispatch_on_the_extension() {
    let dir = scratch("dispatch");
    let a = Tensor::new("a", vec![2], Dtype::F32, vec![1.0, 2.0]).unwrap();
    let b = Tensor::new("b", vec![1], Dtype::F16, vec![3.0]).unwrap();
    write_tensors(&dir.join("ab.SafeTensors"), &[a.clone(), b.clone()]).unwrap();
    assert_eq!(
        read_tensors(&dir.join("ab.SafeTensors")).unwrap(),
        vec![a.clone(), b.clone()]
    );
    write_tensors(&dir.join("a.NPY"), std::slice::from_ref(&a)).unwrap();
    assert_eq!(read_tensors(&dir.join("a.NPY")).unwrap(), vec![a.clone()]);
    for (file, tensors) in [
        ("x.npy", vec![a.clone(), b.clone()]),
        ("x.npy", vec![]),
        ("x.pt", vec![a.clone()]),
        ("x", vec![a]),
    ] {
        let err = write_tensors(&dir.join(file), &tensors).unwrap_err();
        assert!(matches!(err, Error::InvalidParam { .. }), "{file}: {err:?}");
        assert!(!dir.join(file).exists());
    }
    assert!(matches!(
        read_tensors(&dir.join("x.bin")),
        Err(Error::InvalidParam { name: "path", .. })
    ));
}

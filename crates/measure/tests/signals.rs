//! Signals: supports, amplitude distributions, power-law decay, exact SNR, golden values.

use cstk_linop::Complex;
use cstk_measure::Error;
use cstk_measure::signals::{
    Amplitude, SparseSignalParams, add_noise, compressible, sparse_signal,
};

#[test]
fn support_is_uniform_and_values_follow_the_amplitude() {
    let (n, k, trials) = (30, 4, 6000);
    let mut hits = vec![0usize; n];
    let mut gauss = Vec::new();
    for seed in 0..trials {
        let s = sparse_signal::<f64>(n, k, Amplitude::Gaussian, seed).unwrap();
        assert_eq!(s.support.len(), k);
        assert!(s.support.windows(2).all(|w| w[0] < w[1]));
        for (i, v) in s.x.iter().enumerate() {
            assert_eq!(*v != 0.0, s.support.contains(&i));
        }
        for &i in &s.support {
            hits[i] += 1;
            gauss.push(s.x[i]);
        }
    }
    let p = k as f64 / n as f64;
    let (mean, sd) = (trials as f64 * p, (trials as f64 * p * (1.0 - p)).sqrt());
    assert!(
        hits.iter().all(|&h| (h as f64 - mean).abs() < 5.0 * sd),
        "{hits:?}"
    );
    let cnt = gauss.len() as f64;
    let m1 = gauss.iter().sum::<f64>() / cnt;
    let m2 = gauss.iter().map(|v| v * v).sum::<f64>() / cnt;
    assert!(m1.abs() < 5.0 / cnt.sqrt() && (m2 - 1.0).abs() < 5.0 * (2.0 / cnt).sqrt());

    let r = sparse_signal::<f64>(1000, 1000, Amplitude::Rademacher, 1).unwrap();
    assert!(r.x.iter().all(|v| v.abs() == 1.0));
    let neg = r.x.iter().filter(|v| **v < 0.0).count() as f64;
    assert!((neg - 500.0).abs() < 5.0 * 250f64.sqrt());

    let u = sparse_signal::<f64>(
        5000,
        5000,
        Amplitude::Uniform {
            low: 0.5,
            high: 2.0,
        },
        2,
    )
    .unwrap();
    let mags: Vec<f64> = u.x.iter().map(|v| v.abs()).collect();
    assert!(mags.iter().all(|m| (0.5..=2.0).contains(m)));
    let mean = mags.iter().sum::<f64>() / 5000.0;
    // uniform on [0.5, 2]: mean 1.25, sd 1.5/√12
    assert!((mean - 1.25).abs() < 5.0 * (1.5 / 12f64.sqrt()) / 5000f64.sqrt());
    assert!(u.x.iter().any(|v| *v < 0.0));
}

#[test]
fn complex_amplitudes_have_uniform_phase() {
    let s = sparse_signal::<Complex<f64>>(4000, 4000, Amplitude::Rademacher, 3).unwrap();
    assert!(s.x.iter().all(|v| (v.norm() - 1.0).abs() < 1e-15));
    // E[e^{iθ}] = 0, E[e^{2iθ}] = 0
    let m1: Complex<f64> = s.x.iter().sum::<Complex<f64>>() / 4000.0;
    let m2: Complex<f64> = s.x.iter().map(|v| v * v).sum::<Complex<f64>>() / 4000.0;
    let se = 1.0 / 4000f64.sqrt();
    assert!(m1.norm() < 5.0 * se && m2.norm() < 5.0 * se, "{m1} {m2}");
    let g = sparse_signal::<Complex<f64>>(4000, 4000, Amplitude::Gaussian, 3).unwrap();
    let p = g.x.iter().map(|v| v.norm_sqr()).sum::<f64>() / 4000.0;
    assert!((p - 1.0).abs() < 5.0 / 4000f64.sqrt(), "{p}");
}

#[test]
fn nonnegative_signals() {
    for a in [
        Amplitude::Gaussian,
        Amplitude::Rademacher,
        Amplitude::Uniform {
            low: 1.0,
            high: 3.0,
        },
    ] {
        let s = SparseSignalParams::new(200, 50)
            .amplitude(a)
            .nonnegative(true)
            .generate::<f64>(9)
            .unwrap();
        assert!(s.support.iter().all(|&i| s.x[i] > 0.0), "{a:?}");
    }
    let e = SparseSignalParams::new(10, 2)
        .nonnegative(true)
        .generate::<Complex<f64>>(0);
    assert!(matches!(
        e,
        Err(Error::InvalidParam {
            name: "nonnegative",
            ..
        })
    ));
}

#[test]
fn compressible_signals_follow_the_power_law() {
    let n = 500;
    for decay in [0.7, 1.0, 2.0] {
        let x = compressible::<f64>(n, decay, 4).unwrap();
        let mut mags: Vec<f64> = x.iter().map(|v| v.abs()).collect();
        mags.sort_by(|a, b| b.partial_cmp(a).unwrap());
        for (i, m) in mags.iter().enumerate() {
            assert!((m - ((i + 1) as f64).powf(-decay)).abs() < 1e-15);
        }
        // the largest entries are spread over the vector, not at its start
        let top: Vec<usize> = (0..n).filter(|&i| x[i].abs() >= mags[9]).collect();
        assert_eq!(top.len(), 10);
        assert!(top.iter().any(|&i| i > n / 2) && top.iter().any(|&i| i < n / 2));
    }
    let c = compressible::<Complex<f64>>(100, 1.0, 1).unwrap();
    let max = c.iter().map(|v| v.norm()).fold(0.0, f64::max);
    assert!((max - 1.0).abs() < 1e-15);
    assert!(compressible::<f64>(10, 0.0, 0).is_err());
    assert!(compressible::<f64>(10, f64::NAN, 0).is_err());
    assert!(compressible::<f64>(0, 1.0, 0).is_err());
}

#[test]
fn noise_hits_the_requested_snr_exactly() {
    let clean = sparse_signal::<f64>(400, 400, Amplitude::Gaussian, 1)
        .unwrap()
        .x;
    for snr in [-10.0, 0.0, 20.0, 60.0] {
        let noisy = add_noise(&clean, snr, 2).unwrap();
        let sn = clean.iter().map(|v| v * v).sum::<f64>().sqrt();
        let en = noisy
            .y
            .iter()
            .zip(&clean)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!((20.0 * (sn / en).log10() - snr).abs() < 1e-9);
        assert!((noisy.snr_db - snr).abs() < 1e-9);
        assert!((noisy.sigma - en / 20.0).abs() < 1e-12);
    }
    // noise is white: roughly uncorrelated neighbours
    let e: Vec<f64> = add_noise(&vec![1.0; 20_000], 0.0, 3)
        .unwrap()
        .y
        .iter()
        .map(|v| v - 1.0)
        .collect();
    let c = e.windows(2).map(|w| w[0] * w[1]).sum::<f64>() / e.iter().map(|v| v * v).sum::<f64>();
    assert!(c.abs() < 5.0 / 20_000f64.sqrt(), "{c}");
    // complex noise is circular
    let z = add_noise(&vec![Complex::new(1.0f64, 0.0); 20_000], 0.0, 4).unwrap();
    let (re, im): (f64, f64) = z.y.iter().fold((0.0, 0.0), |(a, b), v| {
        (a + (v.re - 1.0).powi(2), b + v.im.powi(2))
    });
    assert!((re / im - 1.0).abs() < 0.1, "{re} {im}");
}

#[test]
fn noise_errors() {
    assert!(matches!(
        add_noise(&[0.0f64; 4], 10.0, 0),
        Err(Error::InvalidParam { name: "signal", .. })
    ));
    assert!(add_noise::<f64>(&[], 10.0, 0).is_err());
    assert!(matches!(
        add_noise(&[1.0, f64::NAN], 10.0, 0),
        Err(Error::NonFinite { .. })
    ));
    assert!(add_noise(&[1.0f64], f64::INFINITY, 0).is_err());
}

#[test]
fn signal_errors() {
    assert!(sparse_signal::<f64>(0, 0, Amplitude::Gaussian, 0).is_err());
    let e = sparse_signal::<f64>(5, 6, Amplitude::Gaussian, 0)
        .unwrap_err()
        .to_string();
    assert!(e.contains('6') && e.contains("n = 5"), "{e}");
    assert!(
        sparse_signal::<f64>(
            5,
            2,
            Amplitude::Uniform {
                low: 2.0,
                high: 1.0
            },
            0
        )
        .is_err()
    );
    assert!(
        sparse_signal::<f64>(
            5,
            2,
            Amplitude::Uniform {
                low: -1.0,
                high: 1.0
            },
            0
        )
        .is_err()
    );
    assert!("laplace".parse::<Amplitude>().is_err());
    assert_eq!(
        sparse_signal::<f64>(5, 0, Amplitude::Gaussian, 0)
            .unwrap()
            .x,
        vec![0.0; 5]
    );
}

#[test]
fn golden_values() {
    let s = sparse_signal::<f64>(20, 3, Amplitude::Gaussian, 77).unwrap();
    let vals: Vec<u64> = s.support.iter().map(|&i| s.x[i].to_bits()).collect();
    let c = compressible::<f64>(6, 1.0, 77).unwrap();
    let noise = add_noise(&[1.0f64, 2.0, 3.0], 10.0, 77).unwrap();
    let got = (
        s.support.clone(),
        vals,
        c.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        noise.y.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
    );
    assert_eq!(got.0, GOLDEN_SUPPORT);
    assert_eq!(got.1, GOLDEN_VALUES);
    assert_eq!(got.2, GOLDEN_COMPRESSIBLE);
    assert_eq!(got.3, GOLDEN_NOISY);
}

const GOLDEN_SUPPORT: [usize; 3] = [0, 1, 12];
const GOLDEN_VALUES: [u64; 3] = [
    4601929874887439123,
    4599589488527984016,
    4608170011368257387,
];
const GOLDEN_COMPRESSIBLE: [u64; 6] = [
    4596373779694328218,
    4599676419421066581,
    4598175219545276416,
    13818544856648471893,
    13830554455654793216,
    4602678819172646912,
];
const GOLDEN_NOISY: [u64; 3] = [
    4605258720957591055,
    4610399928169466625,
    4616333959068626129,
];

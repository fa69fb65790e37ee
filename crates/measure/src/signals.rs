//! Test signals: k-sparse vectors, compressible (power-law) vectors, and additive noise at a
//! requested SNR.
//!
//! All draws follow [`crate::rng`] (signals from `rng::stream(seed, Domain::SIGNAL, 0)`, noise
//! from `rng::stream(seed, Domain::NOISE, 0)`), so they are bit-identical on every platform.
//! Random phases use the pure-Rust `libm` `sin`/`cos`.
//!
//! ```
//! use cstk_measure::signals::{add_noise, sparse_signal, Amplitude};
//! let s = sparse_signal::<f64>(100, 5, Amplitude::Rademacher, 3).unwrap();
//! assert_eq!(s.support.len(), 5);
//! let noisy = add_noise(&s.x, 20.0, 4).unwrap();
//! assert!((noisy.snr_db - 20.0).abs() < 1e-9);
//! ```

use crate::rng::{self, Domain, StandardNormal, coin, permutation, sample_indices, uniform01};
use cstk_linop::{Error, Result, Scalar};
use rand::Rng;

/// The distribution of the nonzero entries of a sparse signal.
///
/// | variant | real | complex |
/// |---|---|---|
/// | `Gaussian` | `N(0, 1)` | circular `CN(0, 1)` (parts `N(0, ½)`) |
/// | `Rademacher` | `±1` ("constant amplitude, random sign") | `e^{iθ}`, `θ` uniform in `[0, 2π)` |
/// | `Uniform { low, high }` | magnitude uniform in `[low, high]`, random sign | magnitude uniform in `[low, high]`, random phase |
///
/// With [`SparseSignalParams::nonnegative`], signs are dropped (real signals only).
///
/// ```
/// use cstk_measure::signals::Amplitude;
/// let a: Amplitude = "uniform".parse().unwrap();
/// assert_eq!(a, Amplitude::Uniform { low: 1.0, high: 2.0 });
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Amplitude {
    /// Standard normal values.
    Gaussian,
    /// Unit modulus, random sign or phase.
    Rademacher,
    /// Modulus uniform in `[low, high]` (`0 ≤ low ≤ high`), random sign or phase.
    Uniform {
        /// Smallest modulus.
        low: f64,
        /// Largest modulus.
        high: f64,
    },
}

impl std::str::FromStr for Amplitude {
    type Err = Error;

    /// `gaussian`, `rademacher` (alias `sign`) or `uniform` (moduli in `[1, 2]`).
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "gaussian" => Ok(Amplitude::Gaussian),
            "rademacher" | "sign" => Ok(Amplitude::Rademacher),
            "uniform" => Ok(Amplitude::Uniform {
                low: 1.0,
                high: 2.0,
            }),
            _ => Err(Error::InvalidParam {
                name: "amplitudes",
                value: s.to_string(),
                expected: "gaussian, rademacher (or sign) or uniform".into(),
            }),
        }
    }
}

/// A k-sparse signal and its support.
///
/// ```
/// use cstk_measure::signals::{sparse_signal, Amplitude};
/// let s = sparse_signal::<f64>(20, 3, Amplitude::Gaussian, 0).unwrap();
/// assert!((0..20).all(|i| (s.x[i] != 0.0) == s.support.contains(&i)));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SparseSignal<T> {
    /// The signal, length `n`.
    pub x: Vec<T>,
    /// Indices of the nonzeros, ascending (`k` of them).
    pub support: Vec<usize>,
}

/// Parameters of a k-sparse signal; [`generate`](Self::generate) draws it.
///
/// | field | default | meaning | valid |
/// |---|---|---|---|
/// | `n` | — | length | ≥ 1 |
/// | `k` | — | number of nonzeros (support uniform among the `k`-subsets) | `0..=n` |
/// | `amplitude` | `Gaussian` | distribution of the nonzeros, see [`Amplitude`] | `0 ≤ low ≤ high`, finite |
/// | `nonnegative` | `false` | drop the signs (moduli only) — the simplex case of Donoho–Tanner | real `T` only |
///
/// ```
/// use cstk_measure::signals::{Amplitude, SparseSignalParams};
/// let s = SparseSignalParams::new(50, 4)
///     .amplitude(Amplitude::Uniform { low: 1.0, high: 1.5 })
///     .nonnegative(true)
///     .generate::<f64>(7)
///     .unwrap();
/// assert!(s.support.iter().all(|&i| (1.0..=1.5).contains(&s.x[i])));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SparseSignalParams {
    /// Length.
    pub n: usize,
    /// Number of nonzeros.
    pub k: usize,
    /// Distribution of the nonzeros.
    pub amplitude: Amplitude,
    /// Nonnegative entries (real signals only).
    pub nonnegative: bool,
}

impl SparseSignalParams {
    /// Length `n`, `k` nonzeros, Gaussian amplitudes, signed.
    ///
    /// ```
    /// let p = cstk_measure::signals::SparseSignalParams::new(10, 2);
    /// assert!(!p.nonnegative);
    /// ```
    pub fn new(n: usize, k: usize) -> Self {
        SparseSignalParams {
            n,
            k,
            amplitude: Amplitude::Gaussian,
            nonnegative: false,
        }
    }

    /// Sets the amplitude distribution.
    ///
    /// ```
    /// use cstk_measure::signals::{Amplitude, SparseSignalParams};
    /// let p = SparseSignalParams::new(10, 2).amplitude(Amplitude::Rademacher);
    /// assert_eq!(p.amplitude, Amplitude::Rademacher);
    /// ```
    pub fn amplitude(mut self, amplitude: Amplitude) -> Self {
        self.amplitude = amplitude;
        self
    }

    /// Nonnegative values (moduli only).
    ///
    /// ```
    /// let p = cstk_measure::signals::SparseSignalParams::new(10, 2).nonnegative(true);
    /// assert!(p.nonnegative);
    /// ```
    pub fn nonnegative(mut self, yes: bool) -> Self {
        self.nonnegative = yes;
        self
    }

    /// Draws the signal: the support first (`k` indices uniformly without replacement), then
    /// the values in ascending support order.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for `n = 0`, `k > n`, a bad uniform range, or `nonnegative`
    /// with a complex `T`.
    ///
    /// ```
    /// use cstk_measure::signals::SparseSignalParams;
    /// assert!(SparseSignalParams::new(5, 6).generate::<f64>(0).is_err());
    /// ```
    pub fn generate<T: Scalar>(&self, seed: u64) -> Result<SparseSignal<T>> {
        let &SparseSignalParams {
            n,
            k,
            amplitude,
            nonnegative,
        } = self;
        if n == 0 {
            return Err(Error::InvalidParam {
                name: "n",
                value: "0".into(),
                expected: "a positive signal length".into(),
            });
        }
        if k > n {
            return Err(Error::InvalidParam {
                name: "k",
                value: k.to_string(),
                expected: format!("at most the length n = {n}"),
            });
        }
        check_amplitude(amplitude)?;
        if nonnegative && T::IS_COMPLEX {
            return Err(Error::InvalidParam {
                name: "nonnegative",
                value: "true".into(),
                expected: format!("a real scalar type (got {})", T::NAME),
            });
        }
        let mut r = rng::stream(seed, Domain::SIGNAL, 0);
        let support = sample_indices(&mut r, n, k);
        let normal = StandardNormal::new();
        let mut x = vec![T::zero(); n];
        for &i in &support {
            let modulus = match amplitude {
                Amplitude::Gaussian => None,
                Amplitude::Rademacher => Some(1.0),
                Amplitude::Uniform { low, high } => Some(low + (high - low) * uniform01(&mut r)),
            };
            x[i] = match modulus {
                None if T::IS_COMPLEX => {
                    let s = std::f64::consts::FRAC_1_SQRT_2;
                    let re = normal.sample(&mut r);
                    T::from_f64_parts(s * re, s * normal.sample(&mut r))
                }
                None if nonnegative => T::from_f64_parts(normal.sample(&mut r).abs(), 0.0),
                None => T::from_f64_parts(normal.sample(&mut r), 0.0),
                Some(v) if nonnegative => T::from_f64_parts(v, 0.0),
                Some(v) => random_sign::<T, _>(&mut r, v),
            };
        }
        Ok(SparseSignal { x, support })
    }
}

/// A `k`-sparse signal of length `n` with the given amplitudes (signed); shorthand for
/// [`SparseSignalParams::new(n, k).amplitude(amplitude).generate(seed)`](SparseSignalParams).
///
/// ```
/// use cstk_measure::signals::{sparse_signal, Amplitude};
/// let s = sparse_signal::<cstk_linop::Complex<f64>>(64, 6, Amplitude::Rademacher, 1).unwrap();
/// assert!(s.support.iter().all(|&i| (s.x[i].norm() - 1.0).abs() < 1e-15));
/// ```
pub fn sparse_signal<T: Scalar>(
    n: usize,
    k: usize,
    amplitude: Amplitude,
    seed: u64,
) -> Result<SparseSignal<T>> {
    SparseSignalParams::new(n, k)
        .amplitude(amplitude)
        .generate(seed)
}

/// A compressible signal of length `n`: sorted moduli follow the power law `|x|_(i) = i^(−decay)`
/// (`i = 1, …, n`, so the largest is 1), placed in a uniformly random order with random signs
/// (complex: random phases). Its best `k`-term approximation error in ℓ2 decays like
/// `k^(1/2 − decay)`, so `decay > ½` makes it compressible in the usual sense.
///
/// # Errors
/// [`Error::InvalidParam`] for `n = 0` or a `decay` that is not positive and finite.
///
/// ```
/// use cstk_measure::signals::compressible;
/// let x = compressible::<f64>(100, 1.5, 2).unwrap();
/// let mut mags: Vec<f64> = x.iter().map(|v| v.abs()).collect();
/// mags.sort_by(|a, b| b.partial_cmp(a).unwrap());
/// assert_eq!(mags[0], 1.0);
/// assert!((mags[9] - 10f64.powf(-1.5)).abs() < 1e-15);
/// ```
pub fn compressible<T: Scalar>(n: usize, decay: f64, seed: u64) -> Result<Vec<T>> {
    if n == 0 {
        return Err(Error::InvalidParam {
            name: "n",
            value: "0".into(),
            expected: "a positive signal length".into(),
        });
    }
    if !(decay.is_finite() && decay > 0.0) {
        return Err(Error::InvalidParam {
            name: "decay",
            value: decay.to_string(),
            expected: "a positive, finite power-law exponent".into(),
        });
    }
    let mut r = rng::stream(seed, Domain::SIGNAL, 0);
    let order = permutation(&mut r, n);
    let mut x = vec![T::zero(); n];
    for (rank, &pos) in order.iter().enumerate() {
        let modulus = libm::pow((rank + 1) as f64, -decay);
        x[pos] = random_sign::<T, _>(&mut r, modulus);
    }
    Ok(x)
}

/// A signal with additive white Gaussian noise, and what was added.
///
/// ```
/// use cstk_measure::signals::add_noise;
/// let n = add_noise(&[3.0f64, 4.0], 0.0, 1).unwrap();
/// assert!((n.noise_norm - 5.0).abs() < 1e-12); // 0 dB: noise as strong as the signal
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Noisy<T> {
    /// Signal plus noise.
    pub y: Vec<T>,
    /// ‖noise‖₂.
    pub noise_norm: f64,
    /// The equivalent per-entry noise standard deviation `‖noise‖₂ / √n`.
    pub sigma: f64,
    /// The achieved SNR `20·log10(‖signal‖ / ‖noise‖)` in dB (equal to the request up to
    /// rounding).
    pub snr_db: f64,
}

/// Adds white Gaussian noise (circular complex noise for complex `T`) scaled so that the SNR
/// `20·log10(‖signal‖₂ / ‖noise‖₂)` is exactly `snr_db`: the drawn noise vector is rescaled to
/// the norm `‖signal‖₂ · 10^(−snr_db/20)`, so the realized SNR — not just its expectation — is
/// the requested one, and reruns are comparable across seeds.
///
/// # Errors
/// [`Error::InvalidParam`] for an empty or all-zero signal (SNR undefined) or a non-finite
/// `snr_db`; [`Error::NonFinite`] for NaN/Inf in the signal.
///
/// ```
/// use cstk_measure::signals::add_noise;
/// let clean = vec![1.0f64; 1000];
/// let noisy = add_noise(&clean, 30.0, 5).unwrap();
/// let err: f64 = noisy.y.iter().zip(&clean).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
/// assert!((20.0 * (1000f64.sqrt() / err).log10() - 30.0).abs() < 1e-9);
/// ```
pub fn add_noise<T: Scalar>(signal: &[T], snr_db: f64, seed: u64) -> Result<Noisy<T>> {
    if !snr_db.is_finite() {
        return Err(Error::InvalidParam {
            name: "snr_db",
            value: snr_db.to_string(),
            expected: "a finite SNR in dB".into(),
        });
    }
    if let Some((i, v)) = signal
        .iter()
        .enumerate()
        .find(|(_, v)| !v.is_finite_value())
    {
        return Err(Error::NonFinite {
            context: "add_noise: signal".into(),
            position: i.to_string(),
            value: format!("{:?}", v.to_c64()),
        });
    }
    let signal_norm = signal
        .iter()
        .map(|v| v.to_c64().norm_sqr())
        .sum::<f64>()
        .sqrt();
    if signal_norm == 0.0 {
        return Err(Error::InvalidParam {
            name: "signal",
            value: format!("{} entries, all zero", signal.len()),
            expected: "a nonzero signal (the SNR of a zero signal is undefined)".into(),
        });
    }
    let parts = if T::IS_COMPLEX { 2 } else { 1 };
    let mut z = vec![0.0f64; parts * signal.len()];
    StandardNormal::new().fill(&mut rng::stream(seed, Domain::NOISE, 0), &mut z, 1.0);
    let z_norm = z.iter().map(|v| v * v).sum::<f64>().sqrt();
    let noise_norm = signal_norm * libm::pow(10.0, -snr_db / 20.0);
    let c = noise_norm / z_norm;
    let y: Vec<T> = signal
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let e = if T::IS_COMPLEX {
                T::from_f64_parts(c * z[2 * i], c * z[2 * i + 1])
            } else {
                T::from_f64_parts(c * z[i], 0.0)
            };
            s + e
        })
        .collect();
    let realized = y
        .iter()
        .zip(signal)
        .map(|(&a, &b)| (a - b).to_c64().norm_sqr())
        .sum::<f64>()
        .sqrt();
    Ok(Noisy {
        y,
        noise_norm: realized,
        sigma: realized / (signal.len() as f64).sqrt(),
        snr_db: 20.0 * (signal_norm / realized).log10(),
    })
}

/// `v` with a random sign (real) or a uniformly random phase (complex).
fn random_sign<T: Scalar, G: Rng>(r: &mut G, v: f64) -> T {
    if T::IS_COMPLEX {
        let theta = 2.0 * std::f64::consts::PI * uniform01(r);
        T::from_f64_parts(v * libm::cos(theta), v * libm::sin(theta))
    } else {
        T::from_f64_parts(if coin(r) { -v } else { v }, 0.0)
    }
}

fn check_amplitude(a: Amplitude) -> Result<()> {
    if let Amplitude::Uniform { low, high } = a
        && !(low.is_finite() && high.is_finite() && 0.0 <= low && low <= high)
    {
        return Err(Error::InvalidParam {
            name: "amplitude",
            value: format!("uniform [{low}, {high}]"),
            expected: "a modulus range 0 <= low <= high, both finite".into(),
        });
    }
    Ok(())
}

//! What to generate: [`MaskKind`] and [`MaskParams`], validated once in
//! [`MaskParams::generate`].

use super::{Mask, cartesian, check_shape, poisson, radial, random};
use cstk_linop::{Error, Result};
use std::fmt;
use std::str::FromStr;

/// The kinds of sampling masks (see the [module docs](super) for what each samples).
///
/// Names for [`FromStr`] and [`Display`](fmt::Display): `cartesian`, `poisson`, `radial`,
/// `golden`, `random`, `vd-random`.
///
/// ```
/// use cstk_measure::mask::MaskKind;
/// let k: MaskKind = "vd-random".parse().unwrap();
/// assert_eq!(k, MaskKind::VdRandom);
/// assert_eq!(MaskKind::Golden.to_string(), "golden");
/// assert!("spiral".parse::<MaskKind>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MaskKind {
    /// Full rows (fixed `ky`, all `kx`) drawn with a 1-D polynomial variable density.
    Cartesian,
    /// Variable-density Poisson-disc points (SigPy's `mri.poisson`, BART's `poisson`).
    Poisson,
    /// Spokes through DC at the equally spaced angles `kπ/S`, `k = 0, …, S − 1`.
    Radial,
    /// Spokes through DC at golden-angle increments `k · π(√5 − 1)/2` (111.246°).
    Golden,
    /// Points uniformly at random.
    Random,
    /// Points drawn with the 2-D polynomial density `(1 − r)^power`.
    VdRandom,
}

impl MaskKind {
    /// Every kind, in the order of the table in the [module docs](super).
    ///
    /// ```
    /// use cstk_measure::mask::MaskKind;
    /// assert_eq!(MaskKind::ALL.len(), 6);
    /// assert!(MaskKind::ALL.iter().all(|k| k.name().parse::<MaskKind>().unwrap() == *k));
    /// ```
    pub const ALL: [MaskKind; 6] = [
        MaskKind::Cartesian,
        MaskKind::Poisson,
        MaskKind::Radial,
        MaskKind::Golden,
        MaskKind::Random,
        MaskKind::VdRandom,
    ];

    /// The name used on the command line and in file names.
    ///
    /// ```
    /// assert_eq!(cstk_measure::mask::MaskKind::VdRandom.name(), "vd-random");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            MaskKind::Cartesian => "cartesian",
            MaskKind::Poisson => "poisson",
            MaskKind::Radial => "radial",
            MaskKind::Golden => "golden",
            MaskKind::Random => "random",
            MaskKind::VdRandom => "vd-random",
        }
    }

    /// Whether [`MaskParams::power`] changes this kind's masks (cartesian and vd-random).
    ///
    /// ```
    /// use cstk_measure::mask::MaskKind;
    /// assert!(MaskKind::Cartesian.uses_power() && !MaskKind::Poisson.uses_power());
    /// ```
    pub fn uses_power(self) -> bool {
        matches!(self, MaskKind::Cartesian | MaskKind::VdRandom)
    }
}

impl fmt::Display for MaskKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for MaskKind {
    type Err = Error;

    /// Parses a kind name (ASCII case-insensitive); [`Error::InvalidParam`] named `kind`
    /// listing the valid names otherwise.
    fn from_str(s: &str) -> Result<Self> {
        MaskKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| Error::InvalidParam {
                name: "kind",
                value: format!("{s:?}"),
                expected: format!("one of {}", MaskKind::ALL.map(MaskKind::name).join(", ")),
            })
    }
}

/// Parameters of a generated sampling mask; [`generate`](MaskParams::generate) validates them
/// and draws the mask.
///
/// | field | default | meaning | valid range |
/// |---|---|---|---|
/// | `kind` | — | which generator ([`MaskKind`]) | |
/// | `ny`, `nx` | — | grid shape: `ny` rows (`ky`) of `nx` columns (`kx`) | ≥ 1 (poisson: ≥ 4), `ny · nx ≤ 2³⁰` |
/// | `accel` | — | requested acceleration `ny · nx / samples` | finite, ≥ 1 |
/// | `acs` | 0 | side of the fully sampled central calibration square (cartesian: number of central rows) | ≤ `min(ny, nx)` (cartesian: ≤ `ny`), and its points no more than the requested samples |
/// | `seed` | 0 | seed of the random stream (unused by radial and golden) | any |
/// | `power` | 2 | density falloff exponent of cartesian and vd-random: density `(1 − d)^power` at normalized distance `d` from DC, floored at 1% of the centre's | finite, ≥ 0 (0: uniform) |
/// | `tol` | 0.1 | poisson: accepted `\|achieved − accel\|` | finite, > 0 |
/// | `max_attempts` | 30 | poisson: candidates tried around an active point before it retires | ≥ 1 |
/// | `crop_corner` | `true` | poisson: drop points outside the ellipse inscribed in the grid | |
///
/// How close the result comes to `accel`: cartesian samples `round(ny / accel)` lines (at
/// least 1), random and vd-random exactly `round(ny · nx / accel)` points (at least 1),
/// poisson within `tol`, radial and golden the spoke count whose acceleration is nearest.
/// The calibration region counts towards the samples.
///
/// ```
/// use cstk_measure::mask::{MaskKind, MaskParams};
/// let p = MaskParams::new(MaskKind::Poisson, 64, 64, 4.0).acs(8).seed(3);
/// let m = p.generate()?;
/// assert!((m.acceleration() - 4.0).abs() < p.tol);
/// assert_eq!(m, p.generate()?); // deterministic
/// # Ok::<(), cstk_measure::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct MaskParams {
    /// Which generator.
    pub kind: MaskKind,
    /// Number of rows (`ky` positions).
    pub ny: usize,
    /// Number of columns (`kx` positions).
    pub nx: usize,
    /// Requested acceleration `ny · nx / samples`.
    pub accel: f64,
    /// Side of the fully sampled central square (cartesian: number of central rows).
    pub acs: usize,
    /// Seed of the mask's random stream.
    pub seed: u64,
    /// Density falloff exponent (cartesian and vd-random).
    pub power: f64,
    /// Poisson: accepted distance between achieved and requested acceleration.
    pub tol: f64,
    /// Poisson: candidates tried around an active point before it retires.
    pub max_attempts: usize,
    /// Poisson: drop points outside the ellipse inscribed in the grid.
    pub crop_corner: bool,
}

/// Largest grid accepted (`ny · nx`), so that a typo cannot ask for terabytes.
const MAX_POINTS: usize = 1 << 30;

impl MaskParams {
    /// Parameters with the defaults of the table above.
    ///
    /// ```
    /// use cstk_measure::mask::{MaskKind, MaskParams};
    /// let p = MaskParams::new(MaskKind::Random, 32, 48, 3.0);
    /// assert_eq!((p.acs, p.seed, p.power, p.tol, p.max_attempts, p.crop_corner),
    ///            (0, 0, 2.0, 0.1, 30, true));
    /// ```
    pub fn new(kind: MaskKind, ny: usize, nx: usize, accel: f64) -> Self {
        MaskParams {
            kind,
            ny,
            nx,
            accel,
            acs: 0,
            seed: 0,
            power: 2.0,
            tol: 0.1,
            max_attempts: 30,
            crop_corner: true,
        }
    }

    /// Sets the side of the calibration square (cartesian: the number of central rows).
    ///
    /// ```
    /// use cstk_measure::mask::{MaskKind, MaskParams};
    /// let m = MaskParams::new(MaskKind::Random, 32, 32, 4.0).acs(6).generate()?;
    /// assert!((13..19).all(|ky| (13..19).all(|kx| m.get(ky, kx))));
    /// # Ok::<(), cstk_measure::Error>(())
    /// ```
    pub fn acs(mut self, acs: usize) -> Self {
        self.acs = acs;
        self
    }

    /// Sets the seed.
    ///
    /// ```
    /// use cstk_measure::mask::{MaskKind, MaskParams};
    /// let p = MaskParams::new(MaskKind::Random, 32, 32, 4.0);
    /// assert_ne!(p.clone().seed(1).generate()?, p.seed(2).generate()?);
    /// # Ok::<(), cstk_measure::Error>(())
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the density falloff exponent (cartesian and vd-random; 0 is uniform).
    ///
    /// ```
    /// use cstk_measure::mask::{MaskKind, MaskParams};
    /// let m = MaskParams::new(MaskKind::VdRandom, 64, 64, 4.0).power(3.0).generate()?;
    /// assert_eq!(m.count(), 1024);
    /// # Ok::<(), cstk_measure::Error>(())
    /// ```
    pub fn power(mut self, power: f64) -> Self {
        self.power = power;
        self
    }

    /// Sets the Poisson acceleration tolerance.
    ///
    /// ```
    /// use cstk_measure::mask::{MaskKind, MaskParams};
    /// let m = MaskParams::new(MaskKind::Poisson, 48, 48, 3.0).tol(0.05).generate()?;
    /// assert!((m.acceleration() - 3.0).abs() < 0.05);
    /// # Ok::<(), cstk_measure::Error>(())
    /// ```
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Sets the Poisson candidates per active point.
    ///
    /// ```
    /// use cstk_measure::mask::{MaskKind, MaskParams};
    /// let p = MaskParams::new(MaskKind::Poisson, 32, 32, 2.0).max_attempts(10);
    /// assert_eq!(p.max_attempts, 10);
    /// ```
    pub fn max_attempts(mut self, max_attempts: usize) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Sets whether Poisson masks drop the corners outside the inscribed ellipse.
    ///
    /// ```
    /// use cstk_measure::mask::{MaskKind, MaskParams};
    /// let m = MaskParams::new(MaskKind::Poisson, 32, 32, 2.0).crop_corner(true).generate()?;
    /// assert!(!m.get(0, 0) && !m.get(31, 31));
    /// # Ok::<(), cstk_measure::Error>(())
    /// ```
    pub fn crop_corner(mut self, crop_corner: bool) -> Self {
        self.crop_corner = crop_corner;
        self
    }

    /// Validates the parameters and draws the mask.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] naming the field (`shape`, `accel`, `acs`, `power`, `tol`,
    /// `max_attempts`) when a value is outside the range in the table above, and for poisson
    /// when no mask within `tol` of `accel` is found (named `accel` when even the densest
    /// Poisson-disc mask is sparser than requested, `tol` otherwise; the message gives the
    /// closest acceleration reached).
    ///
    /// ```
    /// use cstk_measure::{Error, mask::{MaskKind, MaskParams}};
    /// let m = MaskParams::new(MaskKind::Golden, 64, 64, 8.0).generate()?;
    /// assert!(m.get(32, 32)); // every spoke passes through DC
    /// let e = MaskParams::new(MaskKind::Random, 8, 8, 0.5).generate().unwrap_err();
    /// assert!(matches!(e, Error::InvalidParam { name: "accel", .. }));
    /// let e = MaskParams::new(MaskKind::Random, 8, 8, 4.0).acs(5).generate().unwrap_err();
    /// assert!(matches!(e, Error::InvalidParam { name: "acs", .. })); // 25 points > 16 samples
    /// # Ok::<(), cstk_measure::Error>(())
    /// ```
    pub fn generate(&self) -> Result<Mask> {
        let samples = self.validate()?;
        Ok(match self.kind {
            MaskKind::Cartesian => cartesian::generate(self, samples),
            MaskKind::Poisson => poisson::generate(self)?,
            MaskKind::Radial | MaskKind::Golden => radial::generate(self),
            MaskKind::Random => random::generate_uniform(self, samples),
            MaskKind::VdRandom => random::generate_variable_density(self, samples),
        })
    }

    /// Checks every field; returns the requested number of samples (cartesian: lines).
    fn validate(&self) -> Result<usize> {
        let (ny, nx, acs) = (self.ny, self.nx, self.acs);
        check_shape(ny, nx)?;
        let n = match ny.checked_mul(nx) {
            Some(n) if n <= MAX_POINTS => n,
            _ => {
                return Err(Error::InvalidParam {
                    name: "shape",
                    value: format!("{ny}x{nx}"),
                    expected: format!("at most {MAX_POINTS} grid points"),
                });
            }
        };
        if self.kind == MaskKind::Poisson && (ny < 4 || nx < 4) {
            return Err(Error::InvalidParam {
                name: "shape",
                value: format!("{ny}x{nx}"),
                expected: "at least 4x4 for a Poisson-disc mask".into(),
            });
        }
        if !(self.accel.is_finite() && self.accel >= 1.0) {
            return Err(Error::InvalidParam {
                name: "accel",
                value: format!("{}", self.accel),
                expected: "a finite number ≥ 1".into(),
            });
        }
        if !(self.power.is_finite() && self.power >= 0.0) {
            return Err(Error::InvalidParam {
                name: "power",
                value: format!("{}", self.power),
                expected: "a finite number ≥ 0".into(),
            });
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(Error::InvalidParam {
                name: "tol",
                value: format!("{}", self.tol),
                expected: "a finite number > 0".into(),
            });
        }
        if self.max_attempts == 0 {
            return Err(Error::InvalidParam {
                name: "max_attempts",
                value: "0".into(),
                expected: "at least 1".into(),
            });
        }
        if self.kind == MaskKind::Cartesian {
            if acs > ny {
                return Err(Error::InvalidParam {
                    name: "acs",
                    value: format!("{acs}"),
                    expected: format!("at most ny = {ny} calibration lines"),
                });
            }
            let lines = requested(ny, self.accel);
            if acs > lines {
                return Err(Error::InvalidParam {
                    name: "acs",
                    value: format!("{acs}"),
                    expected: format!(
                        "at most the {lines} lines of acceleration {} on {ny} lines",
                        self.accel
                    ),
                });
            }
            return Ok(lines);
        }
        if acs > ny.min(nx) {
            return Err(Error::InvalidParam {
                name: "acs",
                value: format!("{acs}"),
                expected: format!("at most min(ny, nx) = {}", ny.min(nx)),
            });
        }
        let samples = requested(n, self.accel);
        if acs * acs > samples {
            return Err(Error::InvalidParam {
                name: "acs",
                value: format!("{acs}"),
                expected: format!(
                    "a calibration square ({acs}x{acs} = {} points) no larger than the {samples} \
                     samples of acceleration {} on {ny}x{nx}",
                    acs * acs,
                    self.accel
                ),
            });
        }
        Ok(samples)
    }
}

/// `round(n / accel)`, at least 1 (and at most `n`, as `accel ≥ 1`).
fn requested(n: usize, accel: f64) -> usize {
    ((n as f64 / accel).round() as usize).clamp(1, n)
}

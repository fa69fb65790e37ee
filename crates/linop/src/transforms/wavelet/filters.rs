//! The supported orthogonal wavelets, their filters, and PyWavelets' level limits.

use super::filter_table::FILTERS;
use crate::{Error, Result};
use std::fmt;

/// The orthogonal wavelet families cstk supports, with the orders available in each.
///
/// | family | names | filter length | vanishing moments of ψ |
/// |---|---|---|---|
/// | [`Haar`](WaveletFamily::Haar) | `haar` (same filters as `db1`) | 2 | 1 |
/// | [`Daubechies`](WaveletFamily::Daubechies) | `db1` … `db20` | 2N | N |
/// | [`Symlets`](WaveletFamily::Symlets) | `sym2` … `sym20` | 2N | N |
/// | [`Coiflets`](WaveletFamily::Coiflets) | `coif1` … `coif17` | 6N | 2N |
///
/// ```
/// use cstk_linop::transforms::wavelet::{Wavelet, WaveletFamily};
/// let w = Wavelet::new("coif3")?;
/// assert_eq!(w.family(), WaveletFamily::Coiflets);
/// assert_eq!((w.order(), w.filter_len(), w.vanishing_moments()), (3, 18, 6));
/// assert_eq!(WaveletFamily::Symlets.short_name(), "sym");
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WaveletFamily {
    /// The Haar wavelet (`haar`).
    Haar,
    /// Daubechies' extremal-phase wavelets `db1` … `db20`.
    Daubechies,
    /// Daubechies' least-asymmetric wavelets (symlets) `sym2` … `sym20`.
    Symlets,
    /// Coiflets `coif1` … `coif17`.
    Coiflets,
}

impl WaveletFamily {
    /// PyWavelets' short family name: `"haar"`, `"db"`, `"sym"` or `"coif"`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::WaveletFamily;
    /// assert_eq!(WaveletFamily::Daubechies.short_name(), "db");
    /// ```
    pub fn short_name(self) -> &'static str {
        match self {
            WaveletFamily::Haar => "haar",
            WaveletFamily::Daubechies => "db",
            WaveletFamily::Symlets => "sym",
            WaveletFamily::Coiflets => "coif",
        }
    }
}

/// One row of the generated filter table.
pub(super) struct FilterEntry {
    pub(super) name: &'static str,
    pub(super) family: WaveletFamily,
    pub(super) order: usize,
    pub(super) vanishing_moments: usize,
    pub(super) dec_lo: &'static [f64],
    pub(super) dec_hi: &'static [f64],
}

/// The names [`Wavelet::new`] accepts, for error messages.
const ACCEPTED: &str = "a name from the families haar, db1..db20, sym2..sym20, coif1..coif17";

/// An orthogonal wavelet: its name and its analysis filters, exactly as PyWavelets holds them.
///
/// The filters are PyWavelets' `dec_lo` (scaling, low-pass, `Σ h = √2`) and `dec_hi`
/// (wavelet, high-pass, `g[k] = (−1)^(k+1) h[F−1−k]`), in the convention of
/// `pywt.dwt`: a filter is convolved with the signal, `y[i] = Σ_j f[j] x[i − j]`. The
/// synthesis filters of an orthogonal wavelet are the same filters reversed, which is why
/// the adjoint of every transform here is also its inverse (where the transform is
/// orthogonal). The table is generated from PyWavelets 1.8.0 by `gen_filters.py`; the
/// Daubechies and Coiflet filters are orthonormal to about 1e-16, the symlets to the
/// 12–13 digits PyWavelets publishes (about 1e-11 for `sym20`).
///
/// `Wavelet` is a cheap `Copy` handle to static data.
///
/// ```
/// use cstk_linop::transforms::wavelet::Wavelet;
/// let w = Wavelet::new("db2")?;
/// assert_eq!(w.name(), "db2");
/// assert_eq!(w.dec_lo().len(), 4);
/// let sum: f64 = w.dec_lo().iter().sum();
/// assert!((sum - 2f64.sqrt()).abs() < 1e-15);
/// assert!(Wavelet::new("db21").is_err());
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct Wavelet {
    entry: &'static FilterEntry,
}

impl Wavelet {
    /// The wavelet named `name` (PyWavelets' names: `haar`, `db1`…`db20`, `sym2`…`sym20`,
    /// `coif1`…`coif17`; case-sensitive, as in PyWavelets).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] naming `name` and listing the supported families when the
    /// name is unknown.
    ///
    /// ```
    /// use cstk_linop::{Error, transforms::wavelet::Wavelet};
    /// assert_eq!(Wavelet::new("sym8")?.filter_len(), 16);
    /// let err = Wavelet::new("bior2.2").unwrap_err();
    /// assert!(matches!(err, Error::InvalidParam { name: "wavelet", .. }));
    /// assert!(err.to_string().contains("coif1..coif17"));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn new(name: &str) -> Result<Self> {
        FILTERS
            .iter()
            .find(|e| e.name == name)
            .map(|entry| Wavelet { entry })
            .ok_or_else(|| Error::InvalidParam {
                name: "wavelet",
                value: format!("{name:?}"),
                expected: ACCEPTED.into(),
            })
    }

    /// Every supported wavelet, by family (Haar, Daubechies, symlets, Coiflets) and order.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::Wavelet;
    /// let all: Vec<_> = Wavelet::all().map(|w| w.name()).collect();
    /// assert_eq!(all.len(), 1 + 20 + 19 + 17);
    /// assert_eq!((all[0], all[1], all[56]), ("haar", "db1", "coif17"));
    /// ```
    pub fn all() -> impl ExactSizeIterator<Item = Wavelet> {
        FILTERS.iter().map(|entry| Wavelet { entry })
    }

    /// The name, as PyWavelets spells it (`"db4"`).
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::Wavelet;
    /// assert_eq!(Wavelet::new("haar")?.name(), "haar");
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn name(&self) -> &'static str {
        self.entry.name
    }

    /// The family.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Wavelet, WaveletFamily};
    /// assert_eq!(Wavelet::new("db7")?.family(), WaveletFamily::Daubechies);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn family(&self) -> WaveletFamily {
        self.entry.family
    }

    /// The order within the family (the `N` of `dbN`, `symN`, `coifN`; 1 for Haar).
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::Wavelet;
    /// assert_eq!(Wavelet::new("sym12")?.order(), 12);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn order(&self) -> usize {
        self.entry.order
    }

    /// Number of vanishing moments of the wavelet function ψ (PyWavelets'
    /// `vanishing_moments_psi`): `N` for `dbN` and `symN`, `2N` for `coifN`, 1 for Haar.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::Wavelet;
    /// assert_eq!(Wavelet::new("coif5")?.vanishing_moments(), 10);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn vanishing_moments(&self) -> usize {
        self.entry.vanishing_moments
    }

    /// Filter length `F` (PyWavelets' `dec_len`): even, from 2 (Haar) to 102 (`coif17`).
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::Wavelet;
    /// assert_eq!(Wavelet::new("coif17")?.filter_len(), 102);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn filter_len(&self) -> usize {
        self.entry.dec_lo.len()
    }

    /// The low-pass analysis filter `h` (PyWavelets' `dec_lo`).
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::Wavelet;
    /// let h = Wavelet::new("haar")?.dec_lo();
    /// assert_eq!(h, &[std::f64::consts::FRAC_1_SQRT_2; 2]);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn dec_lo(&self) -> &'static [f64] {
        self.entry.dec_lo
    }

    /// The high-pass analysis filter `g` (PyWavelets' `dec_hi`),
    /// `g[k] = (−1)^(k+1) h[F−1−k]`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::Wavelet;
    /// let w = Wavelet::new("db2")?;
    /// let (h, g) = (w.dec_lo(), w.dec_hi());
    /// assert!((0..4).all(|k| g[k] == if k % 2 == 1 { h[3 - k] } else { -h[3 - k] }));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn dec_hi(&self) -> &'static [f64] {
        self.entry.dec_hi
    }

    /// [`dwt_max_level`] for a signal of length `len` with this wavelet's filter.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::Wavelet;
    /// assert_eq!(Wavelet::new("db4")?.dwt_max_level(1024), 7);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn dwt_max_level(&self, len: usize) -> usize {
        dwt_max_level(len, self.filter_len())
    }
}

impl fmt::Debug for Wavelet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wavelet")
            .field("name", &self.entry.name)
            .field("filter_len", &self.filter_len())
            .finish()
    }
}

impl fmt::Display for Wavelet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.entry.name)
    }
}

impl PartialEq for Wavelet {
    fn eq(&self, other: &Self) -> bool {
        self.entry.name == other.entry.name
    }
}

impl Eq for Wavelet {}

impl std::str::FromStr for Wavelet {
    type Err = Error;
    /// Same as [`Wavelet::new`].
    fn from_str(s: &str) -> Result<Self> {
        Wavelet::new(s)
    }
}

/// The deepest useful decomposition level, exactly as `pywt.dwt_max_level(len, filter_len)`:
/// `⌊log₂(len / (filter_len − 1))⌋` (integer division first, as PyWavelets' C code does,
/// which gives the same result), and 0 when `len < filter_len − 1`.
///
/// PyWavelets raises an error for `filter_len < 2`; this function returns 0 there (as
/// PyWavelets' C core does). The decimated transforms ([`Dwt1`](super::Dwt1),
/// [`Dwt2`](super::Dwt2)) refuse levels above this limit (PyWavelets only warns).
///
/// ```
/// use cstk_linop::transforms::wavelet::dwt_max_level;
/// assert_eq!(dwt_max_level(1024, 8), 7); // db4: log2(1024 / 7) = 7.19
/// assert_eq!(dwt_max_level(10, 2), 3); // haar
/// assert_eq!(dwt_max_level(6, 8), 0); // shorter than the filter
/// ```
pub fn dwt_max_level(len: usize, filter_len: usize) -> usize {
    if filter_len < 2 || len < filter_len - 1 {
        return 0;
    }
    (len / (filter_len - 1)).ilog2() as usize
}

/// The deepest stationary (undecimated) level for a signal of length `len`, exactly as
/// `pywt.swt_max_level(len)`: the number of times 2 divides `len` (0 for `len = 0`).
///
/// ```
/// use cstk_linop::transforms::wavelet::swt_max_level;
/// assert_eq!(swt_max_level(96), 5); // 96 = 3 · 2⁵
/// assert_eq!(swt_max_level(7), 0);
/// ```
pub fn swt_max_level(len: usize) -> usize {
    if len == 0 {
        0
    } else {
        len.trailing_zeros() as usize
    }
}

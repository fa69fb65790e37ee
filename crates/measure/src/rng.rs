//! The random-number conventions every generator in this crate follows.
//!
//! Reproducibility is this crate's first promise: the same seed gives bit-identical matrices,
//! masks and signals on every platform, for any number of threads and in any order of work.
//! Three rules make it so.
//!
//! 1. **One ChaCha8 stream per block of data, never per thread.** A generator derives a
//!    [`ChaCha8Rng`] from `(seed, domain, block)` with [`stream`]: the 256-bit ChaCha key holds
//!    the user's `seed` (bytes 0..8, little-endian) and the generator's [`Domain`] tag (bytes
//!    8..16); the 64-bit ChaCha stream (nonce) is the block index — a column of a matrix, a trial
//!    of an experiment. Blocks are independent, so they can be filled in parallel in any order.
//!    The domain keeps generators apart: a Gaussian matrix and a sparse signal drawn from the
//!    same seed share no random numbers.
//! 2. **Our own samplers on top of the raw 64-bit words**, so a `rand` upgrade cannot change a
//!    value: [`uniform01`] (53 bits), [`uniform_below`] (Lemire's multiply-and-reject),
//!    [`StandardNormal`] (a 256-layer ziggurat whose tables and rare tail/wedge tests use the
//!    pure-Rust [`libm`] crate, not the platform's `exp`/`ln`), [`sample_indices`] (sorted
//!    k-subsets). Everything else is IEEE arithmetic without fused operations, which is
//!    deterministic everywhere Rust runs.
//! 3. **Golden values in the tests**: the first numbers of a few seeds are pinned, so a change
//!    of any of the above fails CI instead of silently changing experiments.
//!
//! ```
//! use cstk_measure::rng::{self, Domain, StandardNormal};
//! let normal = StandardNormal::new();
//! let mut a = rng::stream(42, Domain::DENSE, 3); // seed 42, column 3 of a dense matrix
//! let mut b = rng::stream(42, Domain::DENSE, 3);
//! assert_eq!(normal.sample(&mut a).to_bits(), normal.sample(&mut b).to_bits());
//! ```

use rand::{Rng, SeedableRng};
pub use rand_chacha::ChaCha8Rng;
use std::sync::OnceLock;

/// Which generator a stream belongs to: the second half of the ChaCha key (see the
/// [module docs](self)). Eight bytes, conventionally ASCII.
///
/// Generators in other crates (experiments, solvers with random selection) define their own
/// tag with [`Domain::new`].
///
/// ```
/// use cstk_measure::rng::{self, Domain};
/// use rand::Rng;
/// const TRIALS: Domain = Domain::new(*b"trials\0\0");
/// let mut r = rng::stream(1, TRIALS, 0);
/// assert_ne!(r.next_u64(), rng::stream(1, Domain::DENSE, 0).next_u64());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Domain([u8; 8]);

impl Domain {
    /// Dense ensembles (Gaussian, Rademacher, sphere): one stream per column.
    pub const DENSE: Domain = Domain(*b"dense\0\0\0");
    /// The sparse random (expander / sparse-JL) ensemble: one stream per column.
    pub const SPARSE: Domain = Domain(*b"sparse\0\0");
    /// Row subsets of partial transforms: stream 0.
    pub const ROWS: Domain = Domain(*b"rows\0\0\0\0");
    /// Randomizers of structurally random matrices (signs, permutations): stream 0.
    pub const RANDOMIZER: Domain = Domain(*b"randmzr\0");
    /// Sparse and compressible signals: stream 0.
    pub const SIGNAL: Domain = Domain(*b"signal\0\0");
    /// Additive noise: stream 0.
    pub const NOISE: Domain = Domain(*b"noise\0\0\0");
    /// Sampling masks: stream 0 (a mask is generated sequentially).
    pub const MASK: Domain = Domain(*b"mask\0\0\0\0");
    /// Random supports of the RIP search: one stream per trial.
    pub const RIP: Domain = Domain(*b"rip\0\0\0\0\0");

    /// A domain tag from eight bytes.
    ///
    /// ```
    /// let d = cstk_measure::rng::Domain::new(*b"mytag\0\0\0");
    /// assert_eq!(d.tag(), *b"mytag\0\0\0");
    /// ```
    pub const fn new(tag: [u8; 8]) -> Self {
        Domain(tag)
    }

    /// The eight bytes of the tag.
    ///
    /// ```
    /// assert_eq!(cstk_measure::rng::Domain::DENSE.tag(), *b"dense\0\0\0");
    /// ```
    pub const fn tag(self) -> [u8; 8] {
        self.0
    }
}

/// The ChaCha8 generator of block `index` of generator `domain` under the user's `seed`.
///
/// ```
/// use cstk_measure::rng::{self, Domain};
/// use rand::Rng;
/// let first = rng::stream(7, Domain::SIGNAL, 0).next_u64();
/// assert_eq!(first, rng::stream(7, Domain::SIGNAL, 0).next_u64());
/// assert_ne!(first, rng::stream(7, Domain::SIGNAL, 1).next_u64());
/// assert_ne!(first, rng::stream(8, Domain::SIGNAL, 0).next_u64());
/// ```
pub fn stream(seed: u64, domain: Domain, index: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&domain.0);
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(index);
    rng
}

/// A 64-bit seed derived from `(seed, domain, index)`: the first word of that [`stream`].
/// Experiments use it to give every trial its own seed, independent of scheduling.
///
/// ```
/// use cstk_measure::rng::{derive_seed, Domain};
/// const TRIAL: Domain = Domain::new(*b"trial\0\0\0");
/// assert_eq!(derive_seed(5, TRIAL, 12), derive_seed(5, TRIAL, 12));
/// assert_ne!(derive_seed(5, TRIAL, 12), derive_seed(5, TRIAL, 13));
/// ```
pub fn derive_seed(seed: u64, domain: Domain, index: u64) -> u64 {
    stream(seed, domain, index).next_u64()
}

/// A uniform `f64` in `[0, 1)` with 53 random bits (every multiple of 2⁻⁵³ equally likely).
///
/// ```
/// use cstk_measure::rng::{self, Domain, uniform01};
/// let mut r = rng::stream(0, Domain::SIGNAL, 0);
/// assert!((0..1000).map(|_| uniform01(&mut r)).all(|u| (0.0..1.0).contains(&u)));
/// ```
#[inline]
pub fn uniform01<G: Rng + ?Sized>(rng: &mut G) -> f64 {
    word_to_unit(rng.next_u64())
}

/// A uniform integer in `0..n` without bias (Lemire's multiply-and-reject; one 64-bit word
/// per draw except with probability `< n / 2⁶⁴`). Panics if `n == 0`.
///
/// ```
/// use cstk_measure::rng::{self, Domain, uniform_below};
/// let mut r = rng::stream(3, Domain::MASK, 0);
/// let mut seen = [false; 6];
/// for _ in 0..200 { seen[uniform_below(&mut r, 6) as usize] = true; }
/// assert!(seen.iter().all(|&s| s));
/// ```
#[inline]
pub fn uniform_below<G: Rng + ?Sized>(rng: &mut G, n: u64) -> u64 {
    assert!(n > 0, "uniform_below: n must be positive");
    let mut m = (rng.next_u64() as u128) * (n as u128);
    if (m as u64) < n {
        let threshold = n.wrapping_neg() % n;
        while (m as u64) < threshold {
            m = (rng.next_u64() as u128) * (n as u128);
        }
    }
    (m >> 64) as u64
}

/// `true` or `false` with probability ½ each (one bit of one word).
///
/// ```
/// use cstk_measure::rng::{self, Domain, coin};
/// let mut r = rng::stream(1, Domain::SIGNAL, 0);
/// let heads = (0..1000).filter(|_| coin(&mut r)).count();
/// assert!((400..600).contains(&heads));
/// ```
#[inline]
pub fn coin<G: Rng + ?Sized>(rng: &mut G) -> bool {
    rng.next_u64() >> 63 == 1
}

/// A uniformly random `k`-subset of `0..n`, sorted ascending.
///
/// Partial Fisher–Yates over `0..n` when `k` is at least `n / 8`, Floyd's algorithm
/// otherwise; the choice depends only on `(n, k)`, so the result depends only on the
/// generator's state. Panics if `k > n`.
///
/// ```
/// use cstk_measure::rng::{self, Domain, sample_indices};
/// let s = sample_indices(&mut rng::stream(9, Domain::ROWS, 0), 100, 10);
/// assert_eq!(s.len(), 10);
/// assert!(s.windows(2).all(|w| w[0] < w[1]) && s[9] < 100);
/// ```
pub fn sample_indices<G: Rng + ?Sized>(rng: &mut G, n: usize, k: usize) -> Vec<usize> {
    assert!(k <= n, "sample_indices: k = {k} exceeds n = {n}");
    let mut out = if k >= n / 8 {
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..k {
            let j = i + uniform_below(rng, (n - i) as u64) as usize;
            all.swap(i, j);
        }
        all.truncate(k);
        all
    } else {
        // Floyd: for j in n-k..n, draw t in 0..=j; insert t unless taken, else j.
        let mut taken = std::collections::HashSet::with_capacity(2 * k);
        let mut out = Vec::with_capacity(k);
        for j in (n - k)..n {
            let t = uniform_below(rng, j as u64 + 1) as usize;
            let pick = if taken.insert(t) { t } else { j };
            if pick == j {
                taken.insert(j);
            }
            out.push(pick);
        }
        out
    };
    out.sort_unstable();
    out
}

/// A uniformly random permutation of `0..n` (Fisher–Yates).
///
/// ```
/// use cstk_measure::rng::{self, Domain, permutation};
/// let mut p = permutation(&mut rng::stream(2, Domain::RANDOMIZER, 0), 50);
/// p.sort();
/// assert_eq!(p, (0..50).collect::<Vec<_>>());
/// ```
pub fn permutation<G: Rng + ?Sized>(rng: &mut G, n: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = uniform_below(rng, i as u64 + 1) as usize;
        p.swap(i, j);
    }
    p
}

const ZIG_LAYERS: usize = 256;
/// Right edge of the base layer of the 256-layer normal ziggurat (Marsaglia & Tsang 2000).
const ZIG_R: f64 = 3.654_152_885_361_009;
/// The common area of every layer.
const ZIG_V: f64 = 0.004_928_673_233_99;

struct ZigTables {
    /// `x[0] = v / f(r)` (the base layer's virtual width), `x[1] = r`, …, `x[256] = 0`.
    x: [f64; ZIG_LAYERS + 1],
    /// `f[i] = exp(−x[i]²/2)`.
    f: [f64; ZIG_LAYERS + 1],
}

fn zig_tables() -> &'static ZigTables {
    static TABLES: OnceLock<ZigTables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let pdf = |x: f64| libm::exp(-0.5 * x * x);
        let mut x = [0.0; ZIG_LAYERS + 1];
        x[0] = ZIG_V / pdf(ZIG_R);
        x[1] = ZIG_R;
        for i in 1..ZIG_LAYERS - 1 {
            x[i + 1] = libm::sqrt(-2.0 * libm::log(ZIG_V / x[i] + pdf(x[i])));
        }
        x[ZIG_LAYERS] = 0.0;
        let mut f = [0.0; ZIG_LAYERS + 1];
        for i in 0..=ZIG_LAYERS {
            f[i] = pdf(x[i]);
        }
        ZigTables { x, f }
    })
}

/// Standard normal `N(0, 1)` samples by the 256-layer ziggurat (Marsaglia & Tsang 2000, with
/// Doornik's independent layer bits), bit-exact on every platform (see the
/// [module docs](self)). About 99% of draws cost one 64-bit word, a multiply and a compare.
///
/// ```
/// use cstk_measure::rng::{self, Domain, StandardNormal};
/// let normal = StandardNormal::new();
/// let mut r = rng::stream(11, Domain::NOISE, 0);
/// let xs: Vec<f64> = (0..20_000).map(|_| normal.sample(&mut r)).collect();
/// let mean = xs.iter().sum::<f64>() / xs.len() as f64;
/// let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
/// assert!(mean.abs() < 0.03 && (var - 1.0).abs() < 0.04);
/// ```
#[derive(Clone, Copy)]
pub struct StandardNormal {
    tables: &'static ZigTables,
}

impl std::fmt::Debug for StandardNormal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StandardNormal")
    }
}

impl Default for StandardNormal {
    fn default() -> Self {
        Self::new()
    }
}

impl StandardNormal {
    /// The sampler (its tables are computed once per process).
    ///
    /// ```
    /// let _normal = cstk_measure::rng::StandardNormal::new();
    /// ```
    pub fn new() -> Self {
        StandardNormal {
            tables: zig_tables(),
        }
    }

    /// One `N(0, 1)` draw.
    ///
    /// ```
    /// use cstk_measure::rng::{self, Domain, StandardNormal};
    /// let z = StandardNormal::new().sample(&mut rng::stream(0, Domain::NOISE, 0));
    /// assert!(z.is_finite());
    /// ```
    #[inline]
    pub fn sample<G: Rng + ?Sized>(&self, rng: &mut G) -> f64 {
        self.sample_words(&mut || rng.next_u64())
    }

    /// The ziggurat on a source of 64-bit words.
    #[inline(always)]
    fn sample_words(&self, next: &mut impl FnMut() -> u64) -> f64 {
        let t = self.tables;
        let bits = next();
        let i = (bits & 0xff) as usize;
        // 52 bits disjoint from the layer bits → u uniform in (−1, 1), never 0.
        let u = ((bits >> 12) as i64 as f64 + 0.5) * (1.0 / (1u64 << 51) as f64) - 1.0;
        let x = u * t.x[i];
        if x.abs() < t.x[i + 1] {
            return x;
        }
        self.slow(i, u, x, next)
    }

    /// Base-layer tail or wedge test; then the remaining loop of the ziggurat.
    #[cold]
    #[inline(never)]
    fn slow(&self, mut i: usize, mut u: f64, mut x: f64, next: &mut impl FnMut() -> u64) -> f64 {
        let t = self.tables;
        loop {
            if i == 0 {
                return tail(next, u < 0.0);
            }
            let y = t.f[i] + (t.f[i + 1] - t.f[i]) * word_to_unit(next());
            if y < libm::exp(-0.5 * x * x) {
                return x;
            }
            let bits = next();
            i = (bits & 0xff) as usize;
            u = ((bits >> 12) as i64 as f64 + 0.5) * (1.0 / (1u64 << 51) as f64) - 1.0;
            x = u * t.x[i];
            if x.abs() < t.x[i + 1] {
                return x;
            }
        }
    }

    /// Fills `out` with independent `N(0, 1)` draws scaled by `scale`: the same values as
    /// calling [`sample`](Self::sample) `out.len()` times, about twice as fast, because the
    /// generator's words are read in blocks of 128 (so the generator ends up to 127 words
    /// further along than `sample` would leave it).
    ///
    /// ```
    /// use cstk_measure::rng::{self, Domain, StandardNormal};
    /// let normal = StandardNormal::new();
    /// let mut v = vec![0.0; 300];
    /// normal.fill(&mut rng::stream(0, Domain::NOISE, 0), &mut v, 0.5);
    /// let mut r = rng::stream(0, Domain::NOISE, 0);
    /// assert!(v.iter().all(|x| *x == 0.5 * normal.sample(&mut r)));
    /// ```
    pub fn fill<G: Rng + ?Sized>(&self, rng: &mut G, out: &mut [f64], scale: f64) {
        for (v, z) in out.iter_mut().zip(self.iter(rng)) {
            *v = scale * z;
        }
    }

    /// An endless iterator of `N(0, 1)` draws: the values of repeated [`sample`](Self::sample)
    /// calls, read fast (the generator's words are taken in blocks of 128, as in
    /// [`fill`](Self::fill)).
    ///
    /// ```
    /// use cstk_measure::rng::{self, Domain, StandardNormal};
    /// let normal = StandardNormal::new();
    /// let mut r = rng::stream(3, Domain::NOISE, 0);
    /// let v: Vec<f64> = normal.iter(&mut r).take(5).collect();
    /// let mut r = rng::stream(3, Domain::NOISE, 0);
    /// assert!(v.iter().all(|x| *x == normal.sample(&mut r)));
    /// ```
    pub fn iter<'a, G: Rng + ?Sized>(&self, rng: &'a mut G) -> NormalIter<'a, G> {
        NormalIter {
            normal: *self,
            words: WordBlocks::new(rng),
        }
    }
}

/// The iterator of [`StandardNormal::iter`].
pub struct NormalIter<'a, G: Rng + ?Sized> {
    normal: StandardNormal,
    words: WordBlocks<'a, G>,
}

impl<G: Rng + ?Sized> Iterator for NormalIter<'_, G> {
    type Item = f64;

    #[inline]
    fn next(&mut self) -> Option<f64> {
        let words = &mut self.words;
        Some(self.normal.sample_words(&mut || words.next()))
    }
}

/// A generator's words read in blocks of [`WORD_BLOCK`] through `fill_bytes` (ChaCha fills
/// its 4-block buffer with SIMD; copying it out in bulk is cheaper than word-by-word calls).
/// The words are exactly those `next_u64` would return, in the same order.
struct WordBlocks<'a, G: Rng + ?Sized> {
    rng: &'a mut G,
    bytes: [u8; 8 * WORD_BLOCK],
    words: [u64; WORD_BLOCK],
    pos: usize,
}

const WORD_BLOCK: usize = 128;

impl<'a, G: Rng + ?Sized> WordBlocks<'a, G> {
    fn new(rng: &'a mut G) -> Self {
        WordBlocks {
            rng,
            bytes: [0; 8 * WORD_BLOCK],
            words: [0; WORD_BLOCK],
            pos: WORD_BLOCK,
        }
    }

    #[inline(always)]
    fn next(&mut self) -> u64 {
        if self.pos >= WORD_BLOCK {
            self.refill();
        }
        let w = self.words[self.pos];
        self.pos += 1;
        w
    }

    #[inline(never)]
    fn refill(&mut self) {
        self.rng.fill_bytes(&mut self.bytes);
        for (w, b) in self.words.iter_mut().zip(self.bytes.chunks_exact(8)) {
            *w = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        }
        self.pos = 0;
    }
}

/// `[0, 1)` from the top 53 bits of a word (as [`uniform01`]).
#[inline]
fn word_to_unit(w: u64) -> f64 {
    (w >> 11) as i64 as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The normal tail beyond `r` (Marsaglia 1964), from `(0, 1]` uniforms.
#[cold]
fn tail(next: &mut impl FnMut() -> u64, negative: bool) -> f64 {
    let open = |w: u64| ((w >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64);
    loop {
        let x = -libm::log(open(next())) / ZIG_R;
        let y = -libm::log(open(next()));
        if 2.0 * y >= x * x {
            return if negative { -(ZIG_R + x) } else { ZIG_R + x };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ziggurat_tables_close_at_zero() {
        let t = zig_tables();
        // The recurrence must land near 0 at the top layer: that is what fixes r and v.
        let pdf = |x: f64| (-0.5 * x * x).exp();
        let last = ZIG_V / t.x[255] + pdf(t.x[255]);
        assert!((last - 1.0).abs() < 1e-9, "top layer area closes at {last}");
        assert!(t.x.windows(2).all(|w| w[0] > w[1]));
    }

    #[test]
    fn normal_moments_and_tails() {
        let normal = StandardNormal::new();
        let mut r = stream(123, Domain::NOISE, 0);
        let n = 400_000;
        let (mut s1, mut s2, mut s4, mut beyond3) = (0.0, 0.0, 0.0, 0usize);
        for _ in 0..n {
            let z = normal.sample(&mut r);
            s1 += z;
            s2 += z * z;
            s4 += z * z * z * z;
            if z.abs() > 3.0 {
                beyond3 += 1;
            }
        }
        let nf = n as f64;
        // standard errors: mean 1/√n, var √(2/n), 4th moment √(96/n)
        assert!((s1 / nf).abs() < 5.0 / nf.sqrt());
        assert!((s2 / nf - 1.0).abs() < 5.0 * (2.0 / nf).sqrt());
        assert!((s4 / nf - 3.0).abs() < 5.0 * (96.0 / nf).sqrt());
        // P(|Z| > 3) = 0.0026998
        let p = beyond3 as f64 / nf;
        assert!((p - 0.0026998).abs() < 5.0 * (0.0027f64 / nf).sqrt(), "{p}");
    }

    #[test]
    fn normal_cdf_matches_at_quantiles() {
        // Kolmogorov–Smirnov-like check at a few quantiles of N(0,1).
        let normal = StandardNormal::new();
        let mut r = stream(5, Domain::NOISE, 1);
        let n = 200_000;
        let zs: Vec<f64> = (0..n).map(|_| normal.sample(&mut r)).collect();
        for (q, p) in [
            (-2.326348, 0.01),
            (-1.0, 0.158655),
            (0.0, 0.5),
            (0.5, 0.691462),
            (3.5, 0.999767),
        ] {
            let frac = zs.iter().filter(|&&z| z < q).count() as f64 / n as f64;
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!((frac - p).abs() < 5.0 * se, "P(Z < {q}) = {frac}, want {p}");
        }
    }

    #[test]
    fn uniform_below_is_uniform_and_exact_for_powers() {
        let mut r = stream(1, Domain::MASK, 0);
        let mut counts = [0usize; 7];
        for _ in 0..70_000 {
            counts[uniform_below(&mut r, 7) as usize] += 1;
        }
        for c in counts {
            assert!((c as f64 - 10_000.0).abs() < 5.0 * 10_000f64.sqrt() * 0.93);
        }
        assert_eq!(uniform_below(&mut r, 1), 0);
    }

    #[test]
    fn sample_indices_both_branches_uniform() {
        for (n, k) in [(40, 3), (40, 30)] {
            let mut counts = vec![0usize; n];
            let trials = 20_000;
            for t in 0..trials {
                let s = sample_indices(&mut stream(t, Domain::ROWS, 0), n, k);
                assert_eq!(s.len(), k);
                assert!(s.windows(2).all(|w| w[0] < w[1]));
                for i in s {
                    counts[i] += 1;
                }
            }
            let p = k as f64 / n as f64;
            let mean = trials as f64 * p;
            let sd = (trials as f64 * p * (1.0 - p)).sqrt();
            for c in counts {
                assert!(
                    (c as f64 - mean).abs() < 5.0 * sd,
                    "n={n} k={k}: {c} vs {mean}"
                );
            }
        }
        assert_eq!(
            sample_indices(&mut stream(0, Domain::ROWS, 0), 5, 5),
            vec![0, 1, 2, 3, 4]
        );
        assert!(sample_indices(&mut stream(0, Domain::ROWS, 0), 5, 0).is_empty());
    }

    #[test]
    fn golden_values() {
        // Pinned: a change here changes every experiment. Update only on purpose.
        let normal = StandardNormal::new();
        let mut r = stream(42, Domain::DENSE, 0);
        let z: Vec<u64> = (0..4).map(|_| normal.sample(&mut r).to_bits()).collect();
        let mut r = stream(42, Domain::DENSE, 0);
        let w = r.next_u64();
        let u = uniform01(&mut r);
        let b = uniform_below(&mut r, 1000);
        assert_eq!(z, GOLDEN_NORMAL);
        assert_eq!((w, u.to_bits(), b), GOLDEN_WORDS);
    }

    const GOLDEN_NORMAL: [u64; 4] = [
        4610976707178113513,
        4611244262876322915,
        13835954489795843314,
        4606832071980274740,
    ];
    // first word; uniform01 = 0.844431208954972; uniform_below(1000)
    const GOLDEN_WORDS: (u64, u64, u64) =
        (17882803725442091591, 0.844431208954972f64.to_bits(), 85);
}

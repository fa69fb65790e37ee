//! Private building blocks of the wavelet transforms: the weighted sums every pass reduces
//! to, one decimated (periodization) level along an axis, and rotated sums for the
//! stationary transform.
//!
//! Every pass of every transform is a set of output lines (rows, or runs of a row), each a
//! weighted sum of a few equally long source runs of one or two buffers, given as offsets
//! and weights ([`Src`], [`comb2`], [`comb1`]); the sums are evaluated in blocks of `CH` entries
//! kept in registers, so the inner loop is contiguous and vectorizes for every scalar type.

use crate::Scalar;
use nalgebra::ComplexField;

/// The real type of a scalar type (`f64` for `Complex<f64>`): filters are stored in it.
pub(super) type Real<T> = <T as ComplexField>::RealField;

/// Longest filter in the table (`coif17`); stack arrays of terms are this long.
pub(super) const MAX_FILTER_LEN: usize = 102;

/// Entries per register block in [`comb2`] / [`comb1`].
const CH: usize = 8;

/// Source runs of one buffer: term `t` reads `base[offs[t] + j]` with weights `w0[t]` (first
/// output) and `w1[t]` (second output).
#[derive(Clone, Copy)]
pub(super) struct Src<'a, T: Scalar> {
    pub(super) base: &'a [T],
    pub(super) offs: &'a [usize],
    pub(super) w0: &'a [Real<T>],
    pub(super) w1: &'a [Real<T>],
}

impl<'a, T: Scalar> Src<'a, T> {
    /// Terms reading `base` at `offs`, weighted by `w0` and `w1`.
    #[inline]
    pub(super) fn new(
        base: &'a [T],
        offs: &'a [usize],
        w0: &'a [Real<T>],
        w1: &'a [Real<T>],
    ) -> Self {
        debug_assert!(offs.len() == w0.len() && offs.len() == w1.len());
        Src { base, offs, w0, w1 }
    }
}

/// Terms per register pass in the column passes. Their source rows are often a power of
/// two apart (an image row of 1024 values is 8 KiB), so they all fall in the same set of
/// the 8-way L1 cache: summing more than a few of them at once evicts lines still needed
/// (measured 2× slower for 16 rows). Groups of 4 (plus the outputs) stay within the ways.
pub(super) const ROW_GROUP: usize = 4;

/// No grouping: all terms of a source in one register pass (contiguous sources).
pub(super) const ALL_TERMS: usize = usize::MAX;

/// `out0[j] = Σ_src Σ_t w0[t]·base[offs[t] + j]` and likewise `out1` with `w1`, overwriting
/// the outputs. Every source run `base[offs[t]..offs[t] + out0.len()]` must exist.
///
/// Terms are summed in order, in register blocks of `CH` entries: all in one pass with
/// [`ALL_TERMS`], else in passes of at most `group` terms of one source, each adding onto
/// the outputs.
pub(super) fn comb2<T: Scalar>(srcs: &[Src<'_, T>], group: usize, out0: &mut [T], out1: &mut [T]) {
    debug_assert_eq!(out0.len(), out1.len());
    if group == ALL_TERMS || (srcs.len() == 1 && srcs[0].offs.len() <= group) {
        comb2_pass(srcs, true, out0, out1);
        return;
    }
    let mut fresh = true;
    for src in srcs {
        for_each_group(src, group, |sub| {
            comb2_pass(&[sub], fresh, out0, out1);
            fresh = false;
        });
    }
    if fresh {
        out0.fill(T::zero());
        out1.fill(T::zero());
    }
}

/// Calls `f` with consecutive runs of at most `group` terms of `src`.
fn for_each_group<'a, T: Scalar>(src: &Src<'a, T>, group: usize, mut f: impl FnMut(Src<'a, T>)) {
    let k = src.offs.len();
    let mut g0 = 0;
    while g0 < k {
        let g1 = g0.saturating_add(group).min(k);
        f(Src {
            base: src.base,
            offs: &src.offs[g0..g1],
            w0: &src.w0[g0..g1],
            w1: &src.w1[g0..g1],
        });
        g0 = g1;
    }
}

/// One register pass of [`comb2`] over every term of `srcs`: overwrites the outputs when
/// `fresh`, else adds to them.
fn comb2_pass<T: Scalar>(srcs: &[Src<'_, T>], fresh: bool, out0: &mut [T], out1: &mut [T]) {
    let mut o0 = out0.chunks_exact_mut(CH);
    let mut o1 = out1.chunks_exact_mut(CH);
    let mut j = 0;
    for (b0, b1) in (&mut o0).zip(&mut o1) {
        let (mut a0, mut a1) = ([T::zero(); CH], [T::zero(); CH]);
        if !fresh {
            a0.copy_from_slice(b0);
            a1.copy_from_slice(b1);
        }
        for src in srcs {
            for ((&off, &c0), &c1) in src.offs.iter().zip(src.w0).zip(src.w1) {
                let s = &src.base[off + j..off + j + CH];
                for ((x0, x1), &v) in a0.iter_mut().zip(a1.iter_mut()).zip(s) {
                    *x0 += v.scale(c0);
                    *x1 += v.scale(c1);
                }
            }
        }
        b0.copy_from_slice(&a0);
        b1.copy_from_slice(&a1);
        j += CH;
    }
    for (i, (r0, r1)) in o0
        .into_remainder()
        .iter_mut()
        .zip(o1.into_remainder())
        .enumerate()
    {
        let (mut a0, mut a1) = if fresh {
            (T::zero(), T::zero())
        } else {
            (*r0, *r1)
        };
        for src in srcs {
            for ((&off, &c0), &c1) in src.offs.iter().zip(src.w0).zip(src.w1) {
                let v = src.base[off + j + i];
                a0 += v.scale(c0);
                a1 += v.scale(c1);
            }
        }
        *r0 = a0;
        *r1 = a1;
    }
}

/// `out[j] = Σ_src Σ_t w0[t]·base[offs[t] + j]` (the `w1` weights are ignored), overwriting
/// `out`; grouped as [`comb2`].
pub(super) fn comb1<T: Scalar>(srcs: &[Src<'_, T>], group: usize, out: &mut [T]) {
    if group == ALL_TERMS {
        comb1_pass(srcs, true, out);
        return;
    }
    let mut fresh = true;
    for src in srcs {
        for_each_group(src, group, |sub| {
            comb1_pass(&[sub], fresh, out);
            fresh = false;
        });
    }
    if fresh {
        out.fill(T::zero());
    }
}

/// One register pass of [`comb1`].
fn comb1_pass<T: Scalar>(srcs: &[Src<'_, T>], fresh: bool, out: &mut [T]) {
    let mut o = out.chunks_exact_mut(CH);
    let mut j = 0;
    for blk in &mut o {
        let mut acc = [T::zero(); CH];
        if !fresh {
            acc.copy_from_slice(blk);
        }
        for src in srcs {
            for (&off, &c) in src.offs.iter().zip(src.w0) {
                let s = &src.base[off + j..off + j + CH];
                for (x, &v) in acc.iter_mut().zip(s) {
                    *x += v.scale(c);
                }
            }
        }
        blk.copy_from_slice(&acc);
        j += CH;
    }
    for (i, r) in o.into_remainder().iter_mut().enumerate() {
        let mut acc = if fresh { T::zero() } else { *r };
        for src in srcs {
            for (&off, &c) in src.offs.iter().zip(src.w0) {
                acc += src.base[off + j + i].scale(c);
            }
        }
        *r = acc;
    }
}

/// `dst[i] = src[(i + shift) mod src.len()]`, in contiguous copies.
fn periodic_copy<T: Copy>(src: &[T], shift: usize, dst: &mut [T]) {
    let m = src.len();
    let mut s = shift % m;
    let mut i = 0;
    while i < dst.len() {
        let take = (m - s).min(dst.len() - i);
        dst[i..i + take].copy_from_slice(&src[s..s + take]);
        i += take;
        s = 0;
    }
}

/// Converts a filter coefficient to the real type of `T` (rounding to `f32` when needed).
pub(super) fn to_real<T: Scalar>(v: f64) -> Real<T> {
    T::from_f64_parts(v, 0.0).real()
}

/// The filters of a decimated transform in the working real type, arranged for
/// [`DwtAxis`]: the reversed analysis filters, whole and split into even and odd taps (the
/// weights of the synthesis sums).
#[derive(Clone, Debug)]
pub(super) struct DwtFilters<R> {
    /// `hr[k] = h[F−1−k]`.
    pub(super) hr: Vec<R>,
    /// `gr[k] = g[F−1−k]`.
    pub(super) gr: Vec<R>,
    /// `hr[0], hr[2], …` (weights of the even phase).
    pub(super) hr_even: Vec<R>,
    /// `hr[1], hr[3], …`.
    pub(super) hr_odd: Vec<R>,
    /// `gr[0], gr[2], …`.
    pub(super) gr_even: Vec<R>,
    /// `gr[1], gr[3], …`.
    pub(super) gr_odd: Vec<R>,
}

impl<R: Copy> DwtFilters<R> {
    /// From the analysis filters `h` (`dec_lo`) and `g` (`dec_hi`), converted with `conv`.
    pub(super) fn new(h: &[f64], g: &[f64], conv: impl Fn(f64) -> R) -> Self {
        let hr: Vec<R> = h.iter().rev().map(|&v| conv(v)).collect();
        let gr: Vec<R> = g.iter().rev().map(|&v| conv(v)).collect();
        let phase =
            |f: &[R], r: usize| -> Vec<R> { f.iter().skip(r).step_by(2).copied().collect() };
        DwtFilters {
            hr_even: phase(&hr, 0),
            hr_odd: phase(&hr, 1),
            gr_even: phase(&gr, 0),
            gr_odd: phase(&gr, 1),
            hr,
            gr,
        }
    }

    /// Filter length `F`.
    pub(super) fn len(&self) -> usize {
        self.hr.len()
    }
}

/// The filters of a stationary transform in the working real type (not reversed).
#[derive(Clone, Debug)]
pub(super) struct SwtFilters<R> {
    /// Low-pass `h`, scaled by `1/√2` (PyWavelets' `norm=True`).
    pub(super) lo: Vec<R>,
    /// High-pass `g`, scaled by `1/√2`.
    pub(super) hi: Vec<R>,
}

impl<R: Copy> SwtFilters<R> {
    /// `h/√2`, `g/√2` computed in `f64` exactly as PyWavelets does
    /// (`f * (1/np.sqrt(2))`), then converted with `conv`.
    pub(super) fn new(h: &[f64], g: &[f64], conv: impl Fn(f64) -> R) -> Self {
        let sf = 1.0 / 2f64.sqrt();
        SwtFilters {
            lo: h.iter().map(|&v| conv(v * sf)).collect(),
            hi: g.iter().map(|&v| conv(v * sf)).collect(),
        }
    }

    /// Filter length `F`.
    pub(super) fn len(&self) -> usize {
        self.lo.len()
    }
}

// ---------------------------------------------------------------------------------------
// One decimated level along one axis (PyWavelets' mode="periodization")
// ---------------------------------------------------------------------------------------

/// One level of the periodized decimated transform along an axis of length `n`.
///
/// PyWavelets' periodization (`downsampling_convolution_periodization` in
/// `convolution.template.c`) first pads an odd-length input with a copy of its last sample,
/// `x' = [x₀ … x_{n−1}, x_{n−1}]` (length `n' = n + n mod 2`), then treats `x'` as periodic
/// and keeps every second sample of the convolution:
///
/// `a[o] = Σ_k hr[k] · x'[(2o + k + b) mod n']`, `o ∈ [0, n'/2)`, `b = 1 − F/2`,
///
/// with `hr[k] = h[F−1−k]` the reversed filter (the same with `g` for `d`). Splitting `x'`
/// (rotated by `b`) into its even and odd samples `e₀[j] = x'[(2j+b) mod n']`,
/// `e₁[j] = x'[(2j+1+b) mod n']` turns this into `F` contiguous weighted sums:
/// `a[o] = Σ_κ hr[2κ]·e₀[o+κ] + hr[2κ+1]·e₁[o+κ]`.
///
/// The adjoint runs the same steps transposed: `q_r[j] = Σ_κ hr[2κ+r]·a[(j−κ) mod m] +
/// gr[2κ+r]·d[(j−κ) mod m]` is the adjoint of the phase `e_r`, the phases are scattered back
/// to `x'` (a permutation), and the padding sample is added onto `x_{n−1}` (the adjoint of
/// the copy). When `n` is even the level is orthogonal and the adjoint is its inverse.
#[derive(Clone, Debug)]
pub(super) struct DwtAxis {
    /// Input length.
    pub(super) n: usize,
    /// Padded (even) length `n'`.
    pub(super) np: usize,
    /// Output length `m = n'/2 = ⌈n/2⌉` of each of `a` and `d`.
    pub(super) m: usize,
    /// Half the filter length.
    fh: usize,
    /// `b = 1 − F/2`.
    b: isize,
    /// Phase entries `j ∈ [j0, j1)` read `x[2j+b]`, `x[2j+b+1]` directly (no wrap, no pad).
    j0: usize,
    j1: usize,
    /// Offsets into the phase scratch of the analysis terms, in the order of `hr`.
    ana_offs: Vec<usize>,
    /// `F/2 − 1 − κ` for `κ = 0 .. F/2`: offsets of the synthesis terms.
    back_offs: Vec<usize>,
    /// `rows[u]` = index into `x` of `x'[(u + b) mod n']`, `u ∈ [0, n' + F − 2)`: the input
    /// samples output `o` reads are `rows[2o .. 2o + F]`.
    rows: Vec<usize>,
    /// `wrap[u] = (u − (F/2 − 1)) mod m`, `u ∈ [0, m + F/2 − 1)`: the coefficients phase
    /// entry `j` reads are `wrap[j .. j + F/2]`, reversed (`(j − κ) mod m` at
    /// `j + F/2 − 1 − κ`).
    wrap: Vec<usize>,
}

impl DwtAxis {
    /// The level that takes an axis of length `n ≥ 1` with a filter of even length `f`.
    pub(super) fn new(n: usize, f: usize) -> Self {
        debug_assert!(n >= 1 && f >= 2 && f.is_multiple_of(2));
        let np = n + n % 2;
        let m = np / 2;
        let fh = f / 2;
        let ext = m + fh - 1;
        let j1 = ((n + fh - 1) / 2).min(ext);
        let j0 = (fh / 2).min(j1);
        // term 2κ + r reads phase r from entry κ
        let ana_offs = (0..f).map(|t| (t % 2) * ext + t / 2).collect();
        let back_offs = (0..fh).map(|k| fh - 1 - k).collect();
        let b = 1 - fh as isize;
        let rows = (0..np + f - 2)
            .map(|u| ((u as isize + b).rem_euclid(np as isize) as usize).min(n - 1))
            .collect();
        let wrap = (0..ext).map(|u| (u + m - (fh - 1) % m) % m).collect();
        DwtAxis {
            n,
            np,
            m,
            fh,
            b,
            j0,
            j1,
            ana_offs,
            back_offs,
            rows,
            wrap,
        }
    }

    /// Indices into `x` of the `F` input samples (rows, for a column pass) output `o`
    /// reads, in the order of the reversed filters: `x'[(2o + k + b) mod n']`, the padding
    /// sample being `x[n−1]`.
    #[inline]
    pub(super) fn taps(&self, o: usize) -> &[usize] {
        &self.rows[2 * o..2 * o + 2 * self.fh]
    }

    /// The coefficient indices `(j − κ) mod m`, `κ = 0 .. F/2`, phase entry `j` reads.
    #[inline]
    pub(super) fn back_taps(&self, j: usize) -> impl Iterator<Item = usize> + '_ {
        self.wrap[j..j + self.fh].iter().rev().copied()
    }

    /// For `x'` index `t ∈ [0, n')`: the phase `r` and phase position `j` it was read into.
    #[inline]
    pub(super) fn phase_of(&self, t: usize) -> (usize, usize) {
        let s = (t as isize - self.b).rem_euclid(self.np as isize) as usize;
        (s & 1, s >> 1)
    }

    /// Half the filter length.
    pub(super) fn half_filter(&self) -> usize {
        self.fh
    }

    /// Length of one extended phase, `m + F/2 − 1`.
    fn ext_len(&self) -> usize {
        self.m + self.fh - 1
    }

    /// Scratch one call of [`analysis`](Self::analysis) or [`synthesis`](Self::synthesis)
    /// needs.
    pub(super) fn scratch_len(&self) -> usize {
        2 * self.ext_len() + 2 * self.m
    }

    /// `a`, `d` (length `m`) from one line `x` (length `n`).
    pub(super) fn analysis<T: Scalar>(
        &self,
        x: &[T],
        f: &DwtFilters<Real<T>>,
        scratch: &mut [T],
        a: &mut [T],
        d: &mut [T],
    ) {
        self.load_line(x, scratch);
        self.analysis_loaded(f, scratch, 0, a, d);
    }

    /// First half of [`analysis`](Self::analysis): the phases of `x` into `scratch`.
    pub(super) fn load_line<T: Scalar>(&self, x: &[T], scratch: &mut [T]) {
        let e = self.ext_len();
        let (e0, e1) = scratch[..2 * e].split_at_mut(e);
        self.gather(x, e0, e1);
    }

    /// Second half of [`analysis`](Self::analysis): outputs `o0 .. o0 + a.len()` from the
    /// phases [`load_line`](Self::load_line) left in `scratch`.
    pub(super) fn analysis_loaded<T: Scalar>(
        &self,
        f: &DwtFilters<Real<T>>,
        scratch: &[T],
        o0: usize,
        a: &mut [T],
        d: &mut [T],
    ) {
        let src = Src::new(&scratch[o0..], &self.ana_offs, &f.hr, &f.gr);
        comb2(&[src], ALL_TERMS, a, d);
    }

    /// The adjoint of [`analysis`](Self::analysis): one line `x` (length `n`, overwritten)
    /// from `a`, `d` (length `m`).
    pub(super) fn synthesis<T: Scalar>(
        &self,
        a: &[T],
        d: &[T],
        f: &DwtFilters<Real<T>>,
        scratch: &mut [T],
        x: &mut [T],
    ) {
        self.load_edges(a, d, scratch);
        let (edges, q) = scratch.split_at_mut(self.edges_len());
        let (q0, q1) = q[..2 * self.m].split_at_mut(self.m);
        self.synthesis_phases(a, d, f, edges, 0, q0, q1);
        self.store_line(q, x);
    }

    /// Phase entries `j < jb = min(F/2 − 1, m)` read coefficients across the periodic
    /// boundary; they are computed from a short periodic extension.
    fn edge_count(&self) -> usize {
        (self.fh - 1).min(self.m)
    }

    /// Length of the extension [`load_edges`](Self::load_edges) writes at the start of the
    /// scratch (the phases follow it).
    pub(super) fn edges_len(&self) -> usize {
        2 * (self.edge_count() + self.fh - 1)
    }

    /// First step of [`synthesis`](Self::synthesis): the start of `a` and `d`, periodically
    /// extended to the left (`ext[i] = a[(i − (F/2 − 1)) mod m]`), into `scratch`.
    pub(super) fn load_edges<T: Scalar>(&self, a: &[T], d: &[T], scratch: &mut [T]) {
        let eb = self.edges_len() / 2;
        let (ae, de) = scratch[..2 * eb].split_at_mut(eb);
        let shift = self.m - (self.fh - 1) % self.m;
        periodic_copy(a, shift, ae);
        periodic_copy(d, shift, de);
    }

    /// Second step of [`synthesis`](Self::synthesis): phase entries `o0 .. o0 + q0.len()`,
    /// `q_r[j] = Σ_κ hr[2κ+r]·a[(j−κ) mod m] + gr[2κ+r]·d[(j−κ) mod m]`, read directly from
    /// `a` and `d` except near the start (from `edges`, see [`load_edges`](Self::load_edges)).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn synthesis_phases<T: Scalar>(
        &self,
        a: &[T],
        d: &[T],
        f: &DwtFilters<Real<T>>,
        edges: &[T],
        o0: usize,
        q0: &mut [T],
        q1: &mut [T],
    ) {
        let o1 = o0 + q0.len();
        let jb = self.edge_count();
        let eb = self.edges_len() / 2;
        let split = jb.clamp(o0, o1);
        let (e0, d0) = q0.split_at_mut(split - o0);
        let (e1, d1) = q1.split_at_mut(split - o0);
        let offs = &self.back_offs;
        if split > o0 {
            let srcs = [
                Src::new(&edges[o0..], offs, &f.hr_even, &f.hr_odd),
                Src::new(&edges[eb + o0..], offs, &f.gr_even, &f.gr_odd),
            ];
            comb2(&srcs, ALL_TERMS, e0, e1);
        }
        if o1 > split {
            // (j − κ) = (j − F/2 + 1) + (F/2 − 1 − κ) ≥ 0 from here on
            let base = split + 1 - self.fh;
            let srcs = [
                Src::new(&a[base..], offs, &f.hr_even, &f.hr_odd),
                Src::new(&d[base..], offs, &f.gr_even, &f.gr_odd),
            ];
            comb2(&srcs, ALL_TERMS, d0, d1);
        }
    }

    /// Last step of [`synthesis`](Self::synthesis): the phases `q = [q₀ | q₁]` (each `m`
    /// long) scattered onto `x`.
    pub(super) fn store_line<T: Scalar>(&self, q: &[T], x: &mut [T]) {
        let (q0, q1) = q[..2 * self.m].split_at(self.m);
        self.scatter(q0, q1, x);
    }

    /// The phases `e₀`, `e₁` (each `m + F/2 − 1` long) of `x'` rotated by `b`.
    fn gather<T: Scalar>(&self, x: &[T], e0: &mut [T], e1: &mut [T]) {
        debug_assert_eq!(x.len(), self.n);
        let (j0, j1) = (self.j0, self.j1);
        for j in (0..j0).chain(j1..e0.len()) {
            e0[j] = x[self.rows[2 * j]];
            e1[j] = x[self.rows[2 * j + 1]];
        }
        if j1 > j0 {
            let start = (2 * j0 as isize + self.b) as usize;
            let pairs = x[start..start + 2 * (j1 - j0)].chunks_exact(2);
            for ((v0, v1), p) in e0[j0..j1].iter_mut().zip(&mut e1[j0..j1]).zip(pairs) {
                *v0 = p[0];
                *v1 = p[1];
            }
        }
    }

    /// The adjoint of [`gather`](Self::gather) restricted to the first `m` phase entries
    /// (a permutation onto `x'`), then the padding sample folded onto `x[n−1]`.
    fn scatter<T: Scalar>(&self, q0: &[T], q1: &[T], x: &mut [T]) {
        debug_assert_eq!(x.len(), self.n);
        let m = self.m;
        let j1 = self.j1.min(m);
        let j0 = self.j0.min(j1);
        let mut pad = T::zero();
        for j in (0..j0).chain(j1..m) {
            for (r, v) in [(0, q0[j]), (1, q1[j])] {
                let p = (2 * j as isize + r + self.b).rem_euclid(self.np as isize) as usize;
                if p < self.n {
                    x[p] = v;
                } else {
                    pad = v;
                }
            }
        }
        if j1 > j0 {
            let start = (2 * j0 as isize + self.b) as usize;
            let pairs = x[start..start + 2 * (j1 - j0)].chunks_exact_mut(2);
            for ((&v0, &v1), p) in q0[j0..j1].iter().zip(&q1[j0..j1]).zip(pairs) {
                p[0] = v0;
                p[1] = v1;
            }
        }
        if self.np > self.n {
            x[self.n - 1] += pad;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Rotated sums (the stationary transform along a line)
// ---------------------------------------------------------------------------------------

/// Calls `f(p, q)` for the maximal runs `[p, q) ⊂ [o0, o1)` on which no
/// `(o + offs[k]) mod n` wraps around, in increasing order.
fn for_each_run(n: usize, offs: &[usize], o0: usize, o1: usize, mut f: impl FnMut(usize, usize)) {
    let mut cuts = [0usize; MAX_FILTER_LEN + 2];
    let mut len = 0;
    cuts[len] = o0;
    len += 1;
    for &c in offs {
        // (o + c) reaches n at o = n − c
        let cut = n - c;
        if c > 0 && cut > o0 && cut < o1 {
            cuts[len] = cut;
            len += 1;
        }
    }
    cuts[len] = o1;
    len += 1;
    let cuts = &mut cuts[..len];
    cuts.sort_unstable();
    for w in cuts.windows(2) {
        if w[1] > w[0] {
            f(w[0], w[1]);
        }
    }
}

/// `out0[i] = Σ_k lo[k]·src[(o0 + i + offs[k]) mod n]`, likewise `out1` with `hi`
/// (`n = src.len()`, `offs[k] < n`).
pub(super) fn rotated_comb2<T: Scalar>(
    src: &[T],
    offs: &[usize],
    f: &SwtFilters<Real<T>>,
    o0: usize,
    out0: &mut [T],
    out1: &mut [T],
) {
    let n = src.len();
    let o1 = o0 + out0.len();
    let mut starts = [0usize; MAX_FILTER_LEN];
    let starts = &mut starts[..offs.len()];
    for_each_run(n, offs, o0, o1, |p, q| {
        for (s, &c) in starts.iter_mut().zip(offs) {
            *s = (p + c) % n;
        }
        let src = Src::new(src, starts, &f.lo, &f.hi);
        comb2(
            &[src],
            ALL_TERMS,
            &mut out0[p - o0..q - o0],
            &mut out1[p - o0..q - o0],
        );
    });
}

/// `out[i] = Σ_k lo[k]·a[(o0 + i + offs[k]) mod n] + hi[k]·d[(o0 + i + offs[k]) mod n]`.
pub(super) fn rotated_comb1x2<T: Scalar>(
    a: &[T],
    d: &[T],
    offs: &[usize],
    f: &SwtFilters<Real<T>>,
    o0: usize,
    out: &mut [T],
) {
    let n = a.len();
    let o1 = o0 + out.len();
    let mut starts = [0usize; MAX_FILTER_LEN];
    let starts = &mut starts[..offs.len()];
    for_each_run(n, offs, o0, o1, |p, q| {
        for (s, &c) in starts.iter_mut().zip(offs) {
            *s = (p + c) % n;
        }
        let srcs = [
            Src::new(a, starts, &f.lo, &f.lo),
            Src::new(d, starts, &f.hi, &f.hi),
        ];
        comb1(&srcs, ALL_TERMS, &mut out[p - o0..q - o0]);
    });
}

/// Offsets of one stationary level along an axis of length `n`: the forward transform reads
/// `x[(o + fwd[k]) mod n]` for filter tap `k`, the adjoint `y[(t + adj[k]) mod n]`.
///
/// PyWavelets' `swt` convolves with the filter upsampled by `δ = 2^(level−1)` (zeros between
/// taps) and centred at half its upsampled length: `a[o] = Σ_k h[k]·x[(o + Fδ/2 − kδ) mod n]`.
#[derive(Clone, Debug)]
pub(super) struct SwtAxis {
    pub(super) fwd: Vec<usize>,
    pub(super) adj: Vec<usize>,
}

impl SwtAxis {
    /// Level `level ≥ 1` of a filter of length `f` on an axis of length `n ≥ 1`.
    pub(super) fn new(n: usize, f: usize, level: usize) -> Self {
        let delta = 1usize << (level - 1);
        let shift = (f * delta / 2) % n;
        let fwd: Vec<usize> = (0..f).map(|k| (shift + n - (k * delta) % n) % n).collect();
        let adj = fwd.iter().map(|&c| (n - c) % n).collect();
        SwtAxis { fwd, adj }
    }
}

/// Rows (or samples) per parallel task: at least `min_chunk`, and at most `max_tasks` tasks.
/// The split depends only on the sizes, so results never depend on the number of threads.
pub(super) fn chunk_for(len: usize, min_chunk: usize, max_tasks: usize) -> usize {
    len.div_ceil(max_tasks).max(min_chunk).max(1)
}

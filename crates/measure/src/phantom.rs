//! Test images: the modified Shepp–Logan head phantom ([`shepp_logan`]).
//!
//! ```
//! use cstk_measure::phantom::shepp_logan;
//! let n = 64;
//! let p = shepp_logan(n).unwrap();
//! assert_eq!(p.len(), n * n);
//! assert_eq!(p[0], 0.0); // background in the corner
//! ```

use crate::{Error, Result};

/// The ten ellipses of the modified Shepp–Logan phantom (Toft 1996; MATLAB's
/// `phantom('Modified Shepp-Logan')`): intensity `A`, semi-axes `a` (along x) and `b`
/// (along y), centre `(x0, y0)`, rotation `phi` in degrees (counter-clockwise).
const ELLIPSES: [[f64; 6]; 10] = [
    // A,     a,      b,      x0,     y0,      phi
    [1.0, 0.69, 0.92, 0.0, 0.0, 0.0],
    [-0.8, 0.6624, 0.8740, 0.0, -0.0184, 0.0],
    [-0.2, 0.1100, 0.3100, 0.22, 0.0, -18.0],
    [-0.2, 0.1600, 0.4100, -0.22, 0.0, 18.0],
    [0.1, 0.2100, 0.2500, 0.0, 0.35, 0.0],
    [0.1, 0.0460, 0.0460, 0.0, 0.1, 0.0],
    [0.1, 0.0460, 0.0460, 0.0, -0.1, 0.0],
    [0.1, 0.0460, 0.0230, -0.08, -0.605, 0.0],
    [0.1, 0.0230, 0.0230, 0.0, -0.606, 0.0],
    [0.1, 0.0230, 0.0460, 0.06, -0.605, 0.0],
];

/// The `n × n` modified Shepp–Logan phantom (Toft's intensities), row-major with row 0 at
/// the top, exactly as MATLAB's `phantom('Modified Shepp-Logan', n)`.
///
/// The ellipses (intensity `A`, semi-axes `a`, `b`, centre `(x0, y0)`, angle `φ` in degrees,
/// counter-clockwise) are:
///
/// | # | A    | a      | b      | x0    | y0      | φ   |
/// |---|------|--------|--------|-------|---------|-----|
/// | 1 | 1    | 0.69   | 0.92   | 0     | 0       | 0   |
/// | 2 | −0.8 | 0.6624 | 0.8740 | 0     | −0.0184 | 0   |
/// | 3 | −0.2 | 0.1100 | 0.3100 | 0.22  | 0       | −18 |
/// | 4 | −0.2 | 0.1600 | 0.4100 | −0.22 | 0       | 18  |
/// | 5 | 0.1  | 0.2100 | 0.2500 | 0     | 0.35    | 0   |
/// | 6 | 0.1  | 0.0460 | 0.0460 | 0     | 0.1     | 0   |
/// | 7 | 0.1  | 0.0460 | 0.0460 | 0     | −0.1    | 0   |
/// | 8 | 0.1  | 0.0460 | 0.0230 | −0.08 | −0.605  | 0   |
/// | 9 | 0.1  | 0.0230 | 0.0230 | 0     | −0.606  | 0   |
/// | 10| 0.1  | 0.0230 | 0.0460 | 0.06  | −0.605  | 0   |
///
/// Pixel `(i, j)` (row `i`, column `j`) has its centre at `x = (j − (n−1)/2) / ((n−1)/2)`
/// and `y = ((n−1−i) − (n−1)/2) / ((n−1)/2)`, so the corners are at `(±1, ±1)` and `y = +1`
/// is the top row. Its value is the sum, in table order starting from 0, of the intensities
/// `A` of all ellipses with `((x−x0)cos φ + (y−y0)sin φ)² / a² + ((y−y0)cos φ −
/// (x−x0)sin φ)² / b² ≤ 1` (with `φ` in radians as `φ·π/180`), then clamped to `[0, 1]`:
/// the clamp only turns the rounding residue of `1 − 0.8 − 0.2 ≈ −3·10⁻¹⁷` in the
/// ventricles into an exact `0`, so every value lies in `[0, 1]`.
///
/// # Errors
/// [`Error::InvalidParam`] (parameter `size`) if `n < 16`.
///
/// ```
/// use cstk_measure::phantom::shepp_logan;
/// let n = 128;
/// let p = shepp_logan(n).unwrap();
/// assert!(p.iter().all(|&v| (0.0..=1.0).contains(&v)));
/// assert_eq!(p[0], 0.0); // outside the skull
/// // In the skull at the top-centre (row 8, y ≈ 0.874): only ellipse 1 → 1.0.
/// let skull = p[8 * n + n / 2];
/// assert!((skull - 1.0).abs() < 1e-12);
/// assert!(shepp_logan(8).unwrap_err().to_string().contains("size"));
/// ```
pub fn shepp_logan(n: usize) -> Result<Vec<f64>> {
    if n < 16 {
        return Err(Error::InvalidParam {
            name: "size",
            value: n.to_string(),
            expected: "a phantom size ≥ 16".into(),
        });
    }
    let half = (n - 1) as f64 / 2.0;
    let axis: Vec<f64> = (0..n).map(|k| (k as f64 - half) / half).collect();
    let mut p = vec![0.0f64; n * n];
    for e in &ELLIPSES {
        let [amp, a, b, x0, y0, deg] = *e;
        let (asq, bsq) = (a * a, b * b);
        let phi = deg * std::f64::consts::PI / 180.0;
        let (cosp, sinp) = (phi.cos(), phi.sin());
        for (i, row) in p.chunks_exact_mut(n).enumerate() {
            let y = axis[n - 1 - i] - y0;
            for (v, &xa) in row.iter_mut().zip(&axis) {
                let x = xa - x0;
                let u = x * cosp + y * sinp;
                let w = y * cosp - x * sinp;
                if (u * u) / asq + (w * w) / bsq <= 1.0 {
                    *v += amp;
                }
            }
        }
    }
    for v in &mut p {
        *v = v.clamp(0.0, 1.0);
    }
    Ok(p)
}

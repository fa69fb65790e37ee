//! Diagnostics of sensing matrices and sampling masks: how well a measurement can recover
//! sparse signals.
//!
//! | diagnostic | function | definition |
//! |---|---|---|
//! | mutual coherence | [`mutual_coherence`], [`mutual_coherence_op`] | `μ = max_{i≠j} \|⟨a_i, a_j⟩\| / (‖a_i‖ ‖a_j‖)`, exact; with the Welch bound |
//! | restricted isometry | [`rip_lower_bound`] | `δ_k ≥ max_S max(λmax(A_Sᴴ A_S) − 1, 1 − λmin(A_Sᴴ A_S))` over tested supports `\|S\| = k` |
//! | point-spread function | [`psf`] | `\|Fᴴ M F δ\|`, δ at the image centre (`F` the unitary centered 2-D DFT, `M` the mask) |
//! | transform point-spread function | [`tpsf`] | `\|Ψ Fᴴ M F Ψᴴ e_i\|` (Lustig, Donoho & Pauly 2007), and its side-lobe to main-lobe ratio |
//!
//! Computing the exact `δ_k` is NP-hard; [`rip_lower_bound`] tests random and greedily grown
//! supports, so its result is a *lower* bound on `δ_k`. Everything here is deterministic: the
//! same input gives bit-identical output for any number of rayon threads (work is split by
//! the input's shape, never by the thread count; ties go to the lowest index).
//!
//! ```
//! use cstk_measure::diagnostics::{mutual_coherence, rip_lower_bound, RipParams};
//! use nalgebra::DMatrix;
//! // the identity next to a column of equal weights
//! let mut a = DMatrix::<f64>::identity(4, 5);
//! a.column_mut(4).fill(0.5);
//! let mu = mutual_coherence(&a)?;
//! assert!((mu.value - 0.5).abs() < 1e-15);
//! let rip = rip_lower_bound(&a, &RipParams::new(2))?;
//! assert!((rip.delta - 0.5).abs() < 1e-12); // the pair {i, 4} has eigenvalues 1 ± ½
//! # Ok::<(), cstk_measure::Error>(())
//! ```

mod coherence;
mod psf;
mod rip;

pub(crate) use coherence::materialize;
pub use coherence::{Coherence, mutual_coherence, mutual_coherence_op, welch_bound};
pub use psf::{Psf, psf, tpsf};
pub use rip::{RipEstimate, RipParams, rip_lower_bound};

//! Seeded random sensing matrices, signal generators, MRI sampling masks and coherence/RIP diagnostics (to be built on `cstk-linop`).

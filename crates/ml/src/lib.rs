//! L1 feature selection and weight pruning, built on `cstk-solvers`.

//! # cstk-ml
//!
//! L1 feature selection built on [`cstk_solvers`]: scikit-learn's `LassoCV` and
//! `ElasticNetCV` ([`ElasticNetCv`]: K-fold cross-validation over the path, minimum-error
//! or one-standard-error rule, parallel seeded folds), L1-penalized logistic regression
//! with cross-validated strength ([`LogisticL1Cv`]), stability selection
//! ([`StabilitySelection`]), standardization and intercepts as scikit-learn handles them
//! ([`Standardizer`]), dense or sparse (CSR/CSC) features ([`Features`]), and one report
//! type for all of them ([`SelectionReport`]).
//!
//! Pruning masks for network weights, after PyTorch's `torch.nn.utils.prune` ([`prune`]):
//! magnitude (per tensor and global), random, L_n-structured and N:M semi-structured
//! pruning, with gradual and iterative sparsity schedules.
//!
//! ```
//! use cstk_ml::{ElasticNetCv, Features, SelectionReport};
//! use nalgebra::DMatrix;
//! let x = DMatrix::from_fn(50, 12, |i, j| (((i * i * 3 + i * (2 * j + 5) + j * 13) % 31) as f64 - 15.0) / 9.0);
//! let y: Vec<f64> = (0..50).map(|i| x[(i, 1)] - 2.0 * x[(i, 8)] + 0.5).collect();
//! let features = Features::dense(x);
//! let fit = ElasticNetCv::lasso().fit(&features, &y).unwrap();
//! let report = SelectionReport::from_cv(&fit, &features, false);
//! assert_eq!(report.selected, vec![1, 8]);
//! ```
//!
//! Errors are [`cstk_linop::Error`] (re-exported as [`Error`]).

#![warn(missing_docs)]

pub mod cv;
pub mod data;
pub mod folds;
pub mod logistic;
pub mod lottery;
pub mod mlp;
pub mod prune;
pub mod report;
pub mod scale;
pub mod stability;

pub use cstk_linop::{Error, Result};
pub use cv::{CvCurve, CvFit, CvRule, ElasticNetCv};
pub use data::{Features, Matrix};
pub use folds::Folds;
pub use logistic::{LogisticCvFit, LogisticL1Cv};
pub use report::{L1_THRESHOLD, Method, Path, SelectionReport};
pub use scale::Standardizer;
pub use stability::{StabilityFit, StabilitySelection};

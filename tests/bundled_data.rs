//! The bundled inputs in `data/` through the facade's re-exports: what README and the
//! examples promise about them holds.

use cstk::linop::io::mtx;
use cstk::linop::testing::dot_test;
use cstk::linop::{LinOp, PowerIteration};
use std::path::Path;

#[test]
fn poisson2d_matrix_is_what_data_readme_says() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/poisson2d_32.mtx");
    let h = mtx::read_mtx_header(&path).unwrap();
    assert_eq!((h.nrows, h.ncols, h.nnz), (1024, 1024, 3008));
    assert_eq!(h.symmetry, mtx::MtxSymmetry::Symmetric);
    let a = mtx::read_mtx_csr::<f64>(&path).unwrap();
    assert_eq!(a.nnz(), 4992);
    assert_eq!(a, a.transpose());
    // row sums: 0 inside the grid, positive on the boundary (Dirichlet)
    let ones = vec![1.0; 1024];
    let rs = a.apply_vec(&ones);
    assert_eq!(rs[33], 0.0);
    assert_eq!(rs[0], 2.0);
    dot_test(&a, 1e-12).unwrap();
    let est = PowerIteration::default()
        .tol(1e-10)
        .max_iter(5000)
        .run(&a)
        .unwrap();
    let exact = 8.0 * (32.0 * std::f64::consts::PI / 66.0).sin().powi(2);
    assert!(est.converged);
    assert!(
        (est.norm - exact).abs() < 1e-7 * exact,
        "{} vs {exact}",
        est.norm
    );
}

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

#[test]
fn digits_csv_is_what_data_readme_says() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/digits.csv");
    let mut t = cstk::linop::io::csv::read_csv(&path).unwrap();
    assert_eq!((t.nrows(), t.ncols()), (1797, 65));
    assert_eq!(t.names()[0], "p0");
    let y = t.take_column("digit").unwrap();
    let mut counts = [0usize; 10];
    for v in &y {
        assert!(v.fract() == 0.0 && (0.0..10.0).contains(v));
        counts[*v as usize] += 1;
    }
    // scikit-learn's load_digits: np.bincount(target)
    assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    let x = t.values();
    assert!(
        x.iter()
            .all(|v| v.fract() == 0.0 && (0.0..=16.0).contains(v))
    );
    assert_eq!(x.iter().sum::<f64>(), 561_718.0); // g.data.sum()
}

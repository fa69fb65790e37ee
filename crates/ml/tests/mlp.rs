//! The MLP trainer: gradients against finite differences, masks that stay zero, seeded
//! determinism, and a real dataset (the bundled 8×8 digits) learned well above chance.

mod common;

use common::digits;
use cstk_ml::mlp::{Mlp, Optimizer, Train};

#[test]
fn gradient_matches_finite_differences() {
    // The gradient is checked through one SGD step with lr = h, momentum 0: w' = w − h g.
    let net = Mlp::new(&[5, 7, 3], 11).unwrap();
    let x: Vec<f32> = (0..20)
        .map(|i| ((i * 37 % 17) as f32 - 8.0) / 5.0)
        .collect();
    let y = [0usize, 2, 1, 2];
    let h = 1e-3f32;
    let mut stepped = net.clone();
    Train::default()
        .epochs(1)
        .batch_size(4)
        .optimizer(Optimizer::Sgd {
            lr: h,
            momentum: 0.0,
        })
        .fit(&mut stepped, &x, &y, None)
        .unwrap();
    for (l, k) in [(0usize, 3usize), (0, 20), (1, 0), (1, 15)] {
        let g = (net.layers[l].w[k] - stepped.layers[l].w[k]) / h;
        let eps = 1e-2f32;
        let (mut plus, mut minus) = (net.clone(), net.clone());
        plus.layers[l].w[k] += eps;
        minus.layers[l].w[k] -= eps;
        let fd = (plus.loss(&x, &y) - minus.loss(&x, &y)) / (2.0 * eps as f64);
        assert!(
            (g as f64 - fd).abs() < 2e-3 + 2e-2 * fd.abs(),
            "layer {l} weight {k}: {g} vs {fd}"
        );
    }
}

#[test]
fn masks_stay_zero_and_training_is_seeded() {
    let ((x, y), _) = digits();
    let (x, y) = (&x[..64 * 200], &y[..200]);
    let net = Mlp::new(&[64, 32, 10], 1).unwrap();
    let masks: Vec<Vec<bool>> = net
        .layers
        .iter()
        .map(|d| (0..d.w.len()).map(|k| k % 3 != 0).collect())
        .collect();
    let train = Train::default().epochs(3).seed(5);
    let run = |seed| {
        let mut n = net.clone();
        train
            .clone()
            .seed(seed)
            .fit(&mut n, x, y, Some(&masks))
            .unwrap();
        n
    };
    let a = run(5);
    for (d, m) in a.layers.iter().zip(&masks) {
        assert!(d.w.iter().zip(m).all(|(w, &keep)| keep || *w == 0.0));
        assert!(d.w.iter().zip(m).any(|(w, &keep)| keep && *w != 0.0));
    }
    assert_eq!(a, run(5));
    assert_ne!(a, run(6));
    // Bad input is an error, not a panic.
    let mut n = net.clone();
    assert!(train.fit(&mut n, &x[..10], y, None).is_err());
    assert!(train.fit(&mut n, x, &[11; 200], None).is_err());
    assert!(train.fit(&mut n, x, y, Some(&masks[..1])).is_err());
}

#[test]
fn learns_the_digits() {
    let ((x, y), (xt, yt)) = digits();
    let mut net = Mlp::new(&[64, 64, 10], 0).unwrap();
    let losses = Train::default()
        .epochs(15)
        .fit(&mut net, &x, &y, None)
        .unwrap();
    assert!(losses[14] < 0.5 * losses[0], "{losses:?}");
    let acc = net.accuracy(&xt, &yt);
    assert!(acc > 0.9, "test accuracy {acc}");
    let s = net.activation_sparsity(&xt, yt.len());
    assert_eq!(s.len(), 1);
    assert!(s[0] > 0.0 && s[0] < 1.0);
}

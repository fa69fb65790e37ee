//! A small multilayer perceptron — dense layers, ReLU, softmax cross-entropy, mini-batch
//! SGD with momentum or Adam — with weight masks, for pruning experiments (the lottery
//! ticket). Seeded and deterministic: the same seed gives bit-identical weights, on any
//! machine and thread count (training runs on one thread in a fixed order).

use crate::{Error, Result};
use cstk_measure::rng::{self, Domain, permutation, uniform01};

/// Initial weights: one stream per layer.
const INIT: Domain = Domain::new(*b"mlpinit\0");
/// Mini-batch order: one stream per epoch.
const SHUFFLE: Domain = Domain::new(*b"mlpshufl");

/// One dense layer `y = W x + b`, `W` stored `[out, in]` row-major (PyTorch's
/// `nn.Linear.weight` layout).
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    /// Inputs.
    pub n_in: usize,
    /// Outputs.
    pub n_out: usize,
    /// Weights, `n_out × n_in`, row-major.
    pub w: Vec<f32>,
    /// Biases.
    pub b: Vec<f32>,
}

/// A ReLU network of [`Dense`] layers; the last layer gives the logits.
///
/// ```
/// use cstk_ml::mlp::Mlp;
/// let net = Mlp::new(&[4, 8, 3], 7).unwrap();
/// assert_eq!(net.layers.len(), 2);
/// assert_eq!(net.layers[0].w.len(), 32);
/// assert_eq!(net, Mlp::new(&[4, 8, 3], 7).unwrap()); // seeded
/// let mut logits = Vec::new();
/// net.forward(&[0.5; 8], 2, &mut logits); // two samples
/// assert_eq!(logits.len(), 6);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    /// The layers, input first.
    pub layers: Vec<Dense>,
}

impl Mlp {
    /// Layer sizes `[n_in, hidden…, n_classes]`, initialized as PyTorch's `nn.Linear`
    /// (weights and biases uniform in `±1/√n_in`), from `seed`.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for fewer than two sizes or a zero size.
    pub fn new(sizes: &[usize], seed: u64) -> Result<Self> {
        if sizes.len() < 2 || sizes.contains(&0) {
            return Err(Error::InvalidParam {
                name: "sizes",
                value: format!("{sizes:?}"),
                expected: "at least an input and an output size, all ≥ 1".into(),
            });
        }
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(l, s)| {
                let (n_in, n_out) = (s[0], s[1]);
                let bound = 1.0 / (n_in as f64).sqrt();
                let mut r = rng::stream(seed, INIT, l as u64);
                let mut draw = || ((2.0 * uniform01(&mut r) - 1.0) * bound) as f32;
                let w = (0..n_in * n_out).map(|_| draw()).collect();
                let b = (0..n_out).map(|_| draw()).collect();
                Dense { n_in, n_out, w, b }
            })
            .collect();
        Ok(Mlp { layers })
    }

    /// Number of inputs.
    pub fn n_in(&self) -> usize {
        self.layers[0].n_in
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.layers[self.layers.len() - 1].n_out
    }

    /// Logits of `n` samples (`x` is `n × n_in`, row-major) into `out` (`n × n_classes`).
    /// Panics if `x` has the wrong length.
    pub fn forward(&self, x: &[f32], n: usize, out: &mut Vec<f32>) {
        let mut acts = Vec::new();
        self.forward_all(x, n, &mut acts);
        out.clear();
        out.extend_from_slice(acts.last().map_or(x, |a| a.as_slice()));
    }

    /// Every layer's output (post-ReLU for hidden layers, logits last).
    fn forward_all(&self, x: &[f32], n: usize, acts: &mut Vec<Vec<f32>>) {
        assert_eq!(x.len(), n * self.n_in(), "input length");
        acts.clear();
        let last = self.layers.len() - 1;
        for (l, d) in self.layers.iter().enumerate() {
            let input = if l == 0 { x } else { &acts[l - 1] };
            let mut y = vec![0.0f32; n * d.n_out];
            for i in 0..n {
                let xi = &input[i * d.n_in..(i + 1) * d.n_in];
                for o in 0..d.n_out {
                    let wo = &d.w[o * d.n_in..(o + 1) * d.n_in];
                    let mut s = d.b[o];
                    for (a, b) in wo.iter().zip(xi) {
                        s += a * b;
                    }
                    y[i * d.n_out + o] = if l < last { s.max(0.0) } else { s };
                }
            }
            acts.push(y);
        }
    }

    /// Predicted class of each sample.
    pub fn predict(&self, x: &[f32], n: usize) -> Vec<usize> {
        let mut logits = Vec::new();
        self.forward(x, n, &mut logits);
        logits
            .chunks(self.n_classes())
            .map(|z| (0..z.len()).fold(0, |best, k| if z[k] > z[best] { k } else { best }))
            .collect()
    }

    /// Fraction of correct predictions.
    pub fn accuracy(&self, x: &[f32], labels: &[usize]) -> f64 {
        let pred = self.predict(x, labels.len());
        pred.iter().zip(labels).filter(|(p, y)| p == y).count() as f64 / labels.len() as f64
    }

    /// Fraction of zero ReLU outputs of each hidden layer on `n` samples.
    pub fn activation_sparsity(&self, x: &[f32], n: usize) -> Vec<f64> {
        let mut acts = Vec::new();
        self.forward_all(x, n, &mut acts);
        acts[..acts.len() - 1]
            .iter()
            .map(|a| a.iter().filter(|&&v| v == 0.0).count() as f64 / a.len() as f64)
            .collect()
    }

    /// Mean softmax cross-entropy of the labels.
    pub fn loss(&self, x: &[f32], labels: &[usize]) -> f64 {
        let mut logits = Vec::new();
        self.forward(x, labels.len(), &mut logits);
        let k = self.n_classes();
        logits
            .chunks(k)
            .zip(labels)
            .map(|(z, &y)| {
                let m = z.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b)) as f64;
                let lse = m + z.iter().map(|&v| (v as f64 - m).exp()).sum::<f64>().ln();
                lse - z[y] as f64
            })
            .sum::<f64>()
            / labels.len() as f64
    }

    /// The gradient of the mean cross-entropy of a batch with respect to every weight and
    /// bias, into `grads` (one `(dW, db)` per layer, resized as needed).
    fn gradient(
        &self,
        x: &[f32],
        labels: &[usize],
        acts: &mut Vec<Vec<f32>>,
        grads: &mut [(Vec<f32>, Vec<f32>)],
    ) {
        let n = labels.len();
        self.forward_all(x, n, acts);
        let k = self.n_classes();
        // δ of the logits: softmax − one-hot, divided by n.
        let mut delta: Vec<f32> = acts.last().expect("layers").clone();
        for (z, &y) in delta.chunks_mut(k).zip(labels) {
            let m = z.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
            let mut s = 0.0f32;
            z.iter_mut().for_each(|v| {
                *v = (*v - m).exp();
                s += *v;
            });
            z.iter_mut().for_each(|v| *v /= s * n as f32);
            z[y] -= 1.0 / n as f32;
        }
        for l in (0..self.layers.len()).rev() {
            let d = &self.layers[l];
            let input = if l == 0 { x } else { &acts[l - 1] };
            let (gw, gb) = &mut grads[l];
            gw.clear();
            gw.resize(d.w.len(), 0.0);
            gb.clear();
            gb.resize(d.n_out, 0.0);
            for i in 0..n {
                let xi = &input[i * d.n_in..(i + 1) * d.n_in];
                for o in 0..d.n_out {
                    let g = delta[i * d.n_out + o];
                    if g != 0.0 {
                        gb[o] += g;
                        for (w, a) in gw[o * d.n_in..(o + 1) * d.n_in].iter_mut().zip(xi) {
                            *w += g * a;
                        }
                    }
                }
            }
            if l > 0 {
                let mut prev = vec![0.0f32; n * d.n_in];
                for i in 0..n {
                    for o in 0..d.n_out {
                        let g = delta[i * d.n_out + o];
                        if g != 0.0 {
                            let wo = &d.w[o * d.n_in..(o + 1) * d.n_in];
                            for (p, w) in prev[i * d.n_in..(i + 1) * d.n_in].iter_mut().zip(wo) {
                                *p += g * w;
                            }
                        }
                    }
                }
                // ReLU: no gradient where the activation was zero.
                for (p, a) in prev.iter_mut().zip(&acts[l - 1]) {
                    if *a == 0.0 {
                        *p = 0.0;
                    }
                }
                delta = prev;
            }
        }
    }

    /// Zeroes the weights outside `masks` (one mask per layer, `true` = kept).
    pub fn apply_masks(&mut self, masks: &[Vec<bool>]) {
        for (d, m) in self.layers.iter_mut().zip(masks) {
            for (w, &keep) in d.w.iter_mut().zip(m) {
                if !keep {
                    *w = 0.0;
                }
            }
        }
    }
}

/// The update rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    /// SGD with (heavy-ball) momentum, PyTorch's `optim.SGD(lr, momentum)`.
    Sgd {
        /// Learning rate.
        lr: f32,
        /// Momentum.
        momentum: f32,
    },
    /// Adam, PyTorch's `optim.Adam(lr, betas, eps)`.
    Adam {
        /// Learning rate.
        lr: f32,
        /// β₁.
        beta1: f32,
        /// β₂.
        beta2: f32,
        /// ε.
        eps: f32,
    },
}

/// Mini-batch training of an [`Mlp`] on softmax cross-entropy.
///
/// | name | default | meaning | valid range |
/// |------|---------|---------|-------------|
/// | `epochs` | 30 | passes over the data | ≥ 1 |
/// | `batch_size` | 32 | samples per step (the last batch may be smaller) | ≥ 1 |
/// | `optimizer` | Adam, lr 1e-3, β (0.9, 0.999), ε 1e-8 | the update rule | lr > 0 |
/// | `seed` | 0 | mini-batch order (one permutation per epoch) | any |
///
/// With masks, pruned weights are zeroed after every step and get no gradient or optimizer
/// state, so they stay exactly zero (PyTorch's `prune` reparametrization does the same).
///
/// ```
/// use cstk_ml::mlp::{Mlp, Train};
/// // XOR-like: two clusters per class.
/// let x: Vec<f32> = vec![0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0];
/// let y = [0, 0, 1, 1];
/// let mut net = Mlp::new(&[2, 16, 2], 3).unwrap();
/// Train::default().epochs(300).batch_size(4).fit(&mut net, &x, &y, None).unwrap();
/// assert_eq!(net.accuracy(&x, &y), 1.0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Train {
    /// Passes over the data.
    pub epochs: usize,
    /// Samples per step.
    pub batch_size: usize,
    /// Update rule.
    pub optimizer: Optimizer,
    /// Mini-batch order seed.
    pub seed: u64,
}

impl Default for Train {
    fn default() -> Self {
        Train {
            epochs: 30,
            batch_size: 32,
            optimizer: Optimizer::Adam {
                lr: 1e-3,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            },
            seed: 0,
        }
    }
}

crate::cv::setters!(Train {
    /// Sets `epochs`.
    epochs: usize,
    /// Sets `batch_size`.
    batch_size: usize,
    /// Sets `optimizer`.
    optimizer: Optimizer,
    /// Sets `seed`.
    seed: u64,
});

impl Train {
    /// Trains `net` on `x` (`n × n_in`, row-major) and `labels` (`< n_classes`), keeping
    /// masked weights at zero; returns the mean training loss of every epoch.
    ///
    /// # Errors
    /// Invalid parameters, mismatched lengths, labels out of range, non-finite inputs, masks
    /// of the wrong shape, and a loss that becomes non-finite (naming the epoch).
    pub fn fit(
        &self,
        net: &mut Mlp,
        x: &[f32],
        labels: &[usize],
        masks: Option<&[Vec<bool>]>,
    ) -> Result<Vec<f64>> {
        let n = labels.len();
        let bad = |name, value: String, expected: String| {
            Err(Error::InvalidParam {
                name,
                value,
                expected,
            })
        };
        if self.epochs == 0 || self.batch_size == 0 {
            return bad(
                "epochs/batch_size",
                format!("{}/{}", self.epochs, self.batch_size),
                "≥ 1".into(),
            );
        }
        let lr = match self.optimizer {
            Optimizer::Sgd { lr, .. } | Optimizer::Adam { lr, .. } => lr,
        };
        if !(lr.is_finite() && lr > 0.0) {
            return bad("lr", lr.to_string(), "a finite number > 0".into());
        }
        if n == 0 || x.len() != n * net.n_in() {
            return Err(Error::ShapeMismatch {
                context: "training inputs (samples × inputs)".into(),
                expected: format!("{} × {} = {}", n, net.n_in(), n * net.n_in()),
                got: x.len().to_string(),
            });
        }
        if let Some(&y) = labels.iter().find(|&&y| y >= net.n_classes()) {
            return bad(
                "label",
                y.to_string(),
                format!("below the {} classes", net.n_classes()),
            );
        }
        if let Some(v) = x.iter().find(|v| !v.is_finite()) {
            return bad("x", v.to_string(), "finite inputs".into());
        }
        if let Some(m) = masks {
            if m.len() != net.layers.len()
                || m.iter().zip(&net.layers).any(|(m, d)| m.len() != d.w.len())
            {
                return bad(
                    "masks",
                    format!("{} masks", m.len()),
                    "one mask per layer, one entry per weight".into(),
                );
            }
            net.apply_masks(m);
        }
        let mut grads: Vec<(Vec<f32>, Vec<f32>)> = vec![(Vec::new(), Vec::new()); net.layers.len()];
        let mut m1: Vec<(Vec<f32>, Vec<f32>)> = net
            .layers
            .iter()
            .map(|d| (vec![0.0; d.w.len()], vec![0.0; d.n_out]))
            .collect();
        let mut m2 = m1.clone();
        let mut acts = Vec::new();
        let (mut bx, mut by) = (Vec::new(), Vec::new());
        let mut step = 0i32;
        let mut history = Vec::with_capacity(self.epochs);
        for epoch in 0..self.epochs {
            let order = permutation(&mut rng::stream(self.seed, SHUFFLE, epoch as u64), n);
            for batch in order.chunks(self.batch_size) {
                bx.clear();
                by.clear();
                for &i in batch {
                    bx.extend_from_slice(&x[i * net.n_in()..(i + 1) * net.n_in()]);
                    by.push(labels[i]);
                }
                net.gradient(&bx, &by, &mut acts, &mut grads);
                step += 1;
                for (l, d) in net.layers.iter_mut().enumerate() {
                    let mask = masks.map(|m| m[l].as_slice());
                    let (gw, gb) = &grads[l];
                    update(
                        &mut d.w,
                        gw,
                        &mut m1[l].0,
                        &mut m2[l].0,
                        mask,
                        self.optimizer,
                        step,
                    );
                    update(
                        &mut d.b,
                        gb,
                        &mut m1[l].1,
                        &mut m2[l].1,
                        None,
                        self.optimizer,
                        step,
                    );
                }
            }
            let loss = net.loss(x, labels);
            if !loss.is_finite() {
                return Err(Error::NonFinite {
                    context: "training loss".into(),
                    position: format!("epoch {epoch}"),
                    value: loss.to_string(),
                });
            }
            history.push(loss);
        }
        Ok(history)
    }
}

/// One optimizer step on a parameter vector; masked entries stay zero with no state.
fn update(
    p: &mut [f32],
    g: &[f32],
    m1: &mut [f32],
    m2: &mut [f32],
    mask: Option<&[bool]>,
    opt: Optimizer,
    step: i32,
) {
    for k in 0..p.len() {
        if mask.is_some_and(|m| !m[k]) {
            p[k] = 0.0;
            continue;
        }
        match opt {
            Optimizer::Sgd { lr, momentum } => {
                m1[k] = momentum * m1[k] + g[k];
                p[k] -= lr * m1[k];
            }
            Optimizer::Adam {
                lr,
                beta1,
                beta2,
                eps,
            } => {
                m1[k] = beta1 * m1[k] + (1.0 - beta1) * g[k];
                m2[k] = beta2 * m2[k] + (1.0 - beta2) * g[k] * g[k];
                let mh = m1[k] / (1.0 - beta1.powi(step));
                let vh = m2[k] / (1.0 - beta2.powi(step));
                p[k] -= lr * mh / (vh.sqrt() + eps);
            }
        }
    }
}

//! Helpers shared by the ml tests (and, through `#[path]`, the `cstk select` CLI tests):
//! the scikit-learn reference values of tests/data/reference.json.

#![allow(dead_code)] // each test binary uses its own subset

use serde_json::Value;

/// tests/data/reference.json, made by tests/data/make_reference.py.
pub fn reference() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../ml/tests/data/reference.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("reference.json")).expect("json")
}

/// A JSON array of numbers.
pub fn vec(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// A JSON array of arrays of indices (test sets of a split).
pub fn index_sets(v: &Value) -> Vec<Vec<usize>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s.as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_u64().unwrap() as usize)
                .collect()
        })
        .collect()
}

/// Samples (row-major, pixels scaled to [0, 1]) and labels.
pub type Split = (Vec<f32>, Vec<usize>);

/// The bundled data/digits.csv split 80/20 by index (every fifth sample is a test sample).
pub fn digits() -> (Split, Split) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/digits.csv");
    let mut t = cstk_linop::io::csv::read_csv(&path).unwrap();
    let y = t.take_column("digit").unwrap();
    let x = t.to_dmatrix();
    let (mut train, mut test) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
    for (i, label) in y.iter().enumerate() {
        let part = if i % 5 == 4 { &mut test } else { &mut train };
        part.0.extend(x.row(i).iter().map(|&v| (v / 16.0) as f32));
        part.1.push(*label as usize);
    }
    (train, test)
}

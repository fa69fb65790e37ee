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

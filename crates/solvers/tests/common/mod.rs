//! Helpers shared by the solver tests.

#![allow(dead_code)] // each test binary uses its own subset

/// `‖a − b‖ / ‖b‖`.
pub fn rel_err<T: cstk_linop::Scalar>(a: &[T], b: &[T]) -> f64 {
    let d: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (*x - *y).to_c64().norm_sqr())
        .sum();
    let n: f64 = b.iter().map(|y| y.to_c64().norm_sqr()).sum();
    (d / n).sqrt()
}

/// The JSON file `tests/data/<rel>` (reference values made by the script beside it).
pub fn json_data(rel: &str) -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("json")
}

/// A JSON array of numbers.
pub fn vecf(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("f64"))
        .collect()
}

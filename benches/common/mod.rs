//! Helpers shared by the criterion benches.

/// The environment variable `key` parsed as `T`, or `default` when it is unset or does not
/// parse (the benches take their sizes and parameters this way).
pub fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

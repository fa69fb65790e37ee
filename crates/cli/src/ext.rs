//! File kinds from names: the one place the CLI reads an extension.

use std::path::Path;

/// The extension of `path`, lower-cased; empty when there is none.
pub fn ext_lower(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default()
}

/// Whether `path` ends in `.ext` (any case).
pub fn has_ext(path: &Path, ext: &str) -> bool {
    ext_lower(path) == ext.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_ignore_case() {
        assert_eq!(ext_lower(Path::new("a/B.NPY")), "npy");
        assert_eq!(ext_lower(Path::new("a/b")), "");
        assert!(has_ext(Path::new("x.Png"), "png"));
        assert!(!has_ext(Path::new("x.png.npy"), "png"));
    }
}

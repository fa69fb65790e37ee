//! The `--shape` flag of every command that takes one: `N` or `NYxNX`.

use anyhow::{Result, bail};

/// Parses `N` (one dimension) or `NYxNX` (two; `x` or `X`, spaces around numbers allowed)
/// into positive sizes.
pub fn parse_shape(s: &str) -> Result<Vec<usize>> {
    let dims: Result<Vec<usize>, _> = s
        .split(['x', 'X'])
        .map(|d| d.trim().parse::<usize>())
        .collect();
    match dims {
        Ok(d) if (1..=2).contains(&d.len()) && d.iter().all(|&v| v > 0) => Ok(d),
        _ => bail!("--shape {s:?}: expected N or NYxNX with positive integers, e.g. 256x256"),
    }
}

/// Parses `NYxNX` for a command that needs a 2-D grid.
pub fn parse_shape_2d(s: &str) -> Result<(usize, usize)> {
    match parse_shape(s)?.as_slice() {
        &[ny, nx] => Ok((ny, nx)),
        _ => bail!("--shape {s:?}: expected NYxNX (two sizes, e.g. 256x256)"),
    }
}

//! The one-line progress bar on stderr that long-running commands show (only on a terminal,
//! and never with `--quiet`).

use std::time::Instant;

/// `[#####     ] done/total detail ETA s`, redrawn in place.
pub struct ProgressBar {
    total: usize,
    on: bool,
    start: Instant,
}

impl ProgressBar {
    /// A bar over `total` steps, drawn only when `on`.
    pub fn new(total: usize, on: bool) -> Self {
        ProgressBar {
            total: total.max(1),
            on,
            start: Instant::now(),
        }
    }

    /// Redraws the bar after `done` steps, with a short `detail` (may be empty).
    pub fn update(&mut self, done: usize, detail: &str) {
        if !self.on {
            return;
        }
        let done = done.min(self.total);
        let frac = done as f64 / self.total as f64;
        let width = 30;
        let fill = (frac * width as f64) as usize;
        let el = self.start.elapsed().as_secs_f64();
        let eta = if done > 0 {
            el / done as f64 * (self.total - done) as f64
        } else {
            0.0
        };
        eprint!(
            "\r[{}{}] {done}/{} {detail} ETA {:.1} s   ",
            "#".repeat(fill),
            " ".repeat(width - fill),
            self.total,
            eta
        );
    }

    /// Ends the line.
    pub fn finish(&mut self) {
        if self.on {
            eprintln!();
        }
    }
}

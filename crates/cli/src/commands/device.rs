//! `--device`: where a command's sparse products run (shared by the commands that take it).

use anyhow::{Result, bail};

/// The devices `--device` accepts.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Device {
    /// The CPU (always available)
    #[default]
    Cpu,
    /// An NVIDIA GPU through CUDA (needs a build with `--features cuda`, an NVIDIA driver and NVRTC)
    Cuda,
}

impl Device {
    /// Fails with the rebuild hint when `cuda` is asked of a build without GPU support.
    pub fn check_available(self) -> Result<()> {
        if self == Device::Cuda && !cfg!(feature = "cuda") {
            bail!(
                "--device cuda: this cstk was built without GPU support; rebuild with \
                 `cargo build --release --features cuda`"
            );
        }
        Ok(())
    }
}

/// Opens GPU 0 for `--device cuda`; the backend's error (e.g. the missing driver library)
/// is reported as is.
#[cfg(feature = "cuda")]
pub fn open_gpu() -> Result<std::sync::Arc<cstk_linop::gpu::Gpu>> {
    use anyhow::Context;
    cstk_linop::gpu::Gpu::new(0).context("--device cuda")
}

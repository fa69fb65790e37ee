//! [`GpuCsr`]: a CSR matrix uploaded once, with `A x` and `Aᵀ y` on the device.

use super::cusparse::Cusparse;
use super::kernels::{BLOCK, LONG_ROW, lanes_per_row};
use super::{Gpu, GpuVec, check_device_len, device_error, driver, htod};
use crate::norm::{NormEstimate, PowerIteration};
use crate::{CsrMatrix, Error, LinOp, Result, check_len, testing};
use cudarc::driver::{CudaSlice, LaunchConfig, PushKernelArg};
use std::sync::{Arc, Mutex};

/// How [`GpuCsr`] multiplies.
///
/// ```
/// use cstk_linop::gpu::SpmvEngine;
/// assert_eq!(SpmvEngine::default(), SpmvEngine::Kernels);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SpmvEngine {
    /// The backend's own kernels: CSR-vector (a power-of-two group of threads per row,
    /// sized by the mean row length) plus one block per row for rows longer than
    /// [`LONG_ROW`](super::LONG_ROW); `Aᵀ y` runs the same kernels on an explicit CSR copy
    /// of `Aᵀ` made at upload. Deterministic (no atomics).
    #[default]
    Kernels,
    /// cuSPARSE's generic `cusparseSpMV` (`CUSPARSE_SPMV_CSR_ALG2`, deterministic), on the
    /// same two CSR copies.
    Cusparse,
}

/// One CSR matrix in device memory (32-bit indices).
pub(crate) struct DevCsr {
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) nnz: usize,
    pub(crate) ptr: CudaSlice<i32>,
    pub(crate) idx: CudaSlice<i32>,
    pub(crate) val: CudaSlice<f64>,
    long_rows: Option<CudaSlice<i32>>,
    n_long: usize,
    lanes_log2: i32,
}

impl DevCsr {
    fn upload(gpu: &Gpu, a: &CsrMatrix<f64>) -> Result<Self> {
        let (rows, cols, nnz) = (a.nrows(), a.ncols(), a.nnz());
        check_device_len("rows", rows)?;
        check_device_len("columns", cols)?;
        check_device_len("nonzeros", nnz)?;
        let ptr: Vec<i32> = a.indptr().iter().map(|&p| p as i32).collect();
        let idx: Vec<i32> = a.indices().iter().map(|&j| j as i32).collect();
        let long: Vec<i32> = (0..rows)
            .filter(|&i| a.indptr()[i + 1] - a.indptr()[i] > LONG_ROW)
            .map(|i| i as i32)
            .collect();
        let mean = if rows == 0 {
            0.0
        } else {
            nnz as f64 / rows as f64
        };
        let s = gpu.stream();
        let up = driver("copying the matrix to the GPU");
        Ok(DevCsr {
            rows,
            cols,
            nnz,
            ptr: htod(s, &ptr).map_err(&up)?,
            idx: htod(s, &idx).map_err(&up)?,
            val: htod(s, a.data()).map_err(&up)?,
            long_rows: if long.is_empty() {
                None
            } else {
                Some(htod(s, &long).map_err(&up)?)
            },
            n_long: long.len(),
            lanes_log2: lanes_per_row(mean).trailing_zeros() as i32,
        })
    }

    fn bytes(&self) -> usize {
        (self.rows + 1 + self.nnz + self.n_long) * 4 + self.nnz * 8
    }

    /// `y ← A x` with the backend's kernels.
    fn spmv(&self, gpu: &Gpu, x: &CudaSlice<f64>, y: &mut CudaSlice<f64>) -> Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let k = &gpu.kernels;
        let m = self.rows as i32;
        let threads = self.rows << self.lanes_log2;
        let cfg = LaunchConfig {
            grid_dim: (
                threads.div_ceil(BLOCK as usize).clamp(1, 1 << 20) as u32,
                1,
                1,
            ),
            block_dim: (BLOCK, 1, 1),
            shared_mem_bytes: 0,
        };
        let long_limit = LONG_ROW as i32;
        let mut l = gpu.stream().launch_builder(&k.csr_vector);
        l.arg(&m)
            .arg(&self.ptr)
            .arg(&self.idx)
            .arg(&self.val)
            .arg(x)
            .arg(&mut *y)
            .arg(&self.lanes_log2)
            .arg(&long_limit);
        // SAFETY: signature (int, const int*, const int*, const double*, const double*,
        // double*, int, int); ptr has rows + 1 entries, idx/val nnz, every column index is
        // < cols = x.len() (checked by CsrMatrix), y has rows entries.
        unsafe { l.launch(cfg) }.map_err(driver("launching csr_vector"))?;
        if let Some(long_rows) = &self.long_rows {
            let mut l = gpu.stream().launch_builder(&k.csr_long_rows);
            l.arg(long_rows)
                .arg(&self.ptr)
                .arg(&self.idx)
                .arg(&self.val)
                .arg(x)
                .arg(&mut *y);
            let cfg = LaunchConfig {
                grid_dim: (self.n_long as u32, 1, 1),
                block_dim: (BLOCK, 1, 1),
                shared_mem_bytes: 0,
            };
            // SAFETY: signature (const int*, const int*, const int*, const double*,
            // const double*, double*); one block per listed row, each row index < rows.
            unsafe { l.launch(cfg) }.map_err(driver("launching csr_long_rows"))?;
        }
        Ok(())
    }
}

/// Host buffers' device copies for the [`LinOp`] implementation, made on first use.
#[derive(Default)]
struct HostIo {
    x: Option<GpuVec>,
    y: Option<GpuVec>,
    error: Option<Error>,
}

/// A real CSR matrix in GPU memory: upload once ([`GpuCsr::upload`]), then
/// [`spmv`](GpuCsr::spmv) (`y ← A x`) and [`spmv_t`](GpuCsr::spmv_t) (`x ← Aᵀ y`) on
/// device vectors, with no transfer. `Aᵀ y` uses a CSR copy of `Aᵀ` built on the host at
/// upload, so it costs what `A x` costs and is deterministic (the memory is twice the
/// matrix's).
///
/// It is also a [`LinOp<f64>`] on host slices (each product copies `x` in and `y` out),
/// so every CPU solver can use it; a device failure there fills the output with NaN (which
/// the solvers report) and is kept for [`take_error`](GpuCsr::take_error).
///
/// ```
/// use cstk_linop::{CsrMatrix, LinOp, gpu::{Gpu, GpuCsr}};
/// let a = CsrMatrix::try_from_raw_parts(2, 3, vec![0, 2, 3], vec![0, 2, 1], vec![1.0, 2.0, 3.0]).unwrap();
/// if let Ok(gpu) = Gpu::new(0) {
///     let d = GpuCsr::upload(&gpu, &a).unwrap();
///     assert_eq!(d.apply_vec(&[1.0, 1.0, 1.0]), vec![3.0, 3.0]);
///     let (x, mut y) = (gpu.upload(&[1.0, 0.0, 1.0]).unwrap(), gpu.zeros(2).unwrap());
///     d.spmv(&x, &mut y).unwrap();
///     assert_eq!(gpu.to_host(&y).unwrap(), vec![3.0, 0.0]);
/// }
/// ```
pub struct GpuCsr {
    // Dropped before the matrices its descriptors point into.
    cusparse: Option<Cusparse>,
    fwd: DevCsr,
    adj: DevCsr,
    engine: SpmvEngine,
    io: Mutex<HostIo>,
    gpu: Arc<Gpu>,
}

impl GpuCsr {
    /// Copies `a` and its transpose to the device (the kernels engine).
    ///
    /// # Errors
    /// [`Error::Device`] (e.g. out of memory) or [`Error::InvalidParam`] if a dimension or
    /// the number of nonzeros exceeds 2³¹ − 1.
    ///
    /// ```
    /// use cstk_linop::{CsrMatrix, gpu::{Gpu, GpuCsr}};
    /// if let Ok(gpu) = Gpu::new(0) {
    ///     let d = GpuCsr::upload(&gpu, &CsrMatrix::<f64>::identity(4)).unwrap();
    ///     assert_eq!((d.nrows(), d.ncols(), d.nnz()), (4, 4, 4));
    /// }
    /// ```
    pub fn upload(gpu: &Arc<Gpu>, a: &CsrMatrix<f64>) -> Result<Self> {
        let fwd = DevCsr::upload(gpu, a)?;
        let adj = DevCsr::upload(gpu, &a.transpose())?;
        Ok(GpuCsr {
            cusparse: None,
            fwd,
            adj,
            engine: SpmvEngine::Kernels,
            io: Mutex::new(HostIo::default()),
            gpu: Arc::clone(gpu),
        })
    }

    /// Switches the engine; [`SpmvEngine::Cusparse`] loads cuSPARSE and sets up its
    /// descriptors and work buffer (once).
    ///
    /// # Errors
    /// [`Error::Device`] when cuSPARSE is not found or its setup fails.
    ///
    /// ```
    /// use cstk_linop::{CsrMatrix, gpu::{Gpu, GpuCsr, SpmvEngine}};
    /// if let Ok(gpu) = Gpu::new(0) {
    ///     let d = GpuCsr::upload(&gpu, &CsrMatrix::<f64>::identity(4)).unwrap();
    ///     if let Ok(d) = d.with_engine(SpmvEngine::Cusparse) {
    ///         assert_eq!(d.engine(), SpmvEngine::Cusparse);
    ///     }
    /// }
    /// ```
    pub fn with_engine(mut self, engine: SpmvEngine) -> Result<Self> {
        // (an all-zero matrix needs no cuSPARSE: its products are zeros from the kernels)
        if engine == SpmvEngine::Cusparse && self.cusparse.is_none() && self.fwd.nnz > 0 {
            self.cusparse = Some(Cusparse::new(&self.gpu, &self.fwd, &self.adj)?);
        }
        self.engine = engine;
        Ok(self)
    }

    /// The engine in use.
    ///
    /// ```
    /// use cstk_linop::{CsrMatrix, gpu::{Gpu, GpuCsr, SpmvEngine}};
    /// if let Ok(gpu) = Gpu::new(0) {
    ///     let d = GpuCsr::upload(&gpu, &CsrMatrix::<f64>::identity(2)).unwrap();
    ///     assert_eq!(d.engine(), SpmvEngine::Kernels);
    /// }
    /// ```
    pub fn engine(&self) -> SpmvEngine {
        self.engine
    }

    /// The device the matrix lives on.
    ///
    /// ```
    /// use cstk_linop::{CsrMatrix, gpu::{Gpu, GpuCsr}};
    /// if let Ok(gpu) = Gpu::new(0) {
    ///     let d = GpuCsr::upload(&gpu, &CsrMatrix::<f64>::identity(2)).unwrap();
    ///     assert_eq!(d.gpu().name(), gpu.name());
    /// }
    /// ```
    pub fn gpu(&self) -> &Arc<Gpu> {
        &self.gpu
    }

    /// Rows `m`.
    ///
    /// ```
    /// # use cstk_linop::{CsrMatrix, gpu::{Gpu, GpuCsr}};
    /// if let Ok(gpu) = Gpu::new(0) {
    ///     assert_eq!(GpuCsr::upload(&gpu, &CsrMatrix::<f64>::zeros(2, 5)).unwrap().nrows(), 2);
    /// }
    /// ```
    pub fn nrows(&self) -> usize {
        self.fwd.rows
    }

    /// Columns `n`.
    ///
    /// ```
    /// # use cstk_linop::{CsrMatrix, gpu::{Gpu, GpuCsr}};
    /// if let Ok(gpu) = Gpu::new(0) {
    ///     assert_eq!(GpuCsr::upload(&gpu, &CsrMatrix::<f64>::zeros(2, 5)).unwrap().ncols(), 5);
    /// }
    /// ```
    pub fn ncols(&self) -> usize {
        self.fwd.cols
    }

    /// Stored nonzeros.
    ///
    /// ```
    /// # use cstk_linop::{CsrMatrix, gpu::{Gpu, GpuCsr}};
    /// if let Ok(gpu) = Gpu::new(0) {
    ///     assert_eq!(GpuCsr::upload(&gpu, &CsrMatrix::<f64>::identity(3)).unwrap().nnz(), 3);
    /// }
    /// ```
    pub fn nnz(&self) -> usize {
        self.fwd.nnz
    }

    /// Device memory held by the matrix and its transpose, in bytes.
    ///
    /// ```
    /// # use cstk_linop::{CsrMatrix, gpu::{Gpu, GpuCsr}};
    /// if let Ok(gpu) = Gpu::new(0) {
    ///     let d = GpuCsr::upload(&gpu, &CsrMatrix::<f64>::identity(3)).unwrap();
    ///     assert_eq!(d.device_bytes(), 2 * ((3 + 1 + 3) * 4 + 3 * 8));
    /// }
    /// ```
    pub fn device_bytes(&self) -> usize {
        self.fwd.bytes() + self.adj.bytes()
    }

    /// Bytes one `A x` must move at least: the matrix (values, column indices, row
    /// pointers), `x` read once and `y` written — the numerator of an SpMV's GB/s.
    ///
    /// ```
    /// # use cstk_linop::{CsrMatrix, gpu::{Gpu, GpuCsr}};
    /// if let Ok(gpu) = Gpu::new(0) {
    ///     let d = GpuCsr::upload(&gpu, &CsrMatrix::<f64>::identity(3)).unwrap();
    ///     assert_eq!(d.spmv_bytes(), 3 * 12 + 4 * 4 + 3 * 8 + 3 * 8);
    /// }
    /// ```
    pub fn spmv_bytes(&self) -> usize {
        let a = &self.fwd;
        a.nnz * 12 + (a.rows + 1) * 4 + a.cols * 8 + a.rows * 8
    }

    /// `y ← A x` on the device (queued on the device's stream; no transfer).
    ///
    /// # Errors
    /// [`Error::Device`] if a launch fails.
    ///
    /// # Panics
    /// If `x` or `y` has the wrong length (a programming error, like [`LinOp::apply`]).
    ///
    /// ```
    /// # use cstk_linop::{CsrMatrix, gpu::{Gpu, GpuCsr}};
    /// if let Ok(gpu) = Gpu::new(0) {
    ///     let d = GpuCsr::upload(&gpu, &CsrMatrix::<f64>::identity(2)).unwrap();
    ///     let (x, mut y) = (gpu.upload(&[1.0, 2.0]).unwrap(), gpu.zeros(2).unwrap());
    ///     d.spmv(&x, &mut y).unwrap();
    ///     assert_eq!(gpu.to_host(&y).unwrap(), vec![1.0, 2.0]);
    /// }
    /// ```
    pub fn spmv(&self, x: &GpuVec, y: &mut GpuVec) -> Result<()> {
        check_len("GpuCsr::spmv: x", self.fwd.cols, x.len());
        check_len("GpuCsr::spmv: y", self.fwd.rows, y.len());
        match (&self.cusparse, self.engine) {
            (Some(c), SpmvEngine::Cusparse) if self.fwd.nnz > 0 => {
                c.spmv(&self.gpu, false, &x.buf, &mut y.buf)
            }
            _ => self.fwd.spmv(&self.gpu, &x.buf, &mut y.buf),
        }
    }

    /// `x ← Aᵀ y` on the device (no transfer).
    ///
    /// # Errors
    /// [`Error::Device`] if a launch fails.
    ///
    /// # Panics
    /// If `y` or `x` has the wrong length.
    ///
    /// ```
    /// # use cstk_linop::{CsrMatrix, gpu::{Gpu, GpuCsr}};
    /// let a = CsrMatrix::try_from_raw_parts(1, 2, vec![0, 2], vec![0, 1], vec![1.0, 2.0]).unwrap();
    /// if let Ok(gpu) = Gpu::new(0) {
    ///     let d = GpuCsr::upload(&gpu, &a).unwrap();
    ///     let (y, mut x) = (gpu.upload(&[3.0]).unwrap(), gpu.zeros(2).unwrap());
    ///     d.spmv_t(&y, &mut x).unwrap();
    ///     assert_eq!(gpu.to_host(&x).unwrap(), vec![3.0, 6.0]);
    /// }
    /// ```
    pub fn spmv_t(&self, y: &GpuVec, x: &mut GpuVec) -> Result<()> {
        check_len("GpuCsr::spmv_t: y", self.fwd.rows, y.len());
        check_len("GpuCsr::spmv_t: x", self.fwd.cols, x.len());
        match (&self.cusparse, self.engine) {
            (Some(c), SpmvEngine::Cusparse) if self.fwd.nnz > 0 => {
                c.spmv(&self.gpu, true, &y.buf, &mut x.buf)
            }
            _ => self.adj.spmv(&self.gpu, &y.buf, &mut x.buf),
        }
    }

    /// `‖A‖₂` by power iteration on the device: the algorithm of
    /// [`PowerIteration::run`] (same seeded start, same stopping rule), so the estimate
    /// agrees with the CPU's to rounding.
    ///
    /// # Errors
    /// Invalid parameters, [`Error::NonFinite`], or [`Error::Device`].
    ///
    /// ```
    /// # use cstk_linop::{CsrMatrix, PowerIteration, gpu::{Gpu, GpuCsr}};
    /// if let Ok(gpu) = Gpu::new(0) {
    ///     let d = GpuCsr::upload(&gpu, &CsrMatrix::<f64>::identity(3)).unwrap();
    ///     assert!((d.norm_est(&PowerIteration::default()).unwrap().norm - 1.0).abs() < 1e-12);
    /// }
    /// ```
    pub fn norm_est(&self, p: &PowerIteration) -> Result<NormEstimate> {
        p.validate()?;
        let (m, n) = (self.nrows(), self.ncols());
        if m == 0 || n == 0 {
            return Ok(NormEstimate {
                norm: 0.0,
                iterations: 0,
                converged: true,
            });
        }
        let g = &self.gpu;
        let mut x = g.upload(&testing::random_vec::<f64>(n, p.seed))?;
        let mut u = g.zeros(m)?;
        let nx = g.norm2(&x)?;
        if nx.is_finite() && nx > 0.0 {
            g.unscale(&mut x, nx)?;
        }
        let non_finite = |what: &str, k: usize, v: f64| Error::NonFinite {
            context: format!("power iteration on the GPU ({what})"),
            position: format!("iteration {k}, norm of the vector"),
            value: v.to_string(),
        };
        let mut prev = 0.0f64;
        for k in 1..=p.max_iter {
            self.spmv(&x, &mut u)?;
            let au = g.norm2(&u)?;
            if !au.is_finite() {
                return Err(non_finite("A x", k, au));
            }
            if au == 0.0 {
                return Ok(NormEstimate {
                    norm: 0.0,
                    iterations: k,
                    converged: true,
                });
            }
            g.unscale(&mut u, au)?;
            self.spmv_t(&u, &mut x)?;
            let sigma = g.norm2(&x)?;
            if !sigma.is_finite() {
                return Err(non_finite("Aᵀ u", k, sigma));
            }
            if sigma == 0.0 {
                return Ok(NormEstimate {
                    norm: au,
                    iterations: k,
                    converged: true,
                });
            }
            g.unscale(&mut x, sigma)?;
            if k > 1 && (sigma - prev).abs() <= p.tol * sigma {
                return Ok(NormEstimate {
                    norm: sigma,
                    iterations: k,
                    converged: true,
                });
            }
            prev = sigma;
        }
        Ok(NormEstimate {
            norm: prev,
            iterations: p.max_iter,
            converged: false,
        })
    }

    /// The first device error met by the [`LinOp`] methods since the last call (they
    /// cannot return one: they fill their output with NaN instead).
    ///
    /// ```
    /// # use cstk_linop::{CsrMatrix, gpu::{Gpu, GpuCsr}};
    /// if let Ok(gpu) = Gpu::new(0) {
    ///     let d = GpuCsr::upload(&gpu, &CsrMatrix::<f64>::identity(2)).unwrap();
    ///     assert!(d.take_error().is_none());
    /// }
    /// ```
    pub fn take_error(&self) -> Option<Error> {
        self.io
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .error
            .take()
    }

    /// One host-buffer product through the device.
    fn host_product(&self, transpose: bool, input: &[f64], output: &mut [f64]) {
        let mut io = self.io.lock().unwrap_or_else(|p| p.into_inner());
        let io = &mut *io;
        let (n_in, n_out) = if transpose {
            (self.nrows(), self.ncols())
        } else {
            (self.ncols(), self.nrows())
        };
        let g = &self.gpu;
        let mut run = |io: &mut HostIo| -> Result<()> {
            if io.x.is_none() {
                io.x = Some(g.zeros(self.ncols())?);
                io.y = Some(g.zeros(self.nrows())?);
            }
            let (xs, ys) = (io.x.as_mut().unwrap(), io.y.as_mut().unwrap());
            let (src, dst) = if transpose { (ys, xs) } else { (xs, ys) };
            debug_assert_eq!((src.len(), dst.len()), (n_in, n_out));
            g.copy_from_host(input, src)?;
            if transpose {
                self.spmv_t(src, dst)?;
            } else {
                self.spmv(src, dst)?;
            }
            g.download(dst, output)
        };
        if let Err(e) = run(io) {
            output.fill(f64::NAN);
            io.error.get_or_insert(e);
        }
    }
}

impl LinOp<f64> for GpuCsr {
    fn nrows(&self) -> usize {
        self.fwd.rows
    }

    fn ncols(&self) -> usize {
        self.fwd.cols
    }

    fn apply_with_scratch(&self, x: &[f64], y: &mut [f64], _scratch: &mut [f64]) {
        check_len("GpuCsr apply: x", self.fwd.cols, x.len());
        check_len("GpuCsr apply: y", self.fwd.rows, y.len());
        self.host_product(false, x, y);
    }

    fn adjoint_with_scratch(&self, y: &[f64], x: &mut [f64], _scratch: &mut [f64]) {
        check_len("GpuCsr adjoint: y", self.fwd.rows, y.len());
        check_len("GpuCsr adjoint: x", self.fwd.cols, x.len());
        self.host_product(true, y, x);
    }
}

impl std::fmt::Debug for GpuCsr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "GpuCsr({}×{}, {} nonzeros, {:?}, on {})",
            self.nrows(),
            self.ncols(),
            self.nnz(),
            self.engine,
            self.gpu.name()
        )
    }
}

/// Used by the cuSPARSE setup.
pub(crate) fn no_cusparse() -> Error {
    device_error(
        "cuSPARSE",
        "libcusparse.so was not found; install the CUDA toolkit's cuSPARSE or put its folder \
         on LD_LIBRARY_PATH (or use the kernels engine)",
    )
}

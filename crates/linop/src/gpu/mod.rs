//! The optional CUDA backend (cargo feature `cuda`): device vectors, BLAS-1 style kernels
//! with deterministic reductions, and [`GpuCsr`], a CSR matrix uploaded once whose `A x`
//! and `Aᵀ y` run on the GPU.
//!
//! CUDA is loaded at run time (the driver `libcuda`, NVRTC and, for
//! [`SpmvEngine::Cusparse`], cuSPARSE), so a build with the feature needs no CUDA toolkit
//! and runs on machines without a GPU: [`Gpu::new`] then returns [`Error::Device`] saying
//! what is missing. The kernels are CUDA C compiled by NVRTC for the device's compute
//! capability when the [`Gpu`] is created (once per process and device).
//!
//! Precision: `f64` (the scalar of the CPU solvers the device path must agree with).
//!
//! ```
//! use cstk_linop::gpu::Gpu;
//! match Gpu::new(0) {
//!     Ok(gpu) => println!("running on {}", gpu.name()),
//!     Err(e) => println!("no GPU here: {e}"), // e.g. the driver library was not found
//! }
//! ```

mod csr;
mod cusparse;
mod kernels;

pub use csr::{GpuCsr, SpmvEngine};
pub use kernels::{KERNELS, LONG_ROW, SOURCE, lanes_per_row};

use crate::{Error, Result, check_len};
use cudarc::driver::{
    CudaContext, CudaFunction, CudaModule, CudaSlice, CudaStream, DriverError, LaunchConfig,
    PushKernelArg,
};
use kernels::{BLOCK, MAX_REDUCE_BLOCKS, reduce_grid};
use std::sync::{Arc, Mutex};

/// A device error: what failed, and why.
pub(crate) fn device_error(what: impl std::fmt::Display, why: impl std::fmt::Display) -> Error {
    Error::Device {
        reason: format!("{what}: {why}"),
    }
}

fn driver(what: &'static str) -> impl Fn(DriverError) -> Error {
    move |e| device_error(what, e)
}

/// Whether the CUDA driver library can be loaded (no device is touched).
///
/// ```
/// let _present: bool = cstk_linop::gpu::driver_present();
/// ```
pub fn driver_present() -> bool {
    // SAFETY: only tries to open the shared library under its usual names (dlopen); no
    // symbol is called.
    unsafe { cudarc::driver::sys::is_culib_present() }
}

/// Whether NVRTC (the run-time CUDA C compiler) can be loaded.
///
/// ```
/// let _present: bool = cstk_linop::gpu::nvrtc_present();
/// ```
pub fn nvrtc_present() -> bool {
    // SAFETY: as in `driver_present`: a dlopen attempt only.
    unsafe { cudarc::nvrtc::sys::is_culib_present() }
}

/// Compiles [`SOURCE`] to PTX for `arch` (e.g. `"compute_90"`) with the options the
/// backend uses; needs NVRTC but no GPU. Used by [`Gpu::new`] and by the tests that check
/// the kernels compile on machines without a GPU.
///
/// # Errors
/// [`Error::Device`] when NVRTC is not found or the source does not compile (with NVRTC's log).
///
/// ```
/// if cstk_linop::gpu::nvrtc_present() {
///     let ptx = cstk_linop::gpu::compile_kernels("compute_80").unwrap();
///     assert!(ptx.contains(".entry csr_vector"));
/// }
/// ```
pub fn compile_kernels(arch: &str) -> Result<String> {
    Ok(compile(arch)?.to_src())
}

fn compile(arch: &str) -> Result<cudarc::nvrtc::Ptx> {
    if !nvrtc_present() {
        return Err(device_error(
            "compiling the CUDA kernels",
            "NVRTC (libnvrtc.so) was not found; install the CUDA toolkit's NVRTC or put its \
             folder on LD_LIBRARY_PATH",
        ));
    }
    let opts = cudarc::nvrtc::CompileOptions {
        fmad: Some(false),
        options: vec![format!("--gpu-architecture={arch}")],
        name: Some("cstk_kernels.cu".into()),
        ..Default::default()
    };
    cudarc::nvrtc::compile_ptx_with_opts(SOURCE, opts)
        .map_err(|e| device_error("compiling the CUDA kernels with NVRTC", format!("{e:?}")))
}

/// The loaded kernels.
struct Kernels {
    csr_vector: CudaFunction,
    csr_long_rows: CudaFunction,
    lincomb: CudaFunction,
    extrapolate: CudaFunction,
    shrink_step: CudaFunction,
    unscale: CudaFunction,
    sum_sq_diff: CudaFunction,
    step_stats: CudaFunction,
    residual_stats: CudaFunction,
    max_abs: CudaFunction,
    sum_sq: CudaFunction,
    finish: CudaFunction,
}

impl Kernels {
    fn load(module: &Arc<CudaModule>) -> Result<Self> {
        let f = |name: &str| {
            module
                .load_function(name)
                .map_err(|e| device_error(format!("loading kernel {name}"), e))
        };
        Ok(Kernels {
            csr_vector: f("csr_vector")?,
            csr_long_rows: f("csr_long_rows")?,
            lincomb: f("lincomb")?,
            extrapolate: f("extrapolate")?,
            shrink_step: f("shrink_step")?,
            unscale: f("unscale")?,
            sum_sq_diff: f("sum_sq_diff")?,
            step_stats: f("step_stats")?,
            residual_stats: f("residual_stats")?,
            max_abs: f("max_abs")?,
            sum_sq: f("sum_sq")?,
            finish: f("finish")?,
        })
    }
}

/// Scratch of the reductions: per-block partials and the final values.
struct ReduceScratch {
    part: CudaSlice<f64>,
    out: CudaSlice<f64>,
}

/// One CUDA device with the backend's kernels loaded and one stream on which all its work
/// runs in order. Create it once ([`Gpu::new`]) and share the `Arc`.
pub struct Gpu {
    stream: Arc<CudaStream>,
    kernels: Kernels,
    name: String,
    compute: (i32, i32),
    memory: usize,
    scratch: Mutex<ReduceScratch>,
}

/// The figures [`Gpu::step_stats`] returns for a proximal-gradient step from `xo` to `xn`
/// taken at the extrapolated point `z`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepStats {
    /// `‖xn‖₁`.
    pub l1: f64,
    /// `‖xn − xo‖²`.
    pub step_sq: f64,
    /// `‖xn‖²`.
    pub norm_sq: f64,
    /// `⟨z − xn, xn − xo⟩` (positive: the step points against the momentum).
    pub momentum_dot: f64,
}

/// A vector of `f64` in device memory, made by [`Gpu::upload`] or [`Gpu::zeros`].
pub struct GpuVec {
    // at least one element (CUDA refuses empty allocations); `len` is the vector's length
    buf: CudaSlice<f64>,
    len: usize,
}

impl GpuVec {
    /// Number of entries.
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) {
    ///     assert_eq!(gpu.zeros(5).unwrap().len(), 5);
    /// }
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the vector has no entries.
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) {
    ///     assert!(gpu.zeros(0).unwrap().is_empty());
    /// }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A zeroed device buffer of `n` elements, at least one (CUDA refuses empty allocations).
pub(crate) fn alloc_zeros<T: cudarc::driver::DeviceRepr + cudarc::driver::ValidAsZeroBits>(
    stream: &Arc<CudaStream>,
    n: usize,
) -> std::result::Result<CudaSlice<T>, DriverError> {
    stream.alloc_zeros::<T>(n.max(1))
}

/// A device copy of `data` (one zero element when `data` is empty).
pub(crate) fn htod<T: cudarc::driver::DeviceRepr + cudarc::driver::ValidAsZeroBits>(
    stream: &Arc<CudaStream>,
    data: &[T],
) -> std::result::Result<CudaSlice<T>, DriverError> {
    if data.is_empty() {
        alloc_zeros(stream, 1)
    } else {
        stream.clone_htod(data)
    }
}

/// Lengths and indices on the device are 32-bit.
fn check_device_len(what: &str, n: usize) -> Result<i32> {
    i32::try_from(n).map_err(|_| Error::InvalidParam {
        name: "length",
        value: format!("{n} ({what})"),
        expected: format!("at most {} on the GPU (32-bit indices)", i32::MAX),
    })
}

fn elementwise(n: usize) -> LaunchConfig {
    LaunchConfig {
        grid_dim: ((n.div_ceil(BLOCK as usize)).clamp(1, 1 << 20) as u32, 1, 1),
        block_dim: (BLOCK, 1, 1),
        shared_mem_bytes: 0,
    }
}

fn blocks(grid: u32) -> LaunchConfig {
    LaunchConfig {
        grid_dim: (grid, 1, 1),
        block_dim: (BLOCK, 1, 1),
        shared_mem_bytes: 0,
    }
}

impl Gpu {
    /// Opens device `ordinal`, compiles and loads the kernels, and creates its stream.
    ///
    /// # Errors
    /// [`Error::Device`] naming what is missing: the driver library, a device with that
    /// ordinal, NVRTC, or a failed compilation or load.
    ///
    /// ```
    /// match cstk_linop::gpu::Gpu::new(0) {
    ///     Ok(gpu) => assert!(gpu.compute_capability().0 >= 3),
    ///     Err(e) => assert!(e.to_string().contains("GPU") || e.to_string().contains("CUDA")),
    /// }
    /// ```
    pub fn new(ordinal: usize) -> Result<Arc<Gpu>> {
        if !driver_present() {
            return Err(device_error(
                format!("opening CUDA device {ordinal}"),
                "the NVIDIA driver library (libcuda.so) was not found; cstk loads CUDA at \
                 run time, so this machine needs an NVIDIA driver",
            ));
        }
        let count =
            CudaContext::device_count().map_err(driver("initialising the CUDA driver (cuInit)"))?;
        if ordinal >= count.max(0) as usize {
            return Err(device_error(
                format!("CUDA GPU {ordinal}"),
                format!("the driver reports {count} device(s)"),
            ));
        }
        let ctx = CudaContext::new(ordinal).map_err(driver("creating the CUDA context"))?;
        // SAFETY: every buffer of this backend is used on the one stream made below, in
        // order, so cudarc's cross-stream event tracking is not needed.
        unsafe { ctx.disable_event_tracking() };
        let compute = ctx
            .compute_capability()
            .map_err(driver("reading the compute capability"))?;
        let name = ctx.name().map_err(driver("reading the device name"))?;
        let memory = ctx.total_mem().map_err(driver("reading the memory size"))?;
        let ptx = compile(&format!("compute_{}{}", compute.0, compute.1))?;
        let module = ctx
            .load_module(ptx)
            .map_err(driver("loading the compiled kernels"))?;
        let kernels = Kernels::load(&module)?;
        let stream = ctx.new_stream().map_err(driver("creating a stream"))?;
        let part = stream
            .alloc_zeros::<f64>(4 * MAX_REDUCE_BLOCKS as usize)
            .map_err(driver("allocating reduction scratch"))?;
        let out = stream
            .alloc_zeros::<f64>(4)
            .map_err(driver("allocating reduction scratch"))?;
        Ok(Arc::new(Gpu {
            stream,
            kernels,
            name,
            compute,
            memory,
            scratch: Mutex::new(ReduceScratch { part, out }),
        }))
    }

    /// The device's name (e.g. `"NVIDIA H100 80GB HBM3"`).
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) { assert!(!gpu.name().is_empty()); }
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The compute capability `(major, minor)`.
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) { assert!(gpu.compute_capability().0 > 0); }
    /// ```
    pub fn compute_capability(&self) -> (i32, i32) {
        self.compute
    }

    /// Total device memory in bytes.
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) { assert!(gpu.memory_bytes() > 0); }
    /// ```
    pub fn memory_bytes(&self) -> usize {
        self.memory
    }

    pub(crate) fn stream(&self) -> &Arc<CudaStream> {
        &self.stream
    }

    /// Waits until all queued work is done (for timing).
    ///
    /// # Errors
    /// [`Error::Device`] if queued work failed.
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) { gpu.synchronize().unwrap(); }
    /// ```
    pub fn synchronize(&self) -> Result<()> {
        self.stream.synchronize().map_err(driver("synchronizing"))
    }

    /// Copies `x` to a new device vector.
    ///
    /// # Errors
    /// [`Error::Device`] (out of memory, …); [`Error::InvalidParam`] beyond 2³¹ − 1 entries.
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) {
    ///     let v = gpu.upload(&[1.0, 2.0]).unwrap();
    ///     assert_eq!(gpu.to_host(&v).unwrap(), vec![1.0, 2.0]);
    /// }
    /// ```
    pub fn upload(&self, x: &[f64]) -> Result<GpuVec> {
        check_device_len("vector", x.len())?;
        let buf = htod(&self.stream, x).map_err(driver("copying a vector to the GPU"))?;
        Ok(GpuVec { buf, len: x.len() })
    }

    /// A new device vector of `n` zeros.
    ///
    /// # Errors
    /// As [`upload`](Self::upload).
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) {
    ///     assert_eq!(gpu.to_host(&gpu.zeros(3).unwrap()).unwrap(), vec![0.0; 3]);
    /// }
    /// ```
    pub fn zeros(&self, n: usize) -> Result<GpuVec> {
        check_device_len("vector", n)?;
        let buf = alloc_zeros(&self.stream, n).map_err(driver("allocating a vector on the GPU"))?;
        Ok(GpuVec { buf, len: n })
    }

    /// Overwrites `dst` with the host slice `x` (same length).
    ///
    /// # Errors
    /// [`Error::Device`] if the copy fails.
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) {
    ///     let mut v = gpu.zeros(2).unwrap();
    ///     gpu.copy_from_host(&[3.0, 4.0], &mut v).unwrap();
    ///     assert_eq!(gpu.to_host(&v).unwrap(), vec![3.0, 4.0]);
    /// }
    /// ```
    pub fn copy_from_host(&self, x: &[f64], dst: &mut GpuVec) -> Result<()> {
        check_len("copy_from_host: device vector", x.len(), dst.len());
        if x.is_empty() {
            return Ok(());
        }
        self.stream
            .memcpy_htod(x, &mut dst.buf)
            .map_err(driver("copying a vector to the GPU"))
    }

    /// Copies a device vector into the host slice `out` (same length); waits for it.
    ///
    /// # Errors
    /// [`Error::Device`] if the copy or earlier queued work failed.
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) {
    ///     let mut out = [0.0; 2];
    ///     gpu.download(&gpu.upload(&[5.0, 6.0]).unwrap(), &mut out).unwrap();
    ///     assert_eq!(out, [5.0, 6.0]);
    /// }
    /// ```
    pub fn download(&self, v: &GpuVec, out: &mut [f64]) -> Result<()> {
        check_len("download: host slice", v.len(), out.len());
        if out.is_empty() {
            return self.synchronize();
        }
        self.stream
            .memcpy_dtoh(&v.buf, out)
            .map_err(driver("copying a vector from the GPU"))?;
        self.synchronize()
    }

    /// A device vector as a new host `Vec`.
    ///
    /// # Errors
    /// As [`download`](Self::download).
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) {
    ///     assert_eq!(gpu.to_host(&gpu.upload(&[1.5]).unwrap()).unwrap(), vec![1.5]);
    /// }
    /// ```
    pub fn to_host(&self, v: &GpuVec) -> Result<Vec<f64>> {
        let mut out = vec![0.0; v.len()];
        self.download(v, &mut out)?;
        Ok(out)
    }

    /// `dst ← src` on the device.
    ///
    /// # Errors
    /// [`Error::Device`] if the copy fails.
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) {
    ///     let mut d = gpu.zeros(1).unwrap();
    ///     gpu.copy(&gpu.upload(&[2.0]).unwrap(), &mut d).unwrap();
    ///     assert_eq!(gpu.to_host(&d).unwrap(), vec![2.0]);
    /// }
    /// ```
    pub fn copy(&self, src: &GpuVec, dst: &mut GpuVec) -> Result<()> {
        check_len("copy: destination", src.len(), dst.len());
        if src.is_empty() {
            return Ok(());
        }
        self.stream
            .memcpy_dtod(&src.buf, &mut dst.buf)
            .map_err(driver("copying on the GPU"))
    }

    /// `out ← a u + b v`.
    ///
    /// # Errors
    /// [`Error::Device`] if the launch fails.
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) {
    ///     let (u, v) = (gpu.upload(&[1.0, 2.0]).unwrap(), gpu.upload(&[1.0, 1.0]).unwrap());
    ///     let mut out = gpu.zeros(2).unwrap();
    ///     gpu.lincomb(2.0, &u, -1.0, &v, &mut out).unwrap();
    ///     assert_eq!(gpu.to_host(&out).unwrap(), vec![1.0, 3.0]);
    /// }
    /// ```
    pub fn lincomb(&self, a: f64, u: &GpuVec, b: f64, v: &GpuVec, out: &mut GpuVec) -> Result<()> {
        let n = u.len();
        check_len("lincomb: v", n, v.len());
        check_len("lincomb: out", n, out.len());
        let ni = n as i32;
        let mut l = self.stream.launch_builder(&self.kernels.lincomb);
        l.arg(&ni)
            .arg(&a)
            .arg(&u.buf)
            .arg(&b)
            .arg(&v.buf)
            .arg(&mut out.buf);
        // SAFETY: the kernel's signature is (int, double, const double*, double,
        // const double*, double*), matched above; all three vectors hold n entries.
        unsafe { l.launch(elementwise(n)) }
            .map(drop)
            .map_err(driver("launching lincomb"))
    }

    /// `out ← xn + (xn − xo)·β` (FISTA's extrapolation, rounded as the CPU solver rounds it).
    ///
    /// # Errors
    /// [`Error::Device`] if the launch fails.
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) {
    ///     let (xn, xo) = (gpu.upload(&[2.0]).unwrap(), gpu.upload(&[1.0]).unwrap());
    ///     let mut z = gpu.zeros(1).unwrap();
    ///     gpu.extrapolate(&xn, &xo, 0.5, &mut z).unwrap();
    ///     assert_eq!(gpu.to_host(&z).unwrap(), vec![2.5]);
    /// }
    /// ```
    pub fn extrapolate(&self, xn: &GpuVec, xo: &GpuVec, beta: f64, out: &mut GpuVec) -> Result<()> {
        let n = xn.len();
        check_len("extrapolate: xo", n, xo.len());
        check_len("extrapolate: out", n, out.len());
        let ni = n as i32;
        let mut l = self.stream.launch_builder(&self.kernels.extrapolate);
        l.arg(&ni)
            .arg(&xn.buf)
            .arg(&xo.buf)
            .arg(&beta)
            .arg(&mut out.buf);
        // SAFETY: signature (int, const double*, const double*, double, double*); n entries each.
        unsafe { l.launch(elementwise(n)) }
            .map(drop)
            .map_err(driver("launching extrapolate"))
    }

    /// `out ← soft_t(z − s·g)`, `soft_t(r) = sign(r)·max(|r| − t, 0)`: the proximal-gradient
    /// step of `(t/s)‖·‖₁` with step `s`.
    ///
    /// # Errors
    /// [`Error::Device`] if the launch fails.
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) {
    ///     let (z, g) = (gpu.upload(&[3.0, 0.5]).unwrap(), gpu.upload(&[1.0, 0.0]).unwrap());
    ///     let mut out = gpu.zeros(2).unwrap();
    ///     gpu.shrink_step(&z, &g, 1.0, 1.0, &mut out).unwrap();
    ///     assert_eq!(gpu.to_host(&out).unwrap(), vec![1.0, 0.0]);
    /// }
    /// ```
    pub fn shrink_step(
        &self,
        z: &GpuVec,
        g: &GpuVec,
        s: f64,
        t: f64,
        out: &mut GpuVec,
    ) -> Result<()> {
        let n = z.len();
        check_len("shrink_step: g", n, g.len());
        check_len("shrink_step: out", n, out.len());
        let ni = n as i32;
        let mut l = self.stream.launch_builder(&self.kernels.shrink_step);
        l.arg(&ni)
            .arg(&z.buf)
            .arg(&g.buf)
            .arg(&s)
            .arg(&t)
            .arg(&mut out.buf);
        // SAFETY: signature (int, const double*, const double*, double, double, double*).
        unsafe { l.launch(elementwise(n)) }
            .map(drop)
            .map_err(driver("launching shrink_step"))
    }

    /// `v ← v / s`.
    ///
    /// # Errors
    /// [`Error::Device`] if the launch fails.
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) {
    ///     let mut v = gpu.upload(&[3.0]).unwrap();
    ///     gpu.unscale(&mut v, 2.0).unwrap();
    ///     assert_eq!(gpu.to_host(&v).unwrap(), vec![1.5]);
    /// }
    /// ```
    pub fn unscale(&self, v: &mut GpuVec, s: f64) -> Result<()> {
        let n = v.len();
        let ni = n as i32;
        let mut l = self.stream.launch_builder(&self.kernels.unscale);
        l.arg(&ni).arg(&mut v.buf).arg(&s);
        // SAFETY: signature (int, double*, double).
        unsafe { l.launch(elementwise(n)) }
            .map(drop)
            .map_err(driver("launching unscale"))
    }

    /// Runs a first-pass reduction `launch(grid, part)` writing `count` rows of partials,
    /// then the fixed-order finish, and returns the `count` values.
    fn reduce<const K: usize>(
        &self,
        n: usize,
        is_max: bool,
        what: &'static str,
        launch: impl FnOnce(LaunchConfig, &mut CudaSlice<f64>) -> std::result::Result<(), DriverError>,
    ) -> Result<[f64; K]> {
        let grid = reduce_grid(n);
        let mut guard = self.scratch.lock().unwrap_or_else(|p| p.into_inner());
        let ReduceScratch { part, out } = &mut *guard;
        launch(blocks(grid), part).map_err(driver(what))?;
        let (np, count, mx) = (grid as i32, K as i32, is_max as i32);
        let mut l = self.stream.launch_builder(&self.kernels.finish);
        l.arg(&np).arg(&count).arg(&mx).arg(&*part).arg(&mut *out);
        // SAFETY: signature (int, int, int, const double*, double*); `part` holds
        // 4 × MAX_REDUCE_BLOCKS ≥ K × grid partials and `out` 4 ≥ K values.
        unsafe { l.launch(blocks(1)) }.map_err(driver("launching the reduction finish"))?;
        let mut host = [0.0; 4];
        self.stream
            .memcpy_dtoh(&*out, &mut host[..])
            .map_err(driver("copying a reduction from the GPU"))?;
        self.synchronize()?;
        let mut r = [0.0; K];
        r.copy_from_slice(&host[..K]);
        Ok(r)
    }

    /// `‖u − v‖²`.
    ///
    /// # Errors
    /// [`Error::Device`] if a launch or the copy fails.
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) {
    ///     let (u, v) = (gpu.upload(&[3.0, 1.0]).unwrap(), gpu.upload(&[0.0, 5.0]).unwrap());
    ///     assert_eq!(gpu.sum_sq_diff(&u, &v).unwrap(), 25.0);
    /// }
    /// ```
    pub fn sum_sq_diff(&self, u: &GpuVec, v: &GpuVec) -> Result<f64> {
        let n = u.len();
        check_len("sum_sq_diff: v", n, v.len());
        let ni = n as i32;
        let [r] = self.reduce::<1>(n, false, "launching sum_sq_diff", |cfg, part| {
            let mut l = self.stream.launch_builder(&self.kernels.sum_sq_diff);
            l.arg(&ni).arg(&u.buf).arg(&v.buf).arg(part);
            // SAFETY: signature (int, const double*, const double*, double*); `part` holds
            // at least one partial per block.
            unsafe { l.launch(cfg) }.map(drop)
        })?;
        Ok(r)
    }

    /// `‖v‖₂` (no scaling: finite for `‖v‖² < f64::MAX`).
    ///
    /// # Errors
    /// [`Error::Device`] if a launch or the copy fails.
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) {
    ///     assert_eq!(gpu.norm2(&gpu.upload(&[3.0, 4.0]).unwrap()).unwrap(), 5.0);
    /// }
    /// ```
    pub fn norm2(&self, v: &GpuVec) -> Result<f64> {
        let n = v.len();
        let ni = n as i32;
        let [r] = self.reduce::<1>(n, false, "launching sum_sq", |cfg, part| {
            let mut l = self.stream.launch_builder(&self.kernels.sum_sq);
            l.arg(&ni).arg(&v.buf).arg(part);
            // SAFETY: signature (int, const double*, double*).
            unsafe { l.launch(cfg) }.map(drop)
        })?;
        Ok(r.sqrt())
    }

    /// `max |v_i|` (0 for an empty vector; NaN if any entry is NaN).
    ///
    /// # Errors
    /// [`Error::Device`] if a launch or the copy fails.
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) {
    ///     assert_eq!(gpu.max_abs(&gpu.upload(&[1.0, -7.0, 2.0]).unwrap()).unwrap(), 7.0);
    /// }
    /// ```
    pub fn max_abs(&self, v: &GpuVec) -> Result<f64> {
        let n = v.len();
        let ni = n as i32;
        let [r] = self.reduce::<1>(n, true, "launching max_abs", |cfg, part| {
            let mut l = self.stream.launch_builder(&self.kernels.max_abs);
            l.arg(&ni).arg(&v.buf).arg(part);
            // SAFETY: signature (int, const double*, double*).
            unsafe { l.launch(cfg) }.map(drop)
        })?;
        Ok(r)
    }

    /// The figures of a proximal-gradient step (see [`StepStats`]) in one pass.
    ///
    /// # Errors
    /// [`Error::Device`] if a launch or the copy fails.
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) {
    ///     let z = gpu.upload(&[1.0, 0.0]).unwrap();
    ///     let xn = gpu.upload(&[2.0, -1.0]).unwrap();
    ///     let xo = gpu.upload(&[0.0, 0.0]).unwrap();
    ///     let s = gpu.step_stats(&z, &xn, &xo).unwrap();
    ///     assert_eq!((s.l1, s.step_sq, s.norm_sq, s.momentum_dot), (3.0, 5.0, 5.0, -1.0));
    /// }
    /// ```
    pub fn step_stats(&self, z: &GpuVec, xn: &GpuVec, xo: &GpuVec) -> Result<StepStats> {
        let n = xn.len();
        check_len("step_stats: z", n, z.len());
        check_len("step_stats: xo", n, xo.len());
        let ni = n as i32;
        let [l1, step_sq, norm_sq, momentum_dot] =
            self.reduce::<4>(n, false, "launching step_stats", |cfg, part| {
                let mut l = self.stream.launch_builder(&self.kernels.step_stats);
                l.arg(&ni).arg(&z.buf).arg(&xn.buf).arg(&xo.buf).arg(part);
                // SAFETY: signature (int, const double* ×3, double*); `part` holds 4
                // partials per block.
                unsafe { l.launch(cfg) }.map(drop)
            })?;
        Ok(StepStats {
            l1,
            step_sq,
            norm_sq,
            momentum_dot,
        })
    }

    /// `res ← y − ax`; returns `(⟨y, res⟩, ‖res‖²)`.
    ///
    /// # Errors
    /// [`Error::Device`] if a launch or the copy fails.
    ///
    /// ```
    /// if let Ok(gpu) = cstk_linop::gpu::Gpu::new(0) {
    ///     let (y, ax) = (gpu.upload(&[3.0]).unwrap(), gpu.upload(&[1.0]).unwrap());
    ///     let mut res = gpu.zeros(1).unwrap();
    ///     assert_eq!(gpu.residual_stats(&y, &ax, &mut res).unwrap(), (6.0, 4.0));
    /// }
    /// ```
    pub fn residual_stats(&self, y: &GpuVec, ax: &GpuVec, res: &mut GpuVec) -> Result<(f64, f64)> {
        let n = y.len();
        check_len("residual_stats: ax", n, ax.len());
        check_len("residual_stats: res", n, res.len());
        let ni = n as i32;
        let [yr, rr] = self.reduce::<2>(n, false, "launching residual_stats", |cfg, part| {
            let mut l = self.stream.launch_builder(&self.kernels.residual_stats);
            l.arg(&ni)
                .arg(&y.buf)
                .arg(&ax.buf)
                .arg(&mut res.buf)
                .arg(part);
            // SAFETY: signature (int, const double*, const double*, double*, double*).
            unsafe { l.launch(cfg) }.map(drop)
        })?;
        Ok((yr, rr))
    }
}

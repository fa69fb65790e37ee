//! The cuSPARSE engine of [`GpuCsr`](super::GpuCsr): `cusparseSpMV` on the two CSR copies.

use super::csr::{DevCsr, no_cusparse};
use super::{Gpu, alloc_zeros, device_error, driver};
use crate::Result;
use cudarc::cusparse::sys;
use cudarc::driver::{CudaSlice, CudaStream, DevicePtr, DevicePtrMut};
use std::ffi::c_void;
use std::sync::{Arc, Mutex};

fn status(what: &'static str) -> impl Fn(sys::cusparseStatus_t) -> Result<()> {
    move |s| {
        if s == sys::cusparseStatus_t::CUSPARSE_STATUS_SUCCESS {
            Ok(())
        } else {
            Err(device_error(format!("cuSPARSE {what}"), format!("{s:?}")))
        }
    }
}

const ALG: sys::cusparseSpMVAlg_t = sys::cusparseSpMVAlg_t::CUSPARSE_SPMV_CSR_ALG2;
const F64: sys::cudaDataType = sys::cudaDataType::CUDA_R_64F;

/// A cuSPARSE handle on the device's stream, a descriptor for `A` and one for `Aᵀ`, and
/// the work buffer `cusparseSpMV` asked for (the larger of the two).
pub(crate) struct Cusparse {
    handle: sys::cusparseHandle_t,
    fwd: sys::cusparseSpMatDescr_t,
    adj: sys::cusparseSpMatDescr_t,
    fwd_dims: (usize, usize),
    buffer: CudaSlice<u8>,
    stream: Arc<CudaStream>,
    /// Dense-vector descriptors of length `n` (columns of A) and `m` (rows), made once and
    /// pointed at each call's vectors; the lock also serialises the calls on the handle.
    vecs: Mutex<[DnVec; 2]>,
}

// SAFETY: the handle and descriptors are only used through `&self` methods that queue
// work on the one stream of the owning `Gpu`; every call on the handle after construction
// holds the `vecs` lock, so no two threads use the handle at once (the raw pointers are not
// aliased elsewhere).
unsafe impl Send for Cusparse {}
// SAFETY: as above.
unsafe impl Sync for Cusparse {}

fn create_mat(gpu: &Gpu, a: &DevCsr) -> Result<sys::cusparseSpMatDescr_t> {
    let s = gpu.stream();
    let (ptr, _g1) = a.ptr.device_ptr(s);
    let (idx, _g2) = a.idx.device_ptr(s);
    let (val, _g3) = a.val.device_ptr(s);
    let mut d: sys::cusparseSpMatDescr_t = std::ptr::null_mut();
    // SAFETY: the pointers are device allocations of rows + 1, nnz and nnz entries that
    // outlive the descriptor (the descriptor is destroyed first, see `GpuCsr`'s field order);
    // cuSPARSE only reads them for a non-transposed SpMV.
    let st = unsafe {
        sys::cusparseCreateCsr(
            &mut d,
            a.rows as i64,
            a.cols as i64,
            a.nnz as i64,
            ptr as *mut c_void,
            idx as *mut c_void,
            val as *mut c_void,
            sys::cusparseIndexType_t::CUSPARSE_INDEX_32I,
            sys::cusparseIndexType_t::CUSPARSE_INDEX_32I,
            sys::cusparseIndexBase_t::CUSPARSE_INDEX_BASE_ZERO,
            F64,
        )
    };
    status("cusparseCreateCsr")(st)?;
    Ok(d)
}

/// A dense-vector descriptor of a fixed length, pointed at a device buffer before each use
/// ([`DnVec::set`]), destroyed on drop.
struct DnVec(sys::cusparseDnVecDescr_t);

impl DnVec {
    fn new(len: usize, ptr: u64) -> Result<Self> {
        let mut d: sys::cusparseDnVecDescr_t = std::ptr::null_mut();
        // SAFETY: `ptr` is a device allocation of `len` f64 values; cuSPARSE stores the
        // pointer and reads it only in the calls made before the next `set`, while it lives.
        let st = unsafe { sys::cusparseCreateDnVec(&mut d, len as i64, ptr as *mut c_void, F64) };
        status("cusparseCreateDnVec")(st)?;
        Ok(DnVec(d))
    }

    /// Points the descriptor at another device buffer of the same length.
    fn set(&mut self, ptr: u64) -> Result<()> {
        // SAFETY: `ptr` is a device allocation of the descriptor's length, alive until the
        // SpMV that uses it has been queued (the callers hold the buffers across the call).
        let st = unsafe { sys::cusparseDnVecSetValues(self.0, ptr as *mut c_void) };
        status("cusparseDnVecSetValues")(st)
    }
}

// SAFETY: a descriptor is plain host data owned by one `Cusparse` and used under its lock.
unsafe impl Send for DnVec {}

impl Drop for DnVec {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: created by cusparseCreateDnVec and destroyed once.
            unsafe { sys::cusparseDestroyDnVec(self.0) };
        }
    }
}

impl Cusparse {
    pub(crate) fn new(gpu: &Gpu, fwd: &DevCsr, adj: &DevCsr) -> Result<Self> {
        // SAFETY: a dlopen attempt only.
        if !unsafe { sys::is_culib_present() } {
            return Err(no_cusparse());
        }
        gpu.stream()
            .context()
            .bind_to_thread()
            .map_err(driver("binding the CUDA context"))?;
        let mut handle: sys::cusparseHandle_t = std::ptr::null_mut();
        // SAFETY: creates a handle; released in Drop.
        status("cusparseCreate")(unsafe { sys::cusparseCreate(&mut handle) })?;
        let mut me = Cusparse {
            handle,
            fwd: std::ptr::null_mut(),
            adj: std::ptr::null_mut(),
            fwd_dims: (fwd.rows, fwd.cols),
            stream: Arc::clone(gpu.stream()),
            buffer: alloc_zeros(gpu.stream(), 1)
                .map_err(driver("allocating the cuSPARSE buffer"))?,
            vecs: Mutex::new([DnVec(std::ptr::null_mut()), DnVec(std::ptr::null_mut())]),
        };
        // SAFETY: the handle is valid; the stream outlives it (the `Gpu` is held by the
        // owning `GpuCsr`).
        let st = unsafe {
            sys::cusparseSetStream(handle, gpu.stream().cu_stream() as sys::cudaStream_t)
        };
        status("cusparseSetStream")(st)?;
        me.fwd = create_mat(gpu, fwd)?;
        me.adj = create_mat(gpu, adj)?;
        // the two descriptors, over placeholder vectors for the buffer-size queries
        let (xn, xm) = (gpu.zeros(fwd.cols)?, gpu.zeros(fwd.rows)?);
        let (np, _gn) = xn.buf.device_ptr(gpu.stream());
        let (mp, _gm) = xm.buf.device_ptr(gpu.stream());
        let vecs = [DnVec::new(fwd.cols, np)?, DnVec::new(fwd.rows, mp)?];
        let mut need = 1usize;
        for (mat, transpose) in [(me.fwd, false), (me.adj, true)] {
            let (vx, vy) = if transpose {
                (&vecs[1], &vecs[0])
            } else {
                (&vecs[0], &vecs[1])
            };
            let (alpha, beta) = (1.0f64, 0.0f64);
            let mut size = 0usize;
            // SAFETY: valid handle and descriptors; alpha/beta are host f64 (the default
            // host pointer mode); `size` receives the work-buffer size.
            let st = unsafe {
                sys::cusparseSpMV_bufferSize(
                    handle,
                    sys::cusparseOperation_t::CUSPARSE_OPERATION_NON_TRANSPOSE,
                    (&alpha as *const f64).cast(),
                    mat as _,
                    vx.0 as _,
                    (&beta as *const f64).cast(),
                    vy.0,
                    F64,
                    ALG,
                    &mut size,
                )
            };
            status("cusparseSpMV_bufferSize")(st)?;
            need = need.max(size);
        }
        me.buffer =
            alloc_zeros(gpu.stream(), need).map_err(driver("allocating the cuSPARSE buffer"))?;
        me.vecs = Mutex::new(vecs);
        Ok(me)
    }

    /// `out ← A in` (`transpose`: `Aᵀ in`, from the explicit transpose).
    pub(crate) fn spmv(
        &self,
        gpu: &Gpu,
        transpose: bool,
        input: &CudaSlice<f64>,
        out: &mut CudaSlice<f64>,
    ) -> Result<()> {
        let rows = if transpose {
            self.fwd_dims.1
        } else {
            self.fwd_dims.0
        };
        if rows == 0 {
            return Ok(());
        }
        let mut vecs = self.vecs.lock().unwrap_or_else(|p| p.into_inner());
        let [vn, vm] = &mut *vecs;
        let (vx, vy) = if transpose { (vm, vn) } else { (vn, vm) };
        let s = gpu.stream();
        // cuSPARSE uses the calling thread's current context (cudarc's own calls bind it)
        s.context()
            .bind_to_thread()
            .map_err(driver("binding the CUDA context"))?;
        let (ip, _gi) = input.device_ptr(s);
        let (op, _go) = out.device_ptr_mut(s);
        vx.set(ip)?;
        vy.set(op)?;
        let (bp, _gb) = self.buffer.device_ptr(s);
        let (alpha, beta) = (1.0f64, 0.0f64);
        let mat = if transpose { self.adj } else { self.fwd };
        // SAFETY: valid handle, matrix and vector descriptors of matching sizes; the work
        // buffer has the size cusparseSpMV_bufferSize asked for; the call is queued on the
        // backend's stream, which orders it with every other use of these buffers.
        let st = unsafe {
            sys::cusparseSpMV(
                self.handle,
                sys::cusparseOperation_t::CUSPARSE_OPERATION_NON_TRANSPOSE,
                (&alpha as *const f64).cast(),
                mat as _,
                vx.0 as _,
                (&beta as *const f64).cast(),
                vy.0,
                F64,
                ALG,
                bp as *mut c_void,
            )
        };
        status("cusparseSpMV")(st)
    }
}

impl Drop for Cusparse {
    fn drop(&mut self) {
        let _ = self.stream.context().bind_to_thread();
        // SAFETY: each descriptor was created once (or is null, which cuSPARSE accepts) and
        // the handle is destroyed last.
        unsafe {
            if !self.fwd.is_null() {
                sys::cusparseDestroySpMat(self.fwd as _);
            }
            if !self.adj.is_null() {
                sys::cusparseDestroySpMat(self.adj as _);
            }
            sys::cusparseDestroy(self.handle);
        }
    }
}

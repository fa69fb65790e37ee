//! The CUDA C source of the backend's kernels, compiled once per device with NVRTC.
//!
//! Every reduction is deterministic: a fixed grid (a function of the length alone, see
//! [`reduce_grid`]) writes one partial per block, and one block sums the partials in a
//! fixed order, so the same input gives the same bits on every run. The kernels are
//! compiled with `--fmad=false`: the elementwise updates then round exactly as the CPU
//! code does (no fused multiply-add), which keeps the device FISTA on the CPU's path.

/// Threads per block of every kernel.
pub(crate) const BLOCK: u32 = 256;

/// Most blocks of a reduction's first pass.
pub(crate) const MAX_REDUCE_BLOCKS: u32 = 1024;

/// Rows longer than this are summed by a whole block each (`csr_long_rows`); the
/// vector kernel skips them. 4096 nonzeros keep 256 threads busy for 16 loads each.
pub const LONG_ROW: usize = 4096;

/// Blocks of a reduction's first pass over `n` entries: one per `BLOCK` entries, at most
/// [`MAX_REDUCE_BLOCKS`] (a grid-stride loop covers the rest). A function of `n` only, so
/// the summation order — and the result — never changes between runs.
pub(crate) fn reduce_grid(n: usize) -> u32 {
    n.div_ceil(BLOCK as usize)
        .clamp(1, MAX_REDUCE_BLOCKS as usize) as u32
}

/// Threads that share one row in the CSR-vector kernel, as a power of two in 1..=32: the
/// smallest power of two not below the mean row length (long rows use a whole warp).
///
/// ```
/// use cstk_linop::gpu::lanes_per_row;
/// assert_eq!(lanes_per_row(0.5), 1);
/// assert_eq!(lanes_per_row(3.0), 4);
/// assert_eq!(lanes_per_row(20.0), 32);
/// assert_eq!(lanes_per_row(1e6), 32);
/// ```
pub fn lanes_per_row(mean_row_len: f64) -> u32 {
    let mut lanes = 1u32;
    while lanes < 32 && (lanes as f64) < mean_row_len {
        lanes *= 2;
    }
    lanes
}

/// The names of the kernels in [`SOURCE`], in the order the backend loads them.
pub const KERNELS: &[&str] = &[
    "csr_vector",
    "csr_long_rows",
    "lincomb",
    "extrapolate",
    "shrink_step",
    "unscale",
    "sum_sq_diff",
    "step_stats",
    "residual_stats",
    "max_abs",
    "sum_sq",
    "finish",
];

/// The CUDA C source of all kernels.
pub const SOURCE: &str = r#"
#define BLOCK 256
#define QNAN __longlong_as_double(0x7ff8000000000000LL)

// Sum of `v` over the block, deterministic; the result is valid in thread 0.
__device__ double block_sum(double v) {
    __shared__ double warp_part[BLOCK / 32];
    const unsigned full = 0xffffffffu;
    for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(full, v, off);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads(); // warp_part may still be read by a previous call
    if (lane == 0) warp_part[warp] = v;
    __syncthreads();
    v = 0.0;
    if (warp == 0) {
        v = lane < (int)(blockDim.x >> 5) ? warp_part[lane] : 0.0;
        for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(full, v, off);
    }
    return v;
}

// Maximum of `v` over the block (v >= 0); valid in thread 0.
__device__ double block_max(double v) {
    __shared__ double warp_part[BLOCK / 32];
    const unsigned full = 0xffffffffu;
    for (int off = 16; off > 0; off >>= 1) v = fmax(v, __shfl_down_sync(full, v, off));
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) warp_part[warp] = v;
    __syncthreads();
    v = 0.0;
    if (warp == 0) {
        v = lane < (int)(blockDim.x >> 5) ? warp_part[lane] : 0.0;
        for (int off = 16; off > 0; off >>= 1) v = fmax(v, __shfl_down_sync(full, v, off));
    }
    return v;
}

// y = A x for CSR A: `lanes` (a power of two <= 32) threads per row, a grid-stride loop
// over rows; rows longer than `long_row` are left to csr_long_rows.
extern "C" __global__ void csr_vector(int m, const int* __restrict__ ptr,
                                      const int* __restrict__ idx,
                                      const double* __restrict__ val,
                                      const double* __restrict__ x, double* __restrict__ y,
                                      int lanes_log2, int long_row) {
    const int lanes = 1 << lanes_log2;
    const long long tid = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const int lane = threadIdx.x & (lanes - 1);
    const unsigned group_mask = lanes == 32
        ? 0xffffffffu
        : (((1u << lanes) - 1u) << ((threadIdx.x & 31) & ~(lanes - 1)));
    const long long groups = ((long long)gridDim.x * blockDim.x) >> lanes_log2;
    for (long long row = tid >> lanes_log2; row < m; row += groups) {
        const int start = ptr[row], end = ptr[row + 1];
        if (end - start > long_row) continue;
        double sum = 0.0;
        for (int j = start + lane; j < end; j += lanes) sum += val[j] * __ldg(&x[idx[j]]);
        for (int off = lanes >> 1; off > 0; off >>= 1)
            sum += __shfl_down_sync(group_mask, sum, off, lanes);
        if (lane == 0) y[row] = sum;
    }
}

// The long rows of y = A x: one block per row listed in `rows`.
extern "C" __global__ void csr_long_rows(const int* __restrict__ rows,
                                         const int* __restrict__ ptr,
                                         const int* __restrict__ idx,
                                         const double* __restrict__ val,
                                         const double* __restrict__ x,
                                         double* __restrict__ y) {
    const int row = rows[blockIdx.x];
    const int start = ptr[row], end = ptr[row + 1];
    double sum = 0.0;
    for (int j = start + threadIdx.x; j < end; j += blockDim.x) sum += val[j] * __ldg(&x[idx[j]]);
    sum = block_sum(sum);
    if (threadIdx.x == 0) y[row] = sum;
}

// out = a u + b v
extern "C" __global__ void lincomb(int n, double a, const double* __restrict__ u, double b,
                                   const double* __restrict__ v, double* __restrict__ out) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x)
        out[i] = a * u[i] + b * v[i];
}

// out = xn + (xn - xo) beta  (FISTA's momentum step, rounded as the CPU rounds it)
extern "C" __global__ void extrapolate(int n, const double* __restrict__ xn,
                                       const double* __restrict__ xo, double beta,
                                       double* __restrict__ out) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x)
        out[i] = xn[i] + (xn[i] - xo[i]) * beta;
}

// out = soft(z - g s, t): the proximal-gradient step of t/s ||.||_1
extern "C" __global__ void shrink_step(int n, const double* __restrict__ z,
                                       const double* __restrict__ g, double s, double t,
                                       double* __restrict__ out) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        const double r = z[i] - g[i] * s;
        out[i] = r > t ? r - t : (r < -t ? r + t : 0.0);
    }
}

// v = v / s
extern "C" __global__ void unscale(int n, double* __restrict__ v, double s) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x)
        v[i] = v[i] / s;
}

// part[block] = sum over the block's entries of (u - v)^2
extern "C" __global__ void sum_sq_diff(int n, const double* __restrict__ u,
                                       const double* __restrict__ v,
                                       double* __restrict__ part) {
    double acc = 0.0;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        const double d = u[i] - v[i];
        acc += d * d;
    }
    acc = block_sum(acc);
    if (threadIdx.x == 0) part[blockIdx.x] = acc;
}

// part[k * gridDim.x + block], k = 0..4: sum |xn|, sum (xn - xo)^2, sum xn^2,
// sum (z - xn)(xn - xo)
extern "C" __global__ void step_stats(int n, const double* __restrict__ z,
                                      const double* __restrict__ xn,
                                      const double* __restrict__ xo,
                                      double* __restrict__ part) {
    double l1 = 0.0, dx = 0.0, xx = 0.0, d = 0.0;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        const double a = xn[i], step = a - xo[i];
        l1 += fabs(a);
        dx += step * step;
        xx += a * a;
        d += (z[i] - a) * step;
    }
    l1 = block_sum(l1);
    dx = block_sum(dx);
    xx = block_sum(xx);
    d = block_sum(d);
    if (threadIdx.x == 0) {
        part[blockIdx.x] = l1;
        part[gridDim.x + blockIdx.x] = dx;
        part[2 * gridDim.x + blockIdx.x] = xx;
        part[3 * gridDim.x + blockIdx.x] = d;
    }
}

// res = y - ax; part[k * gridDim.x + block], k = 0..2: sum y res, sum res^2
extern "C" __global__ void residual_stats(int n, const double* __restrict__ y,
                                          const double* __restrict__ ax,
                                          double* __restrict__ res,
                                          double* __restrict__ part) {
    double yr = 0.0, rr = 0.0;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        const double r = y[i] - ax[i];
        res[i] = r;
        yr += y[i] * r;
        rr += r * r;
    }
    yr = block_sum(yr);
    rr = block_sum(rr);
    if (threadIdx.x == 0) {
        part[blockIdx.x] = yr;
        part[gridDim.x + blockIdx.x] = rr;
    }
}

// part[block] = max |v| over the block's entries (NaN propagates as NaN)
extern "C" __global__ void max_abs(int n, const double* __restrict__ v,
                                   double* __restrict__ part) {
    double acc = 0.0;
    bool nan = false;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        const double a = fabs(v[i]);
        nan |= a != a;
        acc = fmax(acc, a);
    }
    acc = block_max(acc);
    nan = __syncthreads_or(nan);
    if (threadIdx.x == 0) part[blockIdx.x] = nan ? QNAN : acc;
}

// part[block] = sum v^2 over the block's entries
extern "C" __global__ void sum_sq(int n, const double* __restrict__ v,
                                  double* __restrict__ part) {
    double acc = 0.0;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x)
        acc += v[i] * v[i];
    acc = block_sum(acc);
    if (threadIdx.x == 0) part[blockIdx.x] = acc;
}

// One block: out[k] = sum (is_max = 0) or max (is_max = 1) of part[k * nparts ..][0..nparts]
// for k < count, in a fixed order.
extern "C" __global__ void finish(int nparts, int count, int is_max,
                                  const double* __restrict__ part, double* __restrict__ out) {
    for (int k = 0; k < count; ++k) {
        double acc = 0.0;
        bool nan = false;
        for (int i = threadIdx.x; i < nparts; i += blockDim.x) {
            const double p = part[k * nparts + i];
            nan |= p != p;
            acc = is_max ? fmax(acc, p) : acc + p;
        }
        acc = is_max ? block_max(acc) : block_sum(acc);
        nan = __syncthreads_or(nan);
        if (threadIdx.x == 0) out[k] = nan ? QNAN : acc;
    }
}
"#;

//! Spectral norm, the `rust` reference: `kernels/c/spectralnorm.c` in safe Rust.
//!
//! The products over a range of rows, two rows at a time, each row one
//! left-to-right sum of `A(i, j) * u[j]` (so the result has the C's bits). The
//! inner loops zip over `u` with an iterator, so no bounds check is left in them.

use std::os::raw::c_int;

use crate::{boundary, slice_mut, slice_ref, OK};

/// Entry (i, j) of A, 0-based; `>> 1` halves the never-negative product exactly.
#[inline(always)]
fn eval_a(i: i64, j: i64) -> f64 {
    1.0 / ((((i + j) * (i + j + 1)) >> 1) + i + 1) as f64
}

/// `v[i] = (A u)[i]` (or `(Aᵀ u)[i]` when `transpose`) for `rows`.
pub fn times_u(u: &[f64], v: &mut [f64], rows: std::ops::Range<usize>, transpose: bool) {
    // Two monomorphic copies, as the C has two functions: no test of `transpose` per term.
    if transpose {
        rows_of::<true>(u, v, rows)
    } else {
        rows_of::<false>(u, v, rows)
    }
}

fn rows_of<const TRANSPOSE: bool>(u: &[f64], v: &mut [f64], rows: std::ops::Range<usize>) {
    let a = |i: usize, j: usize| if TRANSPOSE { eval_a(j as i64, i as i64) } else { eval_a(i as i64, j as i64) };
    let mut i = rows.start;
    while i + 1 < rows.end {
        let (mut sum0, mut sum1) = (0.0, 0.0);
        for (j, &uj) in u.iter().enumerate() {
            sum0 += a(i, j) * uj;
            sum1 += a(i + 1, j) * uj;
        }
        v[i] = sum0;
        v[i + 1] = sum1;
        i += 2;
    }
    if i < rows.end {
        v[i] = u.iter().enumerate().fold(0.0, |sum, (j, &uj)| sum + a(i, j) * uj);
    }
}

/// `sqrt(u·v / v·v)`, the two dot products summed left to right.
pub fn result(u: &[f64], v: &[f64]) -> f64 {
    let (vbv, vv) = u.iter().zip(v).fold((0.0, 0.0), |(vbv, vv), (&ui, &vi)| (vbv + ui * vi, vv + vi * vi));
    (vbv / vv).sqrt()
}

/// `v[i] = (A u)[i]` (transpose 0) or `(Aᵀ u)[i]` (transpose 1) for row_begin <= i < row_end.
///
/// # Safety
/// `u` and `v` point to `n` doubles each, not overlapping; 0 <= row_begin <= row_end <= n.
#[no_mangle]
pub unsafe extern "C" fn spectralnorm_rust_times_u(
    u: *const f64, v: *mut f64, n: i64, row_begin: i64, row_end: i64, transpose: c_int,
) -> c_int {
    let (u, v) = (slice_ref(u, n as usize), slice_mut(v, n as usize));
    boundary(|| {
        times_u(u, v, row_begin as usize..row_end as usize, transpose != 0);
        OK
    })
}

/// `*out = sqrt(u·v / v·v)`.
///
/// # Safety
/// `u` and `v` point to `n` doubles each; `out` to a writable double.
#[no_mangle]
pub unsafe extern "C" fn spectralnorm_rust_result(u: *const f64, v: *const f64, n: i64, out: *mut f64) -> c_int {
    let (u, v) = (slice_ref(u, n as usize), slice_ref(v, n as usize));
    boundary(|| {
        *out = result(u, v);
        OK
    })
}

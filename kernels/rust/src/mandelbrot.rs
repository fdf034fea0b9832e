//! Mandelbrot, the `rust` reference: `kernels/c/mandelbrot.c` in safe Rust.
//!
//! Rows of the bitmap are `chunks_exact_mut` of the caller's buffer and each
//! output byte is one `iter_mut` item, so the only index is the pixel's own x.

use std::os::raw::c_int;

use crate::{boundary, slice_mut, OK};

/// The program's fixed iteration count.
const MAX_ITER: usize = 50;
/// Escape radius squared.
const LIMIT_SQ: f64 = 4.0;

/// True when c = cr + ci·i stays within |z|² <= 4 for MAX_ITER iterations.
#[inline(always)]
fn in_set(cr: f64, ci: f64) -> bool {
    let (mut zr, mut zi, mut tr, mut ti) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for _ in 0..MAX_ITER {
        zi = 2.0 * zr * zi + ci;
        zr = tr - ti + cr;
        tr = zr * zr;
        ti = zi * zi;
        if tr + ti > LIMIT_SQ {
            return false;
        }
    }
    true
}

/// Rows `rows` of the n x n bitmap; `bitmap` holds n rows of (n + 7) / 8 bytes.
pub fn rows(bitmap: &mut [u8], n: usize, rows: std::ops::Range<usize>) {
    let row_bytes = (n + 7) / 8;
    let nf = n as f64;
    for (y, row) in bitmap.chunks_exact_mut(row_bytes).enumerate().take(rows.end).skip(rows.start) {
        let ci = 2.0 * y as f64 / nf - 1.0;
        for (b, out) in row.iter_mut().enumerate() {
            let mut byte = 0u32;
            for x in 8 * b..8 * b + 8 {
                byte <<= 1;
                if x < n && in_set(2.0 * x as f64 / nf - 1.5, ci) {
                    byte |= 1;
                }
            }
            *out = byte as u8;
        }
    }
}

/// Rows row_begin..row_end-1 of the n x n bitmap (row 0 first, (n + 7) / 8 bytes each).
///
/// # Safety
/// `bitmap` points to n * ((n + 7) / 8) writable bytes; 0 <= row_begin <= row_end <= n.
#[no_mangle]
pub unsafe extern "C" fn mandelbrot_rust_rows(bitmap: *mut u8, n: c_int, row_begin: c_int, row_end: c_int) -> c_int {
    let n = n as usize;
    let bitmap = slice_mut(bitmap, n * ((n + 7) / 8));
    boundary(|| {
        rows(bitmap, n, row_begin as usize..row_end as usize);
        OK
    })
}

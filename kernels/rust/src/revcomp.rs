//! Reverse-complement, the `rust` reference: the passes of `kernels/c/revcomp.c` in safe Rust.
//!
//! compact (newlines out, may run in place: one slice and `copy_within`),
//! compact_reverse (into a separate buffer, backwards), reverse (the two halves
//! from `split_at_mut`, zipped front to back) and expand (60-character lines,
//! last first, with `copy_within`). The complement table is a `[u8; 256]`, so a
//! byte always indexes it without a check. compact_reverse keeps one bounds
//! check per byte (the write position counts down from data the compiler cannot
//! see); `revcomp_rust_compact_reverse_unchecked` drops it, for the labelled
//! `rust_unchecked` extra.

use std::os::raw::c_int;

use crate::{boundary, slice_mut, slice_ref, OK};

/// Characters per output line (the program's format).
const LINE: usize = 60;

/// Copy `buf[src..src + n]` to `buf[0..]` leaving out newlines; returns the bytes written.
pub fn compact(buf: &mut [u8], src: usize, n: usize) -> usize {
    let (mut from, end, mut to) = (src, src + n, 0);
    while from < end {
        let run = buf[from..end].iter().position(|&c| c == b'\n').unwrap_or(end - from);
        buf.copy_within(from..from + run, to);
        to += run;
        from += run + 1;
    }
    to
}

/// Write `src` (newlines left out, complemented) backwards into `out[..end]`; returns the new end.
pub fn compact_reverse(out: &mut [u8], end: usize, src: &[u8], table: &[u8; 256]) -> usize {
    let mut e = end;
    for &c in src {
        if c != b'\n' {
            e -= 1;
            out[e] = table[c as usize];
        }
    }
    e
}

/// [`compact_reverse`] without the bounds check in its hot loop: the labelled
/// `rust_unchecked` extra, which shows what that one check costs.
///
/// # Safety
/// `src` holds at most `end` non-newline bytes (the caller's scan counted them),
/// so `e` never goes below 0: the same trust the C places in its pointer.
pub unsafe fn compact_reverse_unchecked(out: &mut [u8], end: usize, src: &[u8], table: &[u8; 256]) -> usize {
    let mut e = end;
    for &c in src {
        if c != b'\n' {
            e -= 1;
            // SAFETY: e < end <= out.len(), by the caller's count (see above).
            *out.get_unchecked_mut(e) = table[c as usize];
        }
    }
    e
}

/// For i in lo..hi, swap seq[i] and seq[len - 1 - i] complementing both; hi <= (len + 1) / 2.
pub fn reverse(seq: &mut [u8], lo: usize, hi: usize, table: &[u8; 256]) {
    let len = seq.len();
    let half = len / 2;
    let (front, back) = seq.split_at_mut(half);
    // back reversed: its k-th item is seq[len - 1 - k]
    for (a, b) in front[lo..hi.min(half)].iter_mut().zip(back.iter_mut().rev().skip(lo)) {
        let t = *a;
        *a = table[*b as usize];
        *b = table[t as usize];
    }
    if len % 2 == 1 && hi > half {
        seq[half] = table[seq[half] as usize]; // the middle of an odd length pairs with itself
    }
}

/// Move lines first..last of the `len` characters at the start of `buf` to their
/// places in 60-character lines with a newline each, last line first.
pub fn expand(buf: &mut [u8], len: usize, first: usize, last: usize) {
    for line in (first..last).rev() {
        let from = line * LINE;
        let width = (len - from).min(LINE);
        let to = line * (LINE + 1);
        buf.copy_within(from..from + width, to);
        buf[to + width] = b'\n';
    }
}

/// As `revcomp_c_compact`, with the count through `written`.
///
/// # Safety
/// `dst <= src`; the bytes from `dst` to `src + n` are writable and owned by the caller.
#[no_mangle]
pub unsafe extern "C" fn revcomp_rust_compact(dst: *mut u8, src: *const u8, n: usize, written: *mut usize) -> c_int {
    // SAFETY: dst and src point into the same buffer, dst first (the C's contract).
    let offset = src.offset_from(dst) as usize;
    let buf = slice_mut(dst, offset + n);
    let written = &mut *written;
    boundary(|| {
        *written = compact(buf, offset, n);
        OK
    })
}

/// As `revcomp_c_compact_reverse`, into `out[..*end]`; `*end` becomes the new end.
///
/// # Safety
/// `out` points to `*end` writable bytes, `src` to `n` bytes elsewhere, `table` to 256.
#[no_mangle]
pub unsafe extern "C" fn revcomp_rust_compact_reverse(
    out: *mut u8, end: *mut usize, src: *const u8, n: usize, table: *const u8,
) -> c_int {
    let (end, src) = (&mut *end, slice_ref(src, n));
    let (out, table) = (slice_mut(out, *end), &*(table as *const [u8; 256]));
    boundary(|| {
        *end = compact_reverse(out, *end, src, table);
        OK
    })
}

/// [`revcomp_rust_compact_reverse`] through [`compact_reverse_unchecked`] (the labelled extra).
///
/// # Safety
/// As [`revcomp_rust_compact_reverse`], and `src` holds at most `*end` non-newline bytes.
#[no_mangle]
pub unsafe extern "C" fn revcomp_rust_compact_reverse_unchecked(
    out: *mut u8, end: *mut usize, src: *const u8, n: usize, table: *const u8,
) -> c_int {
    let (end, src) = (&mut *end, slice_ref(src, n));
    let (out, table) = (slice_mut(out, *end), &*(table as *const [u8; 256]));
    boundary(|| {
        *end = compact_reverse_unchecked(out, *end, src, table);
        OK
    })
}

/// As `revcomp_c_reverse`.
///
/// # Safety
/// `seq` points to `len` writable bytes, `table` to 256; hi <= (len + 1) / 2.
#[no_mangle]
pub unsafe extern "C" fn revcomp_rust_reverse(seq: *mut u8, len: usize, lo: usize, hi: usize, table: *const u8) -> c_int {
    let (seq, table) = (slice_mut(seq, len), &*(table as *const [u8; 256]));
    boundary(|| {
        reverse(seq, lo, hi, table);
        OK
    })
}

/// As `revcomp_c_expand`.
///
/// # Safety
/// `buf` points to `len + ceil(len / 60)` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn revcomp_rust_expand(buf: *mut u8, len: usize, first: usize, last: usize) -> c_int {
    let buf = slice_mut(buf, len + (len + LINE - 1) / LINE);
    boundary(|| {
        expand(buf, len, first, last);
        OK
    })
}

//! Fasta, the `rust` reference: the primitives of `kernels/c/fasta.c` in safe Rust.
//!
//! One LCG draw per character, the symbol found by counting the cumulative sums
//! <= r (branch-free, as the C), 60 characters per line, each line a slice of
//! the output written with `copy_from_slice` or an iterator.

use std::os::raw::{c_char, c_int, c_uint};

use crate::{boundary, slice_mut, slice_ref, OK};

/// Characters per output line (the program's format).
const LINE: usize = 60;
/// The LCG of the Benchmarks Game: modulus, multiplier and increment.
const IM: u32 = 139_968;
const IA: u32 = 3_877;
const IC: u32 = 29_573;

/// Bytes written for `count` characters: one newline per started line.
pub fn written(count: usize) -> usize {
    count + (count + LINE - 1) / LINE
}

/// `count` characters of the sequence repeated from `*pos` (advanced); `seq2`
/// is the sequence followed by its first 60 characters again. Returns bytes written.
pub fn repeat(out: &mut [u8], seq2: &[u8], seqlen: usize, count: usize, pos: &mut usize) -> usize {
    let mut p = *pos;
    let mut lines = out.chunks_mut(LINE + 1);
    let mut left = count;
    while left > 0 {
        let width = left.min(LINE);
        let line = lines.next().expect("output sized for every line");
        line[..width].copy_from_slice(&seq2[p..p + width]);
        line[width] = b'\n';
        p += width;
        if p >= seqlen {
            p -= seqlen;
        }
        left -= width;
    }
    *pos = p;
    written(count)
}

/// `count` random characters from `symbols` with running sums `cumulative`,
/// 60 per line; `seed` is the LCG state. Returns bytes written.
pub fn random(out: &mut [u8], symbols: &[u8], cumulative: &[f64], count: usize, seed: &mut u32) -> usize {
    let mut state = *seed;
    // bisect_right over the first nsym - 1 sums: how many are <= r.
    let sums = &cumulative[..symbols.len() - 1];
    let mut left = count;
    for line in out.chunks_mut(LINE + 1) {
        if left == 0 {
            break;
        }
        let width = left.min(LINE);
        for c in &mut line[..width] {
            state = (state * IA + IC) % IM;
            let r = state as f64 / IM as f64;
            let k = sums.iter().map(|&s| (s <= r) as usize).sum::<usize>();
            *c = symbols[k];
        }
        line[width] = b'\n';
        left -= width;
    }
    *seed = state;
    written(count)
}

/// As `fasta_c_repeat`, but `*out` is advanced past what was written.
///
/// # Safety
/// `*out` points to `count + ceil(count / 60)` writable bytes; `seq2` to `seqlen + 60` bytes.
#[no_mangle]
pub unsafe extern "C" fn fasta_rust_repeat(
    out: *mut *mut c_char, seq2: *const c_char, seqlen: usize, count: usize, pos: *mut usize,
) -> c_int {
    let dst = slice_mut(*out as *mut u8, written(count));
    let seq2 = slice_ref(seq2 as *const u8, seqlen + LINE);
    let pos = &mut *pos;
    boundary(|| {
        let n = repeat(dst, seq2, seqlen, count, pos);
        *out = (*out).add(n);
        OK
    })
}

/// As `fasta_c_random`, but `*out` is advanced past what was written.
///
/// # Safety
/// `*out` points to `count + ceil(count / 60)` writable bytes; `symbols` and
/// `cumulative` to `nsym` (>= 1) entries; `seed` to the LCG state.
#[no_mangle]
pub unsafe extern "C" fn fasta_rust_random(
    out: *mut *mut c_char, symbols: *const c_char, cumulative: *const f64, nsym: c_int, count: usize,
    seed: *mut c_uint,
) -> c_int {
    let dst = slice_mut(*out as *mut u8, written(count));
    let symbols = slice_ref(symbols as *const u8, nsym as usize);
    let cumulative = slice_ref(cumulative, nsym as usize);
    let seed = &mut *seed;
    boundary(|| {
        let n = random(dst, symbols, cumulative, count, seed);
        *out = (*out).add(n);
        OK
    })
}

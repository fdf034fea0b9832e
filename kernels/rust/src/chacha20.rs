//! ChaCha20 (RFC 8439), the `rust` reference: `kernels/c/chacha20.c` in safe Rust.
//!
//! Scalar and portable like the C: the block function on a `[u32; 16]`, the
//! data walked with `chunks_exact` (whole 64-byte blocks, then the remainder),
//! little-endian words read and written with `from_le_bytes`/`to_le_bytes`.

use std::os::raw::c_int;

use crate::{boundary, slice_mut, slice_ref, OK};

/// Bytes per block: sixteen 32-bit words.
const BLOCK: usize = 64;
/// The state word that holds the block counter (RFC 8439, 2.3).
const COUNTER_WORD: usize = 12;

#[inline(always)]
fn quarter_round(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(16);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(12);
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(8);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(7);
}

/// The keystream block of `state` (RFC 8439, 2.3).
// NOTE: no inline hint, as the C's static chacha20_c_block has none: each
// compiler decides (quarter_round is forced inline: the C's is a macro).
fn block(state: &[u32; 16]) -> [u32; 16] {
    let mut x = *state;
    for _ in 0..10 {
        // 20 rounds: column round, then diagonal round
        quarter_round(&mut x, 0, 4, 8, 12);
        quarter_round(&mut x, 1, 5, 9, 13);
        quarter_round(&mut x, 2, 6, 10, 14);
        quarter_round(&mut x, 3, 7, 11, 15);
        quarter_round(&mut x, 0, 5, 10, 15);
        quarter_round(&mut x, 1, 6, 11, 12);
        quarter_round(&mut x, 2, 7, 8, 13);
        quarter_round(&mut x, 3, 4, 9, 14);
    }
    for (xi, si) in x.iter_mut().zip(state) {
        *xi = xi.wrapping_add(*si);
    }
    x
}

/// XOR `src` into `dst` (same length) with the keystream of `state`.
pub fn xor(state: &[u32; 16], src: &[u8], dst: &mut [u8]) {
    let mut s = *state;
    let mut src_blocks = src.chunks_exact(BLOCK);
    let mut dst_blocks = dst.chunks_exact_mut(BLOCK);
    for (inp, out) in (&mut src_blocks).zip(&mut dst_blocks) {
        let ks = block(&s);
        for ((i, o), k) in inp.chunks_exact(4).zip(out.chunks_exact_mut(4)).zip(ks) {
            let word = u32::from_le_bytes([i[0], i[1], i[2], i[3]]) ^ k;
            o.copy_from_slice(&word.to_le_bytes());
        }
        s[COUNTER_WORD] = s[COUNTER_WORD].wrapping_add(1);
    }
    let (tail_in, tail_out) = (src_blocks.remainder(), dst_blocks.into_remainder());
    if !tail_in.is_empty() {
        // a partial last block
        let ks = block(&s);
        let mut bytes = [0u8; BLOCK];
        for (b, k) in bytes.chunks_exact_mut(4).zip(ks) {
            b.copy_from_slice(&k.to_le_bytes());
        }
        for ((o, i), k) in tail_out.iter_mut().zip(tail_in).zip(bytes) {
            *o = i ^ k;
        }
    }
}

/// XOR `len` bytes of `src` into `dst` with the keystream of `state` (16 words).
///
/// # Safety
/// `state` points to 16 words; `src` and `dst` to `len` bytes each, not overlapping.
/// The caller guarantees that the counter does not wrap (as for the C).
#[no_mangle]
pub unsafe extern "C" fn chacha20_rust_xor(state: *const u32, src: *const u8, dst: *mut u8, len: usize) -> c_int {
    let state = &*(state as *const [u32; 16]);
    let (src, dst) = (slice_ref(src, len), slice_mut(dst, len));
    boundary(|| {
        xor(state, src, dst);
        OK
    })
}

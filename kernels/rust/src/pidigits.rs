//! Pidigits, the `rust` reference: `kernels/c/pidigits.c` in safe Rust.
//!
//! Gibbons' spigot on unsigned numbers of 32-bit limbs updated in place (no
//! GMP), as the C: a number is a `Vec<u32>` whose length is the C's `size`
//! (little-endian, no top zero limb), multiplied and added to by a word with
//! `u64` carries. Before each term every number reserves room for the term's
//! growth with `try_reserve`, so running out of memory is [`NO_MEMORY`] (the
//! C's `-1`), never an abort; the term's pushes then never reallocate. The
//! limb loops are zipped iterators, so no bounds check is left in them.
//!
//! The state keeps `b = acc + 3 num` instead of `acc`, as the C and the
//! `native` rung do (see kernels/pidigits.pyx), so every number stays >= 0.

use std::cmp::Ordering;
use std::collections::TryReserveError;
use std::os::raw::{c_char, c_int};

use crate::{boundary, slice_mut, try_box, NO_MEMORY, OK};

/// First capacity of each number, in limbs (64 bytes), as the C's `reserve(.., 16)`.
const FIRST_LIMBS: usize = 16;
/// 2**32, to gather limbs into a double.
const LIMB: f64 = 4294967296.0;

/// A non-negative integer: little-endian 32-bit limbs, no top zero limb (none is zero).
#[derive(Debug, Default)]
pub struct Num(Vec<u32>);

impl Num {
    /// The one-limb number `v` (v > 0), with room for [`FIRST_LIMBS`] limbs.
    fn small(v: u32) -> Result<Num, TryReserveError> {
        let mut limbs = Vec::new();
        limbs.try_reserve(FIRST_LIMBS)?;
        if v != 0 {
            limbs.push(v);
        }
        Ok(Num(limbs))
    }

    /// Make room for at least `want` limbs (amortised doubling, as the C).
    fn reserve(&mut self, want: usize) -> Result<(), TryReserveError> {
        self.0.try_reserve(want.saturating_sub(self.0.len()))
    }

    fn normalise(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    /// Longer is larger; the same length compares limbs from the top.
    fn compare(&self, other: &Num) -> Ordering {
        self.0.len().cmp(&other.0.len()).then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    /// self *= m
    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for limb in self.0.iter_mut() {
            let p = u64::from(*limb) * u64::from(m) + carry;
            *limb = p as u32;
            carry = p >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
        self.normalise();
    }

    /// self = y * m
    fn set_mul_small(&mut self, y: &Num, m: u32) {
        let mut carry = 0u64;
        self.0.clear();
        self.0.extend(y.0.iter().map(|&limb| {
            let p = u64::from(limb) * u64::from(m) + carry;
            carry = p >> 32;
            p as u32
        }));
        if carry != 0 {
            self.0.push(carry as u32);
        }
        self.normalise();
    }

    /// self += y * m
    fn add_mul_small(&mut self, y: &Num, m: u32) {
        if self.0.len() < y.0.len() {
            self.0.resize(y.0.len(), 0);
        }
        let mut carry = 0u64;
        let (low, high) = self.0.split_at_mut(y.0.len());
        for (limb, &other) in low.iter_mut().zip(&y.0) {
            let p = u64::from(*limb) + u64::from(other) * u64::from(m) + carry;
            *limb = p as u32;
            carry = p >> 32;
        }
        for limb in high {
            if carry == 0 {
                break;
            }
            let p = u64::from(*limb) + carry;
            *limb = p as u32;
            carry = p >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    /// self -= y * m; the caller guarantees the result is >= 0 (when m is 0, y
    /// may be longer than self: the zipped loop stops at self's end).
    fn sub_mul_small(&mut self, y: &Num, m: u32) {
        let (mut carry, mut borrow) = (0u64, 0u64);
        let n = y.0.len().min(self.0.len());
        let (low, high) = self.0.split_at_mut(n);
        for (limb, &other) in low.iter_mut().zip(&y.0) {
            let p = u64::from(other) * u64::from(m) + carry;
            let diff = u64::from(*limb).wrapping_sub(u64::from(p as u32)).wrapping_sub(borrow);
            carry = p >> 32;
            *limb = diff as u32;
            borrow = diff >> 63; // 1 when the subtraction wrapped
        }
        for limb in high {
            if carry | borrow == 0 {
                break;
            }
            let diff = u64::from(*limb).wrapping_sub(carry).wrapping_sub(borrow);
            carry = 0;
            *limb = diff as u32;
            borrow = diff >> 63;
        }
        self.normalise();
    }
}

/// floor(a / d) for a quotient known to be small, using `t` as scratch: a
/// floating-point estimate from the top limbs, then corrected exactly.
fn quotient(a: &Num, d: &Num, t: &mut Num) -> u32 {
    if a.compare(d) == Ordering::Less {
        return 0;
    }
    let low = d.0.len().saturating_sub(2); // 64+ bits of d: far past a double's 53
    let top = |x: &Num| x.0[low..].iter().rev().fold(0.0, |acc, &limb| acc * LIMB + f64::from(limb));
    let estimate = top(a) / top(d);
    let mut q = if estimate < 4294967295.0 { estimate as u32 } else { u32::MAX };
    t.set_mul_small(d, q);
    while t.compare(a) == Ordering::Greater {
        // the estimate was one too high
        q -= 1;
        t.sub_mul_small(d, 1);
    }
    t.add_mul_small(d, 1);
    while t.compare(a) != Ordering::Greater {
        // ... or one too low
        q += 1;
        t.add_mul_small(d, 1);
    }
    q
}

/// The spigot's state, as `pidigits_c_state`: `b` is acc + 3 num; t1, t2 are
/// scratch; `k` is the last term folded in.
#[derive(Debug)]
pub struct Spigot {
    b: Num,
    den: Num,
    num: Num,
    t1: Num,
    t2: Num,
    k: u32,
}

impl Spigot {
    /// acc = 0, den = 1, num = 1: b = acc + 3 num = 3.
    pub fn new() -> Result<Spigot, TryReserveError> {
        Ok(Spigot { b: Num::small(3)?, den: Num::small(1)?, num: Num::small(1)?,
                    t1: Num::small(0)?, t2: Num::small(0)?, k: 0 })
    }

    /// Fold in at most `terms` more terms, writing each digit produced as an
    /// ASCII character at `out[*count]` and incrementing `*count`, stopping when
    /// `out` is full.
    pub fn run(&mut self, out: &mut [u8], count: &mut usize, terms: u32) -> Result<(), TryReserveError> {
        let Spigot { b, den, num, t1, t2, k } = self;
        for _ in 0..terms {
            if *count >= out.len() {
                break;
            }
            // One term adds at most two limbs to any number; the scratch holds b + num.
            let room = b.0.len().max(den.0.len()).max(num.0.len()) + 4;
            for x in [&mut *b, &mut *den, &mut *num, &mut *t1, &mut *t2] {
                x.reserve(room)?;
            }
            *k += 1;
            let k2 = 2 * *k + 1;
            // acc = (acc + 2 num) k2 and num = num k, so b = b k2 + num (k - 1)
            b.mul_small(k2);
            b.add_mul_small(num, *k - 1);
            den.mul_small(k2);
            num.mul_small(*k);
            t1.set_mul_small(num, 4); // num > acc  <=>  4 num > b
            if t1.compare(b) == Ordering::Greater {
                continue;
            }
            let d3 = quotient(b, den, t2); // extract(3) = floor(b / den)
            t1.0.clear();
            t1.0.extend_from_slice(&b.0);
            t1.add_mul_small(num, 1);
            let d4 = quotient(t1, den, t2); // extract(4) = floor((b + num) / den)
            if d3 != d4 {
                continue;
            }
            out[*count] = b'0' + d3 as u8;
            *count += 1;
            // acc = 10 (acc - d den) and num = 10 num, so b = 10 (b - d den)
            b.sub_mul_small(den, d3);
            b.mul_small(10);
            num.mul_small(10);
        }
        Ok(())
    }
}

/// A new spigot in `*state` (NULL when out of memory), as `pidigits_c_init`.
///
/// # Safety
/// `state` points to a writable pointer; the spigot is released by [`pidigits_rust_free`].
#[no_mangle]
pub unsafe extern "C" fn pidigits_rust_new(state: *mut *mut Spigot) -> c_int {
    let state = &mut *state;
    *state = std::ptr::null_mut();
    boundary(|| match Spigot::new().ok().and_then(try_box) {
        Some(spigot) => {
            *state = Box::into_raw(spigot);
            OK
        }
        None => NO_MEMORY,
    })
}

/// Release a spigot from [`pidigits_rust_new`] (NULL is allowed), as `pidigits_c_free`.
///
/// # Safety
/// `state` came from [`pidigits_rust_new`] and is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pidigits_rust_free(state: *mut Spigot) -> c_int {
    if state.is_null() {
        return OK;
    }
    // SAFETY: the Box that pidigits_rust_new gave away, taken back once.
    let spigot = Box::from_raw(state);
    boundary(|| {
        drop(spigot);
        OK
    })
}

/// As `pidigits_c_run`: at most `terms` more terms, digits to `out[*count..want]`.
///
/// # Safety
/// `state` is a live spigot, `out` points to `want` writable bytes, `count` to
/// a writable size_t <= want; nothing else touches them during the call.
#[no_mangle]
pub unsafe extern "C" fn pidigits_rust_run(
    state: *mut Spigot, out: *mut c_char, count: *mut usize, want: usize, terms: u32,
) -> c_int {
    let (spigot, count) = (&mut *state, &mut *count);
    let out = slice_mut(out as *mut u8, want);
    boundary(|| match spigot.run(out, count, terms) {
        Ok(()) => OK,
        Err(_) => NO_MEMORY,
    })
}

//! Fannkuch-redux, the `rust` reference: `kernels/c/fannkuchredux.c` in safe Rust.
//!
//! The same odometer over the permutations in the task's order and the same
//! copy-and-reverse flip counter. The state is the C's struct, so the wrapper
//! drives both references with one loop.
//!
//! NOTE: the prefix reversal is the C's swap loop (`slice::swap`), not
//! `p[..=first].reverse()`: measured at n = 10, the library reverse (built for
//! long slices) made the whole kernel ~20% slower on these 2-16 element prefixes.
//! The swaps keep their bounds checks (`first` comes from the data); a
//! `get_unchecked` copy measured no faster (within 5%), so there is no
//! `rust_unchecked` extra for this kernel.

use std::os::raw::c_int;

use crate::{boundary, OK};

/// The largest n: 16! permutations already take hours (FANNKUCHREDUX_C_MAX_N).
pub const MAX_N: usize = 16;

/// Laid out as `fannkuchredux_c_state` in `kernels/c/fannkuchredux.h`.
#[repr(C)]
pub struct State {
    pub n: c_int,
    /// Position of `perm` in the task's order.
    pub index: i64,
    /// The current permutation of 0..n-1 (its first n entries).
    pub perm: [c_int; MAX_N],
    /// Odometer digits: count[r] in 0..=r.
    pub count: [c_int; MAX_N],
}

impl State {
    /// The permutation at `index` (0 <= index < n!) of 0..n-1.
    pub fn start(&mut self, n: usize, index: i64) {
        self.n = n as c_int;
        self.index = index;
        for (i, (p, c)) in self.perm.iter_mut().zip(self.count.iter_mut()).take(n).enumerate() {
            *p = i as c_int;
            *c = 0;
        }
        let mut fact: i64 = (1..n as i64).product(); // (n - 1)!
        let mut index = index;
        // Digit r of the index in factorial base: how often the first r + 1 rotated.
        for r in (1..n).rev() {
            let turns = (index / fact) as usize;
            index %= fact;
            fact /= r as i64;
            self.count[r] = turns as c_int;
            self.perm[..=r].rotate_left(turns);
        }
    }

    /// Visit `steps` permutations, adding each one's signed flip count to
    /// `checksum` and raising `max_flips`; ends on the next permutation.
    pub fn run(&mut self, steps: i64, checksum: &mut i64, max_flips: &mut c_int) {
        let n = self.n as usize;
        let (mut sum, mut best, mut index) = (*checksum, *max_flips, self.index);
        for _ in 0..steps {
            let flips = count_flips(&self.perm, n);
            sum += if index & 1 == 1 { -(flips as i64) } else { flips as i64 };
            best = best.max(flips);
            index += 1;
            // Next permutation: rotate the first r + 1 left, carrying while digit r wraps.
            for r in 1..n {
                let first = self.perm[0];
                self.perm.copy_within(1..=r, 0);
                self.perm[r] = first;
                self.count[r] += 1;
                if self.count[r] <= r as c_int {
                    break;
                }
                self.count[r] = 0;
            }
        }
        self.index = index;
        *checksum = sum;
        *max_flips = best;
    }
}

/// Prefix reversals of a copy of `perm` until its first element is 0.
#[inline(always)]
fn count_flips(perm: &[c_int; MAX_N], n: usize) -> c_int {
    let mut first = perm[0] as usize;
    if first == 0 {
        return 0;
    }
    let mut p = *perm;
    let mut flips = 0;
    let _ = n; // the copy is the whole array: a fixed size the compiler can keep in registers
    while first != 0 {
        let (mut i, mut j) = (0, first);
        while i < j {
            p.swap(i, j);
            i += 1;
            j -= 1;
        }
        flips += 1;
        first = p[0] as usize;
    }
    flips
}

/// Set `s` to the permutation at `index` of 0..n-1 (1 <= n <= 16, 0 <= index < n!).
///
/// # Safety
/// `s` points to a writable state.
#[no_mangle]
pub unsafe extern "C" fn fannkuchredux_rust_start(s: *mut State, n: c_int, index: i64) -> c_int {
    let s = &mut *s;
    boundary(|| {
        s.start(n as usize, index);
        OK
    })
}

/// Visit `steps` permutations from the current one (see [`State::run`]).
///
/// # Safety
/// `s` was set by `fannkuchredux_rust_start`; `checksum`, `max_flips` are writable.
#[no_mangle]
pub unsafe extern "C" fn fannkuchredux_rust_run(s: *mut State, steps: i64, checksum: *mut i64, max_flips: *mut c_int) -> c_int {
    let (s, checksum, max_flips) = (&mut *s, &mut *checksum, &mut *max_flips);
    boundary(|| {
        s.run(steps, checksum, max_flips);
        OK
    })
}

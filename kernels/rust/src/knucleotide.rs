//! K-nucleotide counting, the `rust` reference: `kernels/c/knucleotide.c` in safe Rust.
//!
//! The C's algorithm, which is the `packed` extra's (outside the official rules:
//! the rules ask for a library hash table; C has none, so `c` is this custom
//! table and `rust` follows `c`, not `std::collections::HashMap`): k-mers packed
//! two bits a base into a `u64` key, counted in an open-addressing table with
//! linear probing (Fibonacci hashing, load kept <= 1/2, doubled when full). The
//! slots are one `Vec<Slot>`, key and count side by side; a new table is
//! reserved with `try_reserve_exact`, so running out of memory is
//! [`NO_MEMORY`] (the C's calloc returning NULL), never an abort. The probe
//! index comes from a hash, so each slot access keeps its bounds check.

use std::collections::TryReserveError;
use std::os::raw::c_int;

use crate::{boundary, slice_ref, try_box, NO_MEMORY, OK};

/// 1,024 slots to start: tiny tables stay in L1 (the C's KNUC_C_FIRST_BITS).
const FIRST_BITS: u32 = 10;
/// 2^64 / golden ratio: Fibonacci hashing.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// One slot, as `knuc_c_slot`: `key` is the k-mer + 1 (0 marks an empty slot).
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    key: u64,
    count: u64,
}

/// The counts of one k, as `knuc_c_table` (no slots until the first count).
#[derive(Debug, Default)]
pub struct Table {
    slots: Vec<Slot>,
    shift: u32, // 64 - log2(slots): the hash keeps the top bits
    used: usize,
}

impl Table {
    /// An empty table of 2**bits zeroed slots.
    fn with_bits(bits: u32) -> Result<Table, TryReserveError> {
        let mut slots = Vec::new();
        slots.try_reserve_exact(1usize << bits)?;
        slots.resize(1usize << bits, Slot::default()); // within the reservation: no reallocation
        Ok(Table { slots, shift: 64 - bits, used: 0 })
    }

    /// The slot holding `key`, or the empty slot where it goes.
    fn find(&self, key: u64) -> usize {
        let mask = self.slots.len() - 1; // a power of two
        let mut i = (key.wrapping_mul(GOLDEN) >> self.shift) as usize;
        while self.slots[i].key != 0 && self.slots[i].key != key + 1 {
            i = (i + 1) & mask;
        }
        i
    }

    /// Double the table, reinserting every key.
    fn grow(&mut self) -> Result<(), TryReserveError> {
        let mut bigger = Table::with_bits(64 - self.shift + 1)?;
        for slot in self.slots.iter().filter(|s| s.key != 0) {
            let i = bigger.find(slot.key - 1);
            bigger.slots[i] = *slot;
        }
        bigger.used = self.used;
        *self = bigger;
        Ok(())
    }

    /// Count every k-mer (k <= 32) of the 2-bit codes `codes` into the table.
    pub fn count(&mut self, codes: &[u8], k: usize) -> Result<(), TryReserveError> {
        if self.slots.is_empty() {
            *self = Table::with_bits(FIRST_BITS)?;
        }
        let mask = if k >= 32 { !0u64 } else { (1u64 << (2 * k)) - 1 };
        let mut key = 0u64;
        for (i, &code) in codes.iter().enumerate() {
            key = ((key << 2) | u64::from(code)) & mask;
            if i + 1 < k {
                continue;
            }
            let mut slot = self.find(key);
            if self.slots[slot].key == 0 {
                if 2 * (self.used + 1) > self.slots.len() {
                    // keep the load at most 1/2
                    self.grow()?;
                    slot = self.find(key);
                }
                self.slots[slot].key = key + 1;
                self.used += 1;
            }
            self.slots[slot].count += 1;
        }
        Ok(())
    }

    /// The count of `key` (0 when absent).
    pub fn get(&self, key: u64) -> u64 {
        if self.slots.is_empty() {
            return 0;
        }
        let slot = &self.slots[self.find(key)];
        if slot.key != 0 {
            slot.count
        } else {
            0
        }
    }
}

/// `*table` = a new empty table (NULL with [`NO_MEMORY`]).
///
/// # Safety
/// `table` points to a writable pointer; the table is freed by [`knucleotide_rust_free`].
#[no_mangle]
pub unsafe extern "C" fn knucleotide_rust_new(table: *mut *mut Table) -> c_int {
    let table = &mut *table;
    *table = std::ptr::null_mut();
    boundary(|| match try_box(Table::default()) {
        Some(t) => {
            *table = Box::into_raw(t);
            OK
        }
        None => NO_MEMORY,
    })
}

/// As `knuc_c_count`: [`NO_MEMORY`] where the C returns -1.
///
/// # Safety
/// `table` is a live table nothing else touches during the call; `codes` points to `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn knucleotide_rust_count(table: *mut Table, codes: *const u8, n: usize, k: c_int) -> c_int {
    let (table, codes) = (&mut *table, slice_ref(codes, n));
    boundary(|| match table.count(codes, k as usize) {
        Ok(()) => OK,
        Err(_) => NO_MEMORY,
    })
}

/// As `knuc_c_get`, through `*count`.
///
/// # Safety
/// `table` is a live table; `count` is writable.
#[no_mangle]
pub unsafe extern "C" fn knucleotide_rust_get(table: *const Table, key: u64, count: *mut u64) -> c_int {
    let (table, count) = (&*table, &mut *count);
    boundary(|| {
        *count = table.get(key);
        OK
    })
}

/// Free a table from [`knucleotide_rust_new`] (NULL is allowed).
///
/// # Safety
/// `table` came from [`knucleotide_rust_new`] and is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn knucleotide_rust_free(table: *mut Table) -> c_int {
    if table.is_null() {
        return OK;
    }
    // SAFETY: the Box knucleotide_rust_new gave away, taken back once.
    let t = Box::from_raw(table);
    boundary(|| {
        drop(t);
        OK
    })
}

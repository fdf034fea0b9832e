//! speedlab's `rust` references: the algorithm of each `kernels/c/NAME.c`, in
//! safe Rust, behind a C ABI that the kernel's Cython wrapper calls exactly as it
//! calls the C (same chunks, same GIL release, same Ctrl-C checks).
//!
//! Every exported function returns a status ([`OK`], [`PANICKED`],
//! [`NO_MEMORY`]) and passes results through out-pointers. A panic never
//! crosses into C: [`boundary`] catches it (the crate is built with
//! panic = "unwind") and keeps its message for [`speedlab_rust_panic_message`],
//! which the wrapper reads to raise a Python exception naming the kernel.
//!
//! `unsafe` appears only where a pointer and a length from C become a slice
//! ([`slice_ref`], [`slice_mut`]): the C reference trusts the same pointers.

use std::cell::RefCell;
use std::os::raw::{c_char, c_int};
use std::panic::{catch_unwind, AssertUnwindSafe};

pub mod chacha20;
pub mod fannkuchredux;
pub mod fasta;
pub mod mandelbrot;
pub mod nbody;
pub mod revcomp;
pub mod spectralnorm;

/// The call finished.
pub const OK: c_int = 0;
/// The call panicked; its message is kept for [`speedlab_rust_panic_message`].
pub const PANICKED: c_int = 1;
/// A fallible allocation failed (the C reference returns -1 there).
pub const NO_MEMORY: c_int = 2;

thread_local! {
    /// The message of this thread's last panic at the boundary.
    static LAST_PANIC: RefCell<String> = RefCell::new(String::new());
}

/// Run `body`, turning a panic into [`PANICKED`] instead of unwinding into C.
///
/// `AssertUnwindSafe`: after a panic the wrapper raises and drops whatever the
/// body was writing (its buffers belong to the failed call), so no broken
/// invariant is observed.
pub fn boundary<F: FnOnce() -> c_int>(body: F) -> c_int {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(status) => status,
        Err(payload) => {
            let text = if let Some(s) = payload.downcast_ref::<&str>() {
                (*s).to_string()
            } else if let Some(s) = payload.downcast_ref::<String>() {
                s.clone()
            } else {
                "a panic with a non-text payload".to_string()
            };
            LAST_PANIC.with(|m| *m.borrow_mut() = text);
            PANICKED
        }
    }
}

/// Copy this thread's last panic message (UTF-8, truncated to `cap - 1` bytes,
/// NUL-terminated) into `buf`; returns its full length.
///
/// # Safety
/// `buf` points to `cap` writable bytes (or `cap` is 0).
#[no_mangle]
pub unsafe extern "C" fn speedlab_rust_panic_message(buf: *mut c_char, cap: usize) -> usize {
    let text = LAST_PANIC.with(|m| m.borrow().clone());
    if cap > 0 {
        let out = slice_mut(buf as *mut u8, cap);
        let n = text.len().min(cap - 1);
        out[..n].copy_from_slice(&text.as_bytes()[..n]);
        out[n] = 0;
    }
    text.len()
}

/// A test-only entry point: panics inside the boundary the way a kernel would
/// (`how` 0: an out-of-bounds index, 1: an explicit `panic!`), so the tests see
/// the panic path of every module end in a Python exception, not an abort.
#[no_mangle]
pub extern "C" fn speedlab_rust_force_panic(how: c_int) -> c_int {
    boundary(|| {
        let data = [1u8, 2, 3];
        if how == 1 {
            panic!("forced panic (test)");
        }
        // black_box: the index is not known at compile time, so the bounds check stays.
        let i = std::hint::black_box(data.len() + how as usize);
        c_int::from(data[i])
    })
}

/// The slice a C caller passes as pointer + length.
///
/// # Safety
/// `ptr` points to `len` initialised values that live for `'a` (any pointer when
/// `len` is 0: a null pointer from C then becomes the empty slice).
pub unsafe fn slice_ref<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if len == 0 {
        &[]
    } else {
        // SAFETY: the caller's contract, the same the C reference relies on.
        std::slice::from_raw_parts(ptr, len)
    }
}

/// The mutable slice a C caller passes as pointer + length.
///
/// # Safety
/// As [`slice_ref`], and nothing else reads or writes the memory meanwhile.
pub unsafe fn slice_mut<'a, T>(ptr: *mut T, len: usize) -> &'a mut [T] {
    if len == 0 {
        &mut []
    } else {
        // SAFETY: the caller's contract, the same the C reference relies on.
        std::slice::from_raw_parts_mut(ptr, len)
    }
}

# The rust references' C ABI, shared by the kernel wrappers (see kernels/rust/speedlab_rust.h).
#
# A wrapper calls a Rust function exactly where the `c` wrapper calls the C one
# (same chunks, same `with nogil`, same PyErr_CheckSignals between chunks), keeps
# its status, and after the nogil block passes it to rust_check, which turns a
# caught panic into a RuntimeError naming the kernel and carrying the panic's text.

cdef extern from "rust/speedlab_rust.h":
    int RUST_BUILT "SPEEDLAB_RUST_BUILT"  # 1 when setup.py linked the crate into this module
    int RUST_OK "SPEEDLAB_RUST_OK"
    int RUST_PANICKED "SPEEDLAB_RUST_PANICKED"
    int RUST_NO_MEMORY "SPEEDLAB_RUST_NO_MEMORY"
    size_t speedlab_rust_panic_message(char *buf, size_t cap) noexcept nogil
    int speedlab_rust_force_panic(int how) noexcept nogil


cdef inline int rust_check(int status, str kernel) except -1:
    """Raise for a non-OK status from a rust reference: the panic's message, or MemoryError."""
    cdef char buf[512]  # a panic message is one line; longer ones are cut
    if status == RUST_OK:
        return 0
    if status == RUST_NO_MEMORY:
        raise MemoryError(f"{kernel}: the rust reference ran out of memory")
    if status == RUST_PANICKED:
        speedlab_rust_panic_message(buf, sizeof(buf))
        raise RuntimeError(f"{kernel}: the rust reference panicked: "
                           f"{(<char *>buf).decode('utf-8', 'replace')}")
    raise RuntimeError(f"{kernel}: the rust reference is not built into this module")


cdef inline object rust_force_panic(int how, str kernel):
    """The test-only panic path: force a panic inside the boundary, raise as a kernel would."""
    cdef int status
    with nogil:
        status = speedlab_rust_force_panic(how)
    rust_check(status, kernel)

"""Binary-trees on the typed, native, arena and parallel rungs, plus the hand-written C ceiling.

Compiled to ``speedlab._native.binarytrees``. Every variant runs the program of
the pure twin (``speedlab/pure/binarytrees.py``) -- stretch tree, long-lived tree,
``2 ** (max_depth - depth + 4)`` trees of each depth -- and returns the same
``((stretch_depth, check), rows, (long_lived_depth, check))``. The kernel is the
memory-discipline showcase: the variants differ in how a node is allocated.

* ``report_typed``    -- the ``typed`` rung: nodes are ``cdef class`` instances
  with typed children, walked by C functions, but each node is still a Python
  object: allocated by CPython, reference counted and tracked by the garbage
  collector. It isolates static typing.
* ``report_native``   -- the ``native`` rung: nodes are C structs, one ``malloc``
  per node (the official rule), freed node by node; no Python object and no GIL
  while a tree is built, walked or freed. Every allocation is checked: a failure
  frees what was built and raises MemoryError.
* ``report_arena``    -- an extra, **outside the official rules**: all nodes of a
  tree come from one block (a bump pointer into a single ``malloc``), freed at
  once. The clearest picture of memory discipline: one allocation per tree.
* ``report_parallel`` -- the ``parallel`` rung: ``native`` with the trees of each
  depth built, checked and freed on several threads (``prange`` over the
  iterations, per-thread sums combined by an exact integer reduction).
* ``report_c``        -- the ``c`` rung: ``kernels/c/binarytrees.c``.
* ``report_rust``     -- the ``rust`` reference: ``kernels/rust/src/binarytrees.rs``,
  the same one allocation per node in safe Rust (``Option<Box<Node>>`` children,
  each node allocated fallibly so that running out of memory is MemoryError,
  not an abort), driven by the same loop as ``report_c``.
"""

cimport cython
from cpython.exc cimport PyErr_CheckSignals
from cython.parallel cimport prange
from libc.stdlib cimport free, malloc

cimport omp_shim
from rust_abi cimport RUST_BUILT, RUST_NO_MEMORY, RUST_OK, rust_check, rust_force_panic


cdef extern from "c/binarytrees.h":
    ctypedef struct binarytrees_c_node:
        binarytrees_c_node *left
        binarytrees_c_node *right
    binarytrees_c_node *binarytrees_c_make(int depth) noexcept nogil
    long long binarytrees_c_check(const binarytrees_c_node *tree) noexcept nogil
    void binarytrees_c_free(binarytrees_c_node *tree) noexcept nogil
    int binarytrees_c_trees(int depth, long long iterations, long long *total) noexcept nogil

cdef extern from "rust/speedlab_rust.h":
    int binarytrees_rust_make(int depth, binarytrees_c_node **tree) noexcept nogil
    int binarytrees_rust_check(const binarytrees_c_node *tree, long long *count) noexcept nogil
    int binarytrees_rust_free(binarytrees_c_node *tree) noexcept nogil
    int binarytrees_rust_trees(int depth, long long iterations, long long *total) noexcept nogil

ctypedef binarytrees_c_node Node

cdef enum:
    TYPED_CHECK_DEPTH = 16  # the typed rung checks for Ctrl-C once per subtree this deep
    # The shallowest trees of the per-depth loop; the task fixes it at 4.
    MIN_DEPTH = 4
    # Nodes built (and freed) between two Ctrl-C checks: about 10 ms at the
    # ~40 ns a malloc'd node costs to build, walk and free.
    CHECK_NODES = 1 << 18
    # The parallel rung uses threads only when one depth allocates at least
    # this many nodes (max_depth >= 11): ~2 ms of work, against the tens of
    # microseconds a thread team costs to wake. Below it, it runs ``native``.
    PARALLEL_MIN_NODES = 1 << 16

cdef enum:
    # The largest n (as speedlab.binarytrees.MAX_N): its stretch tree already
    # has 2**32 - 1 nodes, more than any machine here can hold.
    MAX_N = 30


cdef int check_n(int n) except -1:
    """Refuse an ``n`` whose trees cannot be built (the public API checks first)."""
    if n < 0 or n > MAX_N:
        raise ValueError(f"n must be in 0..{MAX_N}, got {n}")
    return 0


# The pieces the shared driver below plugs together for each variant.
ctypedef Node *(*make_fn)(int depth) noexcept nogil
ctypedef long long (*check_fn)(const Node *tree) noexcept nogil
ctypedef void (*free_fn)(Node *tree) noexcept nogil
ctypedef int (*trees_fn)(int depth, long long iterations, long long *total) noexcept nogil


# -- typed rung: cdef class nodes, still Python objects -----------------------

cdef class TypedNode:
    """A tree node as an extension type: two typed children, None for a leaf."""
    cdef TypedNode left, right


@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
cdef TypedNode make_typed(int depth):
    """A perfect tree of ``depth`` levels, built bottom-up from TypedNode objects."""
    cdef TypedNode node, left, right
    if depth == 0:
        return TypedNode.__new__(TypedNode)
    if depth == TYPED_CHECK_DEPTH:
        # A 2**17-node subtree takes ~20 ms here: check for Ctrl-C once per subtree,
        # so the 2**23-node stretch tree of n = 21 is interruptible too.
        PyErr_CheckSignals()
    left = make_typed(depth - 1)
    right = make_typed(depth - 1)
    node = TypedNode.__new__(TypedNode)
    node.left = left
    node.right = right
    return node


@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
cdef long long check_typed(TypedNode node) except -1:
    """The number of nodes under ``node``."""
    if node.left is None:
        return 1
    return 1 + check_typed(node.left) + check_typed(node.right)


@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
def report_typed(int n):
    """Everything binary-trees prints, as numbers: the ``typed`` rung."""
    check_n(n)
    cdef int max_depth = max(MIN_DEPTH + 2, n), depth
    cdef long long iterations, i, total
    cdef TypedNode long_lived
    stretch = (max_depth + 1, check_typed(make_typed(max_depth + 1)))
    long_lived = make_typed(max_depth)
    rows = []
    for depth in range(MIN_DEPTH, max_depth + 1, 2):
        iterations = 1LL << (max_depth - depth + MIN_DEPTH)
        total = 0
        for i in range(iterations):
            total += check_typed(make_typed(depth))
            PyErr_CheckSignals()  # a flag test: nothing beside a tree of Python objects
        rows.append((iterations, depth, total))
    return stretch, tuple(rows), (max_depth, check_typed(long_lived))


# -- native rung: one malloc per node, no Python objects, no GIL --------------

cdef void free_native(Node *tree) noexcept nogil:
    """Free every node of ``tree`` (NULL allowed)."""
    if tree == NULL:
        return
    free_native(tree.left)
    free_native(tree.right)
    free(tree)


cdef Node *make_native(int depth) noexcept nogil:
    """A perfect tree built bottom-up, one malloc per node; NULL (nothing leaked) on failure."""
    cdef Node *left = NULL
    cdef Node *right = NULL
    cdef Node *node
    if depth > 0:
        left = make_native(depth - 1)
        if left == NULL:
            return NULL
        right = make_native(depth - 1)
        if right == NULL:
            free_native(left)
            return NULL
    node = <Node *>malloc(sizeof(Node))
    if node == NULL:
        free_native(left)
        free_native(right)
        return NULL
    node.left = left
    node.right = right
    return node


cdef long long check_native(const Node *tree) noexcept nogil:
    """The number of nodes in ``tree``."""
    if tree.left == NULL:
        return 1
    return 1 + check_native(tree.left) + check_native(tree.right)


cdef int trees_native(int depth, long long iterations, long long *total) noexcept nogil:
    """Build, check and free ``iterations`` trees; -1 (nothing leaked) if malloc fails."""
    cdef long long i
    cdef Node *tree
    for i in range(iterations):
        tree = make_native(depth)
        if tree == NULL:
            return -1
        total[0] += check_native(tree)
        free_native(tree)
    return 0


# -- arena extra: one block per tree, freed at once (outside the rules) -------

cdef Node *fill_arena(Node **next, int depth) noexcept nogil:
    """Lay a tree out in pre-order from the bump pointer ``next[0]``; return its root."""
    cdef Node *node = next[0]
    next[0] += 1
    if depth == 0:
        node.left = NULL
        node.right = NULL
    else:
        node.left = fill_arena(next, depth - 1)
        node.right = fill_arena(next, depth - 1)
    return node


cdef Node *make_arena(int depth) noexcept nogil:
    """A perfect tree in one malloc'd block whose first node is the root; NULL on failure."""
    cdef size_t count = (<size_t>2 << depth) - 1  # 2 ** (depth + 1) - 1 nodes
    cdef Node *block = <Node *>malloc(count * sizeof(Node))
    cdef Node *next = block
    if block == NULL:
        return NULL
    fill_arena(&next, depth)
    return block


cdef void free_arena(Node *tree) noexcept nogil:
    """Free a whole arena tree: its root is the start of its block."""
    free(tree)


cdef int trees_arena(int depth, long long iterations, long long *total) noexcept nogil:
    """Build, check and free ``iterations`` arena trees; -1 if malloc fails."""
    cdef long long i
    cdef Node *tree
    for i in range(iterations):
        tree = make_arena(depth)
        if tree == NULL:
            return -1
        total[0] += check_native(tree)
        free_arena(tree)
    return 0


# -- parallel rung: the native trees of one depth spread over threads ---------

cdef int trees_parallel(int depth, long long iterations, long long *total,
                        int threads) noexcept nogil:
    """``trees_native`` with the iterations split over ``threads`` threads."""
    cdef long long i, checks = 0, failures = 0
    cdef Node *tree
    for i in prange(iterations, num_threads=threads, schedule="static"):
        tree = make_native(depth)
        if tree == NULL:
            failures += 1
        else:
            checks += check_native(tree)
            free_native(tree)
    total[0] += checks
    return -1 if failures else 0


# -- the driver shared by native, arena, parallel, c and rust -----------------
#
# The rust reference returns a status from each call (a panic is caught at its
# boundary); these steps give every variant that shape, so the driver runs the
# same calls in the same places for all. Inline: the C paths cost nothing more.

cdef inline int make_step(make_fn make, bint rust, int depth, Node **tree) noexcept nogil:
    """``*tree`` = a new tree of ``depth``; RUST_OK, RUST_NO_MEMORY or a rust status."""
    if rust:
        return binarytrees_rust_make(depth, tree)
    tree[0] = make(depth)
    return RUST_OK if tree[0] != NULL else RUST_NO_MEMORY


cdef inline int check_step(check_fn check, bint rust, const Node *tree, long long *count) noexcept nogil:
    """``*count`` = the nodes of ``tree``."""
    if rust:
        return binarytrees_rust_check(tree, count)
    count[0] = check(tree)
    return RUST_OK


cdef inline int free_step(free_fn release, bint rust, Node *tree) noexcept nogil:
    """Free ``tree`` (NULL is allowed)."""
    if rust:
        return binarytrees_rust_free(tree)
    release(tree)
    return RUST_OK


cdef inline int trees_step(trees_fn trees, bint rust, int depth, long long iterations,
                           long long *total) noexcept nogil:
    """Build, check and free ``iterations`` trees of ``depth``, adding to ``*total``."""
    if rust:
        return binarytrees_rust_trees(depth, iterations, total)
    return RUST_OK if trees(depth, iterations, total) == 0 else RUST_NO_MEMORY


cdef int raise_for(int status, str no_memory) except -1:
    """MemoryError(``no_memory``) for RUST_NO_MEMORY, the rust panic for the rest."""
    if status == RUST_NO_MEMORY:
        raise MemoryError(f"binarytrees: {no_memory}")
    return rust_check(status, "binarytrees")


cdef tuple run_program(int n, make_fn make, check_fn check, free_fn release,
                       trees_fn trees, int threads, bint rust=False):
    """Run the binary-trees program with the given node functions.

    ``threads`` > 1 builds each depth's trees with ``trees_parallel`` (the
    parallel rung); otherwise ``trees`` builds them on this thread. ``rust``
    calls the rust reference's functions instead of the four given. Whatever
    happens (MemoryError, KeyboardInterrupt), the long-lived tree is freed.
    """
    cdef int max_depth = max(MIN_DEPTH + 2, n), depth, status, freed
    cdef long long iterations, done, chunk, batch, nodes, total, stretch_check = 0, long_check = 0
    cdef Node *tree = NULL
    cdef Node *long_lived = NULL
    with nogil:
        status = make_step(make, rust, max_depth + 1, &tree)
        if status == RUST_OK:
            status = check_step(check, rust, tree, &stretch_check)
            freed = free_step(release, rust, tree)
            if status == RUST_OK:
                status = freed
    raise_for(status, f"no memory for the stretch tree of depth {max_depth + 1}")
    PyErr_CheckSignals()
    rows = []
    try:
        with nogil:
            status = make_step(make, rust, max_depth, &long_lived)
        raise_for(status, f"no memory for the long-lived tree of depth {max_depth}")
        for depth in range(MIN_DEPTH, max_depth + 1, 2):
            iterations = 1LL << (max_depth - depth + MIN_DEPTH)
            nodes = (2LL << depth) - 1
            # Trees per call between Ctrl-C checks: ~CHECK_NODES nodes per thread.
            batch = max(1, CHECK_NODES // nodes) * max(threads, 1)
            total = 0
            done = 0
            while done < iterations:
                chunk = min(batch, iterations - done)
                with nogil:
                    if threads > 1:
                        status = RUST_OK if trees_parallel(depth, chunk, &total, threads) == 0 else RUST_NO_MEMORY
                    else:
                        status = trees_step(trees, rust, depth, chunk, &total)
                raise_for(status, f"no memory for a tree of depth {depth}")
                done += chunk
                PyErr_CheckSignals()
            rows.append((iterations, depth, total))
        with nogil:
            status = check_step(check, rust, long_lived, &long_check)
        rust_check(status, "binarytrees")  # a check allocates nothing: only a panic is left
    finally:
        rust_check(free_step(release, rust, long_lived), "binarytrees")
    return (max_depth + 1, stretch_check), tuple(rows), (max_depth, long_check)


def report_native(int n):
    """Everything binary-trees prints, as numbers: the ``native`` rung."""
    check_n(n)
    return run_program(n, make_native, check_native, free_native, trees_native, 1)


def report_arena(int n):
    """Everything binary-trees prints, as numbers: the ``arena`` extra (one block per tree)."""
    check_n(n)
    return run_program(n, make_arena, check_native, free_arena, trees_arena, 1)


def report_parallel(int n, n_threads=None):
    """Everything binary-trees prints, as numbers: the ``parallel`` rung.

    ``n_threads`` None uses every core (``omp_get_max_threads``).
    """
    check_n(n)
    cdef int threads = omp_shim.omp_get_max_threads() if n_threads is None else n_threads
    cdef int max_depth = max(MIN_DEPTH + 2, n)
    if threads < 1:
        raise ValueError(f"n_threads must be >= 1, got {threads}")
    # Every depth allocates about 2 ** (max_depth + 5) nodes (iterations x tree size).
    if (1LL << (max_depth + 5)) < PARALLEL_MIN_NODES:
        threads = 1
    return run_program(n, make_native, check_native, free_native, trees_native, threads)


def report_c(int n):
    """Everything binary-trees prints, as numbers: the hand-written C ceiling."""
    check_n(n)
    return run_program(n, binarytrees_c_make, binarytrees_c_check, binarytrees_c_free,
                       binarytrees_c_trees, 1)


def report_rust(int n):
    """Everything binary-trees prints, as numbers: the ``rust`` reference (safe Rust)."""
    check_n(n)
    return run_program(n, NULL, NULL, NULL, NULL, 1, True)  # rust: the four functions are Rust's


def _rust_panic(int how):
    """Test only: force a panic inside the rust boundary of this module (see rust_abi.pxd)."""
    rust_force_panic(how, "binarytrees")


if not RUST_BUILT:
    # Built without Rust: the variant reports the build's reason (speedlab info).
    del report_rust, _rust_panic


# -- the trees of one depth: one part of a split -------------------------------

def trees_native_total(int depth, long long iterations):
    """Total check of ``iterations`` trees of ``depth``, each built, checked and freed: ``native``.

    The per-depth loop of ``report_native`` on its own (one malloc per node, GIL
    released), in batches of about CHECK_NODES nodes between Ctrl-C checks.
    """
    if depth < 0 or depth > MAX_N + 1:
        raise ValueError(f"depth must be in 0..{MAX_N + 1}, got {depth}")
    if iterations < 0:
        raise ValueError(f"iterations must be >= 0, got {iterations}")
    cdef long long nodes = (2LL << depth) - 1, batch = max(1, CHECK_NODES // nodes)
    cdef long long done = 0, chunk, total = 0
    cdef int status
    while done < iterations:
        chunk = min(batch, iterations - done)
        with nogil:
            status = trees_native(depth, chunk, &total)
        if status != 0:
            raise MemoryError(f"binarytrees: no memory for a tree of depth {depth}")
        done += chunk
        PyErr_CheckSignals()
    return total

# distutils: language = c++
"""Binary-trees on the typed, native and parallel rungs, the pool and arena variants and the C ceiling.

Compiled to ``speedlab._native.binarytrees`` (as C++: the memory pools the
official rules allow must come from a library, and C++17's ``std::pmr`` is the
standard library's). Every variant runs the program of
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
* ``report_pool``     -- a labelled variant **within the official rules**, which
  allow a library memory pool (the fastest C program uses APR's): each thread's
  trees come from a ``std::pmr::monotonic_buffer_resource`` -- the C++ standard
  library's bump-pointer pool -- on one buffer that holds a tree of the current
  depth, reset with ``release()`` after each tree, as the fastest C clears its APR
  pool. One library call per node, no per-node free, memory reused from tree to
  tree (and from depth to depth: every depth's pool is on the stretch tree's
  buffer). Ctrl-C is checked while even the stretch tree is built. Not a rung: the allocation *is* this program's algorithm, and ``native``
  keeps the per-node ``malloc`` that the ``c`` rung mirrors.
* ``report_arena``    -- an extra, **outside the official rules**: all nodes of a
  tree come from one block (a bump pointer into a single ``malloc``), freed at
  once. The clearest picture of memory discipline: one allocation per tree.
* ``report_parallel`` -- the ``parallel`` rung, built on the fastest rule-abiding
  single-thread code, ``pool``: the trees of each depth built, checked and
  released on several threads (``prange`` over the iterations, per-thread sums
  combined by an exact integer reduction), each thread with its own pool -- so no
  thread waits on a shared allocator (glibc's malloc locks its arenas once a
  process has threads). Each of two threads builds one half of the stretch tree
  and then one half of the long-lived tree (a root node joins each pair), and
  both walk each; each depth is one parallel region (the main
  thread checks for Ctrl-C inside it, the others read a stop flag), so no
  thread waits at a barrier until its depth is done. The threads' pools are
  slices of the block the stretch tree was built in (its pages already
  faulted in), reused for every depth. Below 2**19 nodes a depth (n < 14) it
  runs on one thread: there, waking a second one costs more than it saves.

  Both need C++17's ``<memory_resource>`` (GCC 9+ in C++17 mode, the default
  from GCC 11; clang 16+ with libc++; MSVC with /std:c++17). A build whose C++
  library lacks it still compiles: ``HAVE_PMR`` is then False and the two raise
  RuntimeError saying why.
* ``report_c``        -- the ``c`` rung: ``kernels/c/binarytrees.c``.
* ``report_rust``     -- the ``rust`` reference: ``kernels/rust/src/binarytrees.rs``,
  the same one allocation per node in safe Rust (``Option<Box<Node>>`` children,
  each node allocated fallibly so that running out of memory is MemoryError,
  not an abort), driven by the same loop as ``report_c``.
"""

cimport cython
from cpython.exc cimport PyErr_CheckSignals, PyErr_Occurred
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

# The library pool (C++17 <memory_resource>): what the pool and parallel variants
# allocate nodes from. Where the C++ library has no std::pmr, the block below
# declares a stand-in with the same names that never hands out memory, and
# SPEEDLAB_HAVE_PMR is 0 (report_pool and report_parallel then refuse to run).
cdef extern from *:
    """
    #include <cstddef>
    #if defined(__has_include)
    #  if __has_include(<memory_resource>)
    #    include <memory_resource>
    #  endif
    #endif
    #if defined(__cpp_lib_memory_resource) && __cpp_lib_memory_resource >= 201603L
    #define SPEEDLAB_HAVE_PMR 1
    typedef std::pmr::memory_resource speedlab_memory_resource;
    static inline speedlab_memory_resource *speedlab_new_delete_resource() noexcept
    {
        return std::pmr::new_delete_resource();
    }
    /* The standard library's monotonic pool, unchanged; `final` only tells the
     * compiler that no class overrides it, so a node allocation calls its inline
     * do_allocate directly (a pointer bump) instead of through the vtable.
     * alignas(64): each pool on cache lines of its own. A pool writes its bump
     * pointer on every node; two threads' pools side by side on the heap (as two
     * `new`s in a row put them) would pass one cache line back and forth. */
    struct alignas(64) speedlab_tree_pool final : std::pmr::monotonic_buffer_resource {
        using std::pmr::monotonic_buffer_resource::monotonic_buffer_resource;
    };
    #else
    #define SPEEDLAB_HAVE_PMR 0
    #include <new>
    struct speedlab_memory_resource {  /* stand-in: never used, see HAVE_PMR */
        void *allocate(size_t, size_t) { throw std::bad_alloc(); }
        void deallocate(void *, size_t, size_t) noexcept {}
    };
    static inline speedlab_memory_resource *speedlab_new_delete_resource() noexcept
    {
        static speedlab_memory_resource none;
        return &none;
    }
    struct speedlab_tree_pool : speedlab_memory_resource {
        speedlab_tree_pool(void *, size_t, speedlab_memory_resource *) {}
        void release() noexcept {}
    };
    #endif
    /* One node from a tree's pool; NULL instead of std::bad_alloc (a C++
     * exception must not unwind through the C frames of the interpreter). */
    static inline binarytrees_c_node *speedlab_pool_node(speedlab_tree_pool *pool) noexcept
    {
        try {
            return static_cast<binarytrees_c_node *>(
                pool->allocate(sizeof(binarytrees_c_node), alignof(binarytrees_c_node)));
        } catch (...) {
            return nullptr;
        }
    }
    static const size_t speedlab_node_align = alignof(binarytrees_c_node);

    #include <atomic>
    /* What the threads of one run share: a stop flag any thread may raise (the
     * main thread saw Ctrl-C, or a pool had no memory), read by the others
     * between trees; and, for the main thread only, the nodes built since it
     * last checked for Ctrl-C. */
    struct speedlab_poll {
        /* alignas(64): the flag the other threads read between trees shares no
         * cache line with the count the main thread writes after each one. */
        alignas(64) std::atomic<int> stop{0};
        alignas(64) long long since = 0;
        int interrupted = 0;
    };
    static inline int speedlab_poll_stopped(speedlab_poll *p) noexcept
    {
        return p->stop.load(std::memory_order_relaxed);
    }
    static inline void speedlab_poll_stop(speedlab_poll *p) noexcept
    {
        p->stop.store(1, std::memory_order_relaxed);
    }
    """
    const bint SPEEDLAB_HAVE_PMR
    cdef cppclass memory_resource "speedlab_memory_resource" nogil:
        void *allocate(size_t bytes, size_t alignment) except +
        void deallocate(void *p, size_t bytes, size_t alignment)
    memory_resource *new_delete_resource "speedlab_new_delete_resource" () noexcept nogil
    cdef cppclass TreePoolResource "speedlab_tree_pool"(memory_resource) nogil:
        TreePoolResource(void *buffer, size_t size, memory_resource *upstream) except +
        void release()
    Node *pool_node "speedlab_pool_node" (TreePoolResource *pool) noexcept nogil
    const size_t NODE_ALIGN "speedlab_node_align"
    cdef cppclass Poll "speedlab_poll":
        long long since
        int interrupted
    bint poll_stopped "speedlab_poll_stopped" (Poll *poll) noexcept nogil
    void poll_stop "speedlab_poll_stop" (Poll *poll) noexcept nogil
    # PyErr_CheckSignals without Cython's exception check: -1 leaves the
    # exception set, to be raised once the threads have stopped (raise_pending).
    int check_signals "PyErr_CheckSignals" () noexcept

#: True when the C++ library had std::pmr at build time (pool and parallel need it).
HAVE_PMR = bool(SPEEDLAB_HAVE_PMR)


cdef int need_pmr(str variant) except -1:
    """Refuse to run ``variant`` in a build without std::pmr, saying why."""
    if not SPEEDLAB_HAVE_PMR:
        raise RuntimeError(f"binarytrees {variant}: this build's C++ library has no std::pmr "
                           "(C++17 <memory_resource>); rebuild with a C++17 compiler and library")
    return 0


cdef enum:
    TYPED_CHECK_DEPTH = 16  # the typed rung checks for Ctrl-C once per subtree this deep
    # The shallowest trees of the per-depth loop; the task fixes it at 4.
    MIN_DEPTH = 4
    # Nodes built (and freed) between two Ctrl-C checks: about 10 ms at the
    # ~40 ns a malloc'd node costs to build, walk and free.
    CHECK_NODES = 1 << 18
    # The pool variants check for Ctrl-C from inside their nogil code (taking
    # the GIL for a moment, on the main thread only) once per 2**21 nodes: ~6 ms
    # at the ~3 ns a pool node costs to build and walk. The other threads never
    # wait for it: they read a stop flag between trees.
    POLL_NODES = 1 << 21
    # The stretch and long-lived trees are built as subtrees of this depth
    # (2**21 - 1 nodes: one POLL_NODES), with a check before each.
    POLL_DEPTH = 20
    # Nodes a parallel thread takes at most at once from a depth's trees
    # (dynamic schedule): ~0.2 ms of pool work, so a thread that lost its core
    # holds back little; a tree deeper than this is one grab.
    POOL_GRAB_NODES = 1 << 16
    # ... and at least this many grabs per thread and depth: with only a few
    # grabs per depth (n = 14 had 4 at depth 4), a thread that woke late got one
    # and its partner waited for nothing at the end of the depth.
    POOL_GRABS_PER_THREAD = 16
    # The parallel rung uses threads only when one depth allocates at least this
    # many nodes (max_depth >= 14: ~1.5 ms of pool work per depth). At the size
    # `explain` measures (12, 2**17 nodes a depth) two threads lost to one
    # (0.91x, quiet machine, before this threshold): waking the team and the
    # end-of-depth wait cost more than half of 0.4 ms. Below it, it runs ``pool``.
    PARALLEL_MIN_NODES = 1 << 19
    # Each thread's pool buffer is a slice of one block, rounded up to whole
    # pages: no two threads write to the same page or cache line.
    PAGE_BYTES = 4096

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


# -- pool variant: nodes from the C++ standard library's pool (the rules allow it)

cdef struct TreePool:
    TreePoolResource *pool            # NULL when closed; its buffer belongs to the caller


cdef inline size_t tree_bytes(int depth) noexcept nogil:
    """Bytes of a tree of ``depth``: 2 ** (depth + 1) - 1 nodes."""
    return ((<size_t>2 << depth) - 1) * sizeof(Node)


cdef void *alloc_block(size_t bytes, int depth) except NULL:
    """A buffer of ``bytes`` from the library's default upstream; MemoryError if none."""
    try:
        return new_delete_resource().allocate(bytes, NODE_ALIGN)
    except MemoryError:
        raise MemoryError(f"binarytrees: no memory for a pool of depth-{depth} trees") from None


cdef void free_block(void *block, size_t bytes) noexcept:
    """Give ``block`` (from alloc_block; NULL allowed) back to the upstream."""
    if block != NULL:
        new_delete_resource().deallocate(block, bytes, NODE_ALIGN)


cdef int open_pool(TreePool *p, void *buffer, size_t bytes) except -1:
    """Give ``p`` a library pool on ``buffer`` (``bytes`` long, owned by the caller)."""
    # NOTE: release() rewinds the pool to this buffer, so a tree reuses the
    # memory of the one before (no page faults, no malloc per tree), as
    # apr_pool_clear does in the fastest C program. The buffer holds one tree of
    # the pool's depth, so the upstream (operator new) is never asked for more.
    try:
        p.pool = new TreePoolResource(buffer, bytes, new_delete_resource())
    except MemoryError:
        p.pool = NULL
        raise MemoryError("binarytrees: no memory for a pool") from None
    return 0


cdef void close_pool(TreePool *p) noexcept:
    """Destroy ``p``'s pool (every node it gave out); safe when closed. Its buffer stays."""
    if p.pool != NULL:
        del p.pool
        p.pool = NULL


cdef Node *make_pool(TreePoolResource *pool, int depth) noexcept nogil:
    """A perfect tree built top-down from ``pool``; NULL when the pool has no memory.

    Nothing is freed node by node: the caller releases the whole pool.
    """
    cdef Node *node = pool_node(pool)
    if node == NULL:
        return NULL
    if depth == 0:
        node.left = NULL
        node.right = NULL
        return node
    node.left = make_pool(pool, depth - 1)
    if node.left == NULL:
        return NULL
    node.right = make_pool(pool, depth - 1)
    if node.right == NULL:
        return NULL
    return node


cdef bint poll_main(Poll *poll) noexcept nogil:
    """On the main thread: check for Ctrl-C; True when every thread must stop.

    Takes the GIL for the check (microseconds when no other Python thread runs);
    a signal handler's exception stays set, and ``poll.interrupted`` says so.
    """
    cdef int status
    with gil:
        status = check_signals()
    if status != 0:
        poll.interrupted = 1
        poll_stop(poll)
    return poll_stopped(poll)


cdef Node *make_pool_polled(TreePoolResource *pool, int depth, Poll *poll, bint main) noexcept nogil:
    """``make_pool`` for the stretch and long-lived trees, stoppable while it builds.

    The same nodes in the same order; each subtree of POLL_DEPTH is preceded by a
    check: for Ctrl-C on the ``main`` thread, of the stop flag on the others.
    NULL when the pool has no memory or the run must stop.
    """
    cdef Node *node
    if depth <= POLL_DEPTH:
        if poll_main(poll) if main else poll_stopped(poll):
            return NULL
        return make_pool(pool, depth)
    node = pool_node(pool)
    if node == NULL:
        return NULL
    node.left = make_pool_polled(pool, depth - 1, poll, main)
    if node.left == NULL:
        return NULL
    node.right = make_pool_polled(pool, depth - 1, poll, main)
    if node.right == NULL:
        return NULL
    return node


cdef int trees_pool(int depth, long long iterations, long long *total,
                    TreePool *pools, int threads, Poll *poll) noexcept nogil:
    """Build, check and release ``iterations`` trees, each thread from its own pool.

    ``threads`` > 1 splits the iterations with ``prange`` (the parallel rung):
    thread t uses ``pools[t]`` only. One call per depth: the main thread checks
    for Ctrl-C every POLL_NODES nodes it builds, the others only read the stop
    flag, so no thread waits at a barrier before the depth is done. Returns -1
    when stopped: a pool ran out of memory, or Ctrl-C (``poll.interrupted``).
    """
    cdef long long i, checks = 0, failures = 0, nodes = (2LL << depth) - 1
    cdef Node *tree
    cdef int tid
    if threads <= 1:
        for i in range(iterations):
            tree = make_pool(pools[0].pool, depth)
            if tree == NULL:
                pools[0].pool.release()
                return -1
            total[0] += check_native(tree)
            pools[0].pool.release()  # the whole tree at once
            poll.since += nodes
            if poll.since >= POLL_NODES:
                poll.since = 0
                if poll_main(poll):
                    return -1
        return 0
    cdef long long grab = max(1, min(POOL_GRAB_NODES >> depth,
                                     iterations // (threads * POOL_GRABS_PER_THREAD)))
    for i in prange(iterations, num_threads=threads, schedule="dynamic", chunksize=grab):
        if not poll_stopped(poll):
            tid = omp_shim.omp_get_thread_num()
            tree = make_pool(pools[tid].pool, depth)
            if tree == NULL:
                failures += 1
                poll_stop(poll)
            else:
                checks += check_native(tree)
            pools[tid].pool.release()
            if tid == 0:  # the thread that called: the one that may run Python
                poll.since += nodes
                if poll.since >= POLL_NODES:
                    poll.since = 0
                    poll_main(poll)
    total[0] += checks
    return -1 if failures or poll_stopped(poll) else 0


cdef long long check_on_two(const Node *tree) noexcept nogil:
    """``check_native(tree)`` with its two subtrees walked on two threads at once."""
    cdef long long counts[2]
    cdef long long *out = counts
    cdef int i
    if tree.left == NULL:
        return 1
    for i in prange(2, num_threads=2, schedule="static", chunksize=1):
        out[i] = check_native(tree.left if i == 0 else tree.right)
    return 1 + counts[0] + counts[1]


cdef int raise_pending() except -1:
    """Raise the exception a signal handler left set during ``poll_main``."""
    if PyErr_Occurred() == NULL:
        raise KeyboardInterrupt  # not reached: poll.interrupted means one is set
    return -1


# -- the driver shared by native, arena, c and rust -----------------
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


cdef Node *join(TreePoolResource *pool, Node *left, Node *right) noexcept nogil:
    """A root node from ``pool`` over two subtrees built elsewhere; NULL when the pool has no memory."""
    cdef Node *node = pool_node(pool)
    if node != NULL:
        node.left = left
        node.right = right
    return node


cdef inline size_t page_round(size_t bytes) noexcept nogil:
    """``bytes`` rounded up to whole pages."""
    return (bytes + PAGE_BYTES - 1) // PAGE_BYTES * PAGE_BYTES


cdef tuple run_pool(int n, int threads):
    """Run the binary-trees program with every tree in a library pool, on ``threads`` threads.

    The same program as ``run_program``. One block holds the stretch tree's
    pool, then the per-thread pools of every depth (a slice each, sized for the
    deepest): the pages are faulted in once, by the stretch tree, and reused.
    On one thread the long-lived tree's pool comes first in the block. On two
    or more, each of two threads builds one child subtree of the stretch tree
    and then one of the long-lived tree (a pool of its own for each subtree, so
    both threads do the same work), and a root node joins each pair; the
    long-lived tree has a block of its own (the peak: both trees).
    Whatever happens (MemoryError, KeyboardInterrupt), every pool is destroyed.
    """
    cdef int max_depth = max(MIN_DEPTH + 2, n), depth, t, status = 0
    # The deepest tree of the per-depth loop: max_depth or the even depth below it.
    cdef int deepest = MIN_DEPTH + (max_depth - MIN_DEPTH) // 2 * 2
    cdef size_t slice_bytes = page_round(tree_bytes(deepest))
    # On two threads: the pools of one child subtree of the stretch tree and of
    # the long-lived tree; the first of each pair has a page more for the root.
    cdef size_t stretch_half = page_round(tree_bytes(max_depth))
    cdef size_t long_half = page_round(tree_bytes(max_depth - 1))
    cdef size_t long_bytes = tree_bytes(max_depth) if threads < 2 else 2 * long_half + PAGE_BYTES
    # On one thread the long-lived tree follows the stretch tree into the block
    # too (the stretch tree is gone by then): the peak stays one stretch tree.
    cdef size_t first_slice = 0 if threads >= 2 else page_round(long_bytes)
    cdef size_t block_bytes = max(tree_bytes(max_depth + 1), first_slice + threads * slice_bytes)
    cdef long long i, iterations, total, stretch_check = 0, long_check
    cdef Node *tree = NULL
    cdef Node *long_lived = NULL
    cdef Node *kids[4]  # on two threads: the stretch tree's two children, then the long-lived tree's
    cdef char *block = NULL
    cdef char *long_block = NULL
    cdef TreePool stretch_pool, long_pool
    cdef TreePool halves[4]  # the pools of kids[0..3]
    cdef Poll poll
    cdef Poll *pp = &poll
    cdef TreePool *pools = <TreePool *>malloc(threads * sizeof(TreePool))
    if pools == NULL:
        raise MemoryError("binarytrees: no memory for the per-thread pools")
    stretch_pool.pool = long_pool.pool = NULL
    for t in range(4):
        halves[t].pool = NULL
        kids[t] = NULL
    for t in range(threads):
        pools[t].pool = NULL
    if threads >= 2:
        block_bytes = max(block_bytes, 2 * stretch_half + PAGE_BYTES)
    rows = []
    try:
        block = <char *>alloc_block(block_bytes, max_depth + 1)
        if threads >= 2:
            long_block = <char *>alloc_block(long_bytes, max_depth)
            open_pool(&halves[0], block, stretch_half + PAGE_BYTES)
            open_pool(&halves[1], block + stretch_half + PAGE_BYTES, stretch_half)
            open_pool(&halves[2], long_block, long_half + PAGE_BYTES)
            open_pool(&halves[3], long_block + long_half + PAGE_BYTES, long_half)
            with nogil:
                # Thread i builds child i of the stretch tree, then child i of the
                # long-lived tree; thread 0 (this one) checks for Ctrl-C.
                for i in prange(2, num_threads=2, schedule="static", chunksize=1):
                    kids[i] = make_pool_polled(halves[i].pool, max_depth, pp,
                                               omp_shim.omp_get_thread_num() == 0)
                    if kids[i] != NULL:
                        kids[2 + i] = make_pool_polled(halves[2 + i].pool, max_depth - 1, pp,
                                                       omp_shim.omp_get_thread_num() == 0)
                    if kids[i] == NULL or kids[2 + i] == NULL:
                        poll_stop(pp)
                if kids[0] != NULL and kids[1] != NULL:
                    tree = join(halves[0].pool, kids[0], kids[1])
                if tree != NULL:
                    stretch_check = check_on_two(tree)
                if kids[2] != NULL and kids[3] != NULL:
                    long_lived = join(halves[2].pool, kids[2], kids[3])
        else:
            open_pool(&stretch_pool, block, block_bytes)
            with nogil:
                tree = make_pool_polled(stretch_pool.pool, max_depth + 1, pp, True)
                if tree != NULL:
                    stretch_check = check_native(tree)
        if poll.interrupted:
            raise_pending()
        if tree == NULL:
            raise MemoryError(f"binarytrees: no memory for the stretch tree of depth {max_depth + 1}")
        # the stretch tree is gone; its pages stay in the block
        close_pool(&stretch_pool)
        close_pool(&halves[0])
        close_pool(&halves[1])
        if threads < 2:
            open_pool(&long_pool, block, long_bytes)
            with nogil:
                long_lived = make_pool_polled(long_pool.pool, max_depth, pp, True)
            if poll.interrupted:
                raise_pending()
        if long_lived == NULL:
            raise MemoryError(f"binarytrees: no memory for the long-lived tree of depth {max_depth}")
        for t in range(threads):
            open_pool(&pools[t], block + first_slice + t * slice_bytes, slice_bytes)
        for depth in range(MIN_DEPTH, max_depth + 1, 2):
            iterations = 1LL << (max_depth - depth + MIN_DEPTH)
            total = 0
            with nogil:
                status = trees_pool(depth, iterations, &total, pools, threads, pp)
            if poll.interrupted:
                raise_pending()
            if status != 0:
                raise MemoryError(f"binarytrees: no memory for a tree of depth {depth}")
            rows.append((iterations, depth, total))
        with nogil:
            long_check = check_on_two(long_lived) if threads >= 2 else check_native(long_lived)
    finally:
        close_pool(&stretch_pool)
        close_pool(&long_pool)
        for t in range(4):
            close_pool(&halves[t])
        for t in range(threads):
            close_pool(&pools[t])
        free(pools)
        free_block(block, block_bytes)
        free_block(long_block, long_bytes)
    return (max_depth + 1, stretch_check), tuple(rows), (max_depth, long_check)


# -- the driver shared by native, arena, c and rust --------------------------

cdef tuple run_program(int n, make_fn make, check_fn check, free_fn release,
                       trees_fn trees, bint rust=False):
    """Run the binary-trees program with the given node functions, on this thread.

    ``rust`` calls the rust reference's functions instead of the four given.
    Whatever happens (MemoryError, KeyboardInterrupt), the long-lived tree is freed.
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
            # Trees per call between Ctrl-C checks: ~CHECK_NODES nodes.
            batch = max(1, CHECK_NODES // nodes)
            total = 0
            done = 0
            while done < iterations:
                chunk = min(batch, iterations - done)
                with nogil:
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
    return run_program(n, make_native, check_native, free_native, trees_native)


def report_arena(int n):
    """Everything binary-trees prints, as numbers: the ``arena`` extra (one block per tree)."""
    check_n(n)
    return run_program(n, make_arena, check_native, free_arena, trees_arena)


def report_pool(int n):
    """Everything binary-trees prints, as numbers: the ``pool`` variant (std::pmr, one thread)."""
    check_n(n)
    need_pmr("pool")
    return run_pool(n, 1)


def report_parallel(int n, n_threads=None):
    """Everything binary-trees prints, as numbers: the ``parallel`` rung.

    ``n_threads`` None uses every core (``omp_get_max_threads``).
    """
    check_n(n)
    need_pmr("parallel")
    cdef int threads = omp_shim.omp_get_max_threads() if n_threads is None else n_threads
    cdef int max_depth = max(MIN_DEPTH + 2, n)
    if threads < 1:
        raise ValueError(f"n_threads must be >= 1, got {threads}")
    # Every depth allocates about 2 ** (max_depth + 5) nodes (iterations x tree size).
    if (1LL << (max_depth + 5)) < PARALLEL_MIN_NODES:
        threads = 1
    return run_pool(n, threads)


def report_c(int n):
    """Everything binary-trees prints, as numbers: the hand-written C ceiling."""
    check_n(n)
    return run_program(n, binarytrees_c_make, binarytrees_c_check, binarytrees_c_free,
                       binarytrees_c_trees)


def report_rust(int n):
    """Everything binary-trees prints, as numbers: the ``rust`` reference (safe Rust)."""
    check_n(n)
    return run_program(n, NULL, NULL, NULL, NULL, True)  # rust: the four functions are Rust's


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

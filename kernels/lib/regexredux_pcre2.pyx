"""regex-redux on PCRE2 and its JIT: the ``pcre2`` variant and the ``parallel`` rung built on it.

Compiled to ``speedlab._native.regexredux_pcre2`` only when the build found
libpcre2-8 with its JIT compiler (setup.py's probe); otherwise both variants are
listed as not built, with the reason. This is the library step of the ladder:
the program stays the same fifteen regular expressions (``speedlab.pure.regexredux``)
and the regex engine changes, from CPython's ``re`` (a backtracking
interpreter that holds the GIL) to PCRE2, whose JIT compiles each pattern to
machine code. The fastest Benchmarks Game programs for this task do the same.

* ``analyse_pcre2``    -- the ``pcre2`` variant: the header/newline removal, the
  nine counts and the five replacements, each pattern compiled by PCRE2 and its
  JIT, matched with ``pcre2_jit_match`` on raw bytes, one thread, without the GIL.
  The replacements are a copy loop of ours between matches (one growing buffer
  per step, checked), which is what ``pcre2_substitute`` would do.
* ``analyse_parallel`` -- the ``parallel`` rung on top of it: the same tasks, the
  nine counts and the replacement chain, run at once on OpenMP threads (schedule
  dynamic, the chain first because it is the longest; serial below 256 KiB of
  sequence, where waking threads costs more than it saves). Compiled patterns are
  read-only and shared; each task owns its match data and JIT stack, since a
  JIT stack serves one match at a time.

The results are the pure twin's, byte for byte: leftmost-first alternation and
non-overlapping matches scanned left to right, as in ``re``; no UTF mode (a byte
is a code unit, as in a ``bytes`` pattern); the newline convention is set to LF
explicitly, so ``.`` stops at ``\\n`` only whatever PCRE2's build default is.
None of the program's patterns can match the empty string.

Without the GIL the tasks cannot see Ctrl-C, so they advance in rounds of
``ROUND_BYTES`` of their subject each; between rounds the GIL is taken back and
``PyErr_CheckSignals()`` runs.
"""

cimport omp_shim
from cpython.exc cimport PyErr_CheckSignals
from cython.parallel cimport prange
from libc.stdint cimport uint32_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy, memset

from pcre2 cimport (
    PCRE2_CONFIG_JIT, PCRE2_CONFIG_VERSION, PCRE2_ERROR_JIT_BADOPTION, PCRE2_ERROR_JIT_STACKLIMIT,
    PCRE2_ERROR_NOMATCH, PCRE2_ERROR_NOMEMORY, PCRE2_JIT_COMPLETE, PCRE2_NEWLINE_LF, PCRE2_SIZE,
    PCRE2_SPTR, PCRE2_UCHAR, pcre2_code, pcre2_code_free, pcre2_compile, pcre2_compile_context,
    pcre2_compile_context_create, pcre2_compile_context_free, pcre2_config, pcre2_get_error_message,
    pcre2_get_ovector_pointer, pcre2_jit_compile, pcre2_jit_match, pcre2_jit_stack,
    pcre2_jit_stack_assign, pcre2_jit_stack_create, pcre2_jit_stack_free, pcre2_match_context,
    pcre2_match_context_create, pcre2_match_context_free, pcre2_match_data, pcre2_match_data_create,
    pcre2_match_data_free, pcre2_set_newline,
)

from speedlab.pure.regexredux import CLEAN, SUBSTITUTIONS, VARIANTS

cdef enum:
    N_COUNTS = 9
    N_SUBS = 5
    # pattern indices: 0 the cleaning one, 1..9 the counted ones, 10..14 the replacements
    FIRST_COUNT = 1
    FIRST_SUB = 1 + N_COUNTS
    N_PATTERNS = 1 + N_COUNTS + N_SUBS
    # tasks after cleaning: the replacement chain (index 0, the longest: first) and the nine counts
    N_TASKS = 1 + N_COUNTS
    # Subject bytes each task advances per round before the GIL is taken back to
    # check Ctrl-C: the JIT scans these patterns at roughly 1 GB/s, so a round is
    # a few ms, and fasta 5,000,000 (50 MB cleaned) takes a few hundred rounds.
    ROUND_BYTES = 1 << 22
    # Below this many cleaned bytes the parallel rung runs its tasks on one
    # thread: the whole job is then under ~10 ms, and waking a second thread for
    # each round costs more than it saves on a busy machine.
    PARALLEL_MIN_BYTES = 1 << 18
    # JIT stack per task: PCRE2's own default start (32 KiB), allowed to grow to
    # 1 MiB; these patterns have no nesting and need only the start.
    JIT_STACK_START = 32 * 1024
    JIT_STACK_MAX = 1 << 20
    # A PCRE2 error message fits in 120 bytes (pcre2api: "a buffer of 120 code units is ample").
    MESSAGE_BYTES = 256

# Error codes of ours beside PCRE2's (which are all negative and above -100).
cdef enum:
    OUT_OF_MEMORY = -1000

cdef struct Program:
    pcre2_code *code[N_PATTERNS]
    const unsigned char *replacement[N_PATTERNS]  # NULL for a counted pattern
    size_t replacement_length[N_PATTERNS]


cdef class Patterns:
    """The fifteen patterns, compiled and JIT-compiled once; read-only (so shared by threads) afterwards."""

    cdef Program program
    cdef tuple _keep  # the replacement bytes the program points into

    def __cinit__(self):
        memset(&self.program, 0, sizeof(Program))
        self._keep = (b"",) + tuple(r for _, r in SUBSTITUTIONS)
        patterns = (CLEAN,) + VARIANTS + tuple(p for p, _ in SUBSTITUTIONS)
        cdef pcre2_compile_context *context = pcre2_compile_context_create(NULL)
        cdef int error = 0, i
        cdef PCRE2_SIZE offset = 0
        cdef bytes pattern
        if context == NULL:
            raise MemoryError("PCRE2: cannot allocate a compile context")
        try:
            pcre2_set_newline(context, PCRE2_NEWLINE_LF)
            for i in range(N_PATTERNS):
                pattern = patterns[i]
                self.program.code[i] = pcre2_compile(<PCRE2_SPTR><const char *>pattern, len(pattern), 0,
                                                     &error, &offset, context)
                if self.program.code[i] == NULL:
                    raise_for(error, f"compiling {pattern!r}")
                error = pcre2_jit_compile(self.program.code[i], PCRE2_JIT_COMPLETE)
                if error != 0:
                    raise_for(error, f"JIT-compiling {pattern!r}")
            self.program.replacement[0] = <const unsigned char *><const char *>self._keep[0]
            for i in range(N_SUBS):
                self.program.replacement[FIRST_SUB + i] = <const unsigned char *><const char *>self._keep[1 + i]
                self.program.replacement_length[FIRST_SUB + i] = len(self._keep[1 + i])
        finally:
            pcre2_compile_context_free(context)

    def __dealloc__(self):
        cdef int i
        for i in range(N_PATTERNS):
            pcre2_code_free(self.program.code[i])  # NULL is a no-op


cdef str message(int error):
    """PCRE2's text for an error code."""
    cdef PCRE2_UCHAR buffer[MESSAGE_BYTES]
    if pcre2_get_error_message(error, buffer, MESSAGE_BYTES) < 0:
        return f"PCRE2 error {error}"
    return (<char *>buffer).decode("ascii", "replace")


cdef int raise_for(int error, str doing) except -1:
    """Raise the Python exception for a PCRE2 (or our) error code met while ``doing``."""
    if error == OUT_OF_MEMORY:
        raise MemoryError(f"regexredux/pcre2: out of memory {doing}")
    if error == PCRE2_ERROR_NOMEMORY:
        raise MemoryError(f"regexredux/pcre2: PCRE2 ran out of memory {doing} (its JIT also needs "
                          "executable memory, which a hardened system may refuse)")
    if error == PCRE2_ERROR_JIT_BADOPTION:
        raise RuntimeError(f"regexredux/pcre2: {doing}: this libpcre2-8 has no JIT compiler "
                           f"({message(error)}); rebuild speedlab against a PCRE2 built with its JIT")
    if error == PCRE2_ERROR_JIT_STACKLIMIT:
        raise RuntimeError(f"regexredux/pcre2: {doing}: the JIT stack limit ({JIT_STACK_MAX:,} bytes) "
                           "was reached")
    raise RuntimeError(f"regexredux/pcre2: {doing}: {message(error)}")


# Compiled on first use, not at import, so that a JIT failure is an exception of
# the call (MemoryError, RuntimeError) rather than an import error that would hide
# the variant. NOTE: guarded by the GIL, which Patterns() holds throughout; in the
# worst case two threads both compile and the second result is dropped.
_CACHE = []


cdef Patterns compiled():
    if not _CACHE:
        _CACHE.append(Patterns())
    return _CACHE[0]


def pcre2_version():
    """The PCRE2 library in use, e.g. ``"10.42 2022-12-11 (JIT)"``."""
    cdef char buffer[64]  # "10.42 2022-12-11" is 16 bytes
    cdef uint32_t jit = 0
    pcre2_config(PCRE2_CONFIG_VERSION, buffer)
    pcre2_config(PCRE2_CONFIG_JIT, &jit)
    return buffer.decode("ascii") + (" (JIT)" if jit else " (no JIT)")


# -- one task: a pattern counted, or a chain of replacements, over a subject ---

cdef struct Task:
    int pattern, last          # the pattern now matched, and the task's last one
    int substitute             # 1: replace matches (copying), 0: count them
    const unsigned char *src   # the subject of the current pattern
    size_t length, pos, copied
    Py_ssize_t count
    unsigned char *buffer[2]   # substitution output, two buffers used in turn
    size_t capacity[2]
    int out                    # which buffer the current pattern writes
    size_t out_length
    int done, error
    pcre2_match_data *data
    pcre2_match_context *context
    pcre2_jit_stack *stack


cdef int task_init(Task *t) noexcept nogil:
    """Allocate the task's match data, match context and JIT stack; -1 when out of memory."""
    memset(t, 0, sizeof(Task))
    t.data = pcre2_match_data_create(1, NULL)  # one pair: the whole match (no groups are used)
    t.context = pcre2_match_context_create(NULL)
    t.stack = pcre2_jit_stack_create(JIT_STACK_START, JIT_STACK_MAX, NULL)
    if t.data == NULL or t.context == NULL or t.stack == NULL:
        return -1
    pcre2_jit_stack_assign(t.context, NULL, t.stack)
    return 0


cdef void task_free(Task *t) noexcept nogil:
    """Release everything the task holds (safe after a failed init)."""
    pcre2_match_data_free(t.data)  # all three accept NULL
    pcre2_match_context_free(t.context)
    pcre2_jit_stack_free(t.stack)
    free(t.buffer[0])
    free(t.buffer[1])
    memset(t, 0, sizeof(Task))


cdef void task_start(Task *t, int first, int last, int substitute,
                     const unsigned char *src, size_t length) noexcept nogil:
    t.pattern = first
    t.last = last
    t.substitute = substitute
    t.src = src
    t.length = length
    t.pos = t.copied = t.out_length = 0
    t.count = 0
    t.out = 0
    t.done = t.error = 0


cdef int append(Task *t, const unsigned char *data, size_t n) noexcept nogil:
    """Append ``n`` bytes to the task's output buffer, growing it (doubling); -1 when out of memory."""
    cdef size_t need = t.out_length + n, cap
    cdef unsigned char *grown
    if n == 0:
        return 0
    if need > t.capacity[t.out]:
        # at least the subject's length plus a quarter: the chain grows it by at
        # most half (a[NSt]|BY -> <2>), so one doubling at most
        cap = max(t.capacity[t.out] * 2, need, t.length + t.length // 4 + 64)
        grown = <unsigned char *>realloc(t.buffer[t.out], cap)
        if grown == NULL:
            return -1
        t.buffer[t.out] = grown
        t.capacity[t.out] = cap
    memcpy(t.buffer[t.out] + t.out_length, data, n)
    t.out_length = need
    return 0


cdef void next_pattern(Task *t) noexcept nogil:
    """A substitution finished: its output becomes the next pattern's subject, or the task is done."""
    if t.pattern == t.last:
        t.done = 1
        return
    t.pattern += 1
    t.src = t.buffer[t.out]
    t.length = t.out_length
    t.out ^= 1
    t.out_length = t.pos = t.copied = 0


cdef void advance(Task *t, const Program *program, size_t budget) noexcept nogil:
    """Run the task until it has moved ``budget`` bytes into its subject, finished or failed."""
    cdef size_t stop = t.pos + budget
    cdef PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(t.data)
    cdef const char *nothing = ""  # a valid pointer for an empty subject
    cdef PCRE2_SPTR subject = t.src if t.src != NULL else <PCRE2_SPTR>nothing
    cdef size_t start, end
    cdef int rc
    while not t.done:
        rc = pcre2_jit_match(program.code[t.pattern], subject, t.length, t.pos, 0, t.data, t.context)
        if rc == PCRE2_ERROR_NOMATCH:
            if not t.substitute:
                t.done = 1
                return
            if append(t, subject + t.copied, t.length - t.copied) < 0:
                t.error = OUT_OF_MEMORY
                t.done = 1
                return
            next_pattern(t)
            return  # one pattern per round at most: the next starts on a fresh budget
        if rc < 0:
            t.error = rc
            t.done = 1
            return
        start = ovector[0]
        end = ovector[1]
        if t.substitute:
            if (append(t, subject + t.copied, start - t.copied) < 0
                    or append(t, program.replacement[t.pattern], program.replacement_length[t.pattern]) < 0):
                t.error = OUT_OF_MEMORY
                t.done = 1
                return
            t.copied = end
        else:
            t.count += 1
        # the next search starts where this match ended; no pattern here can
        # match empty, but never loop on one if it did
        t.pos = end if end > start else end + 1
        if t.pos > t.length:
            if t.substitute:
                t.pos = t.length
            else:
                t.done = 1
                return
        if t.pos >= stop:
            return


cdef int check(Task *t, str doing) except -1:
    if t.error != 0:
        raise_for(t.error, doing)
    return 0


# -- the variants ------------------------------------------------------------

cdef tuple run(const unsigned char[::1] fasta, int n_threads):
    """The program's result for ``fasta``, on ``n_threads`` threads (1: the pcre2 variant)."""
    cdef Patterns patterns = compiled()
    cdef const Program *program = &patterns.program
    cdef Py_ssize_t n = fasta.shape[0]
    cdef const unsigned char *input = &fasta[0] if n > 0 else NULL  # advance() reads NULL as empty
    cdef Task clean
    cdef Task tasks[N_TASKS]
    cdef int i, busy
    cdef size_t clean_length
    memset(&clean, 0, sizeof(Task))
    memset(tasks, 0, sizeof(tasks))
    try:
        if task_init(&clean) != 0:
            raise MemoryError("regexredux/pcre2: cannot allocate PCRE2's match data and JIT stack")
        for i in range(N_TASKS):
            if task_init(&tasks[i]) != 0:
                raise MemoryError("regexredux/pcre2: cannot allocate PCRE2's match data and JIT stack")

        # 1. remove the headers and newlines (one thread: everything after reads its result)
        task_start(&clean, 0, 0, 1, input, n)
        while not clean.done:
            with nogil:
                advance(&clean, program, ROUND_BYTES)
            check(&clean, "removing the headers and newlines")
            PyErr_CheckSignals()
        clean_length = clean.out_length
        # next_pattern() left the output as the (finished) task's subject
        clean.src = clean.buffer[0]

        # 2. the replacement chain and the nine counts, over the cleaned sequence
        task_start(&tasks[0], FIRST_SUB, FIRST_SUB + N_SUBS - 1, 1, clean.src, clean_length)
        for i in range(N_COUNTS):
            task_start(&tasks[1 + i], FIRST_COUNT + i, FIRST_COUNT + i, 0, clean.src, clean_length)
        if clean_length < PARALLEL_MIN_BYTES:
            n_threads = 1
        busy = 1
        while busy:
            with nogil:
                if n_threads > 1:
                    for i in prange(N_TASKS, num_threads=n_threads, schedule="dynamic", chunksize=1):
                        if not tasks[i].done:
                            advance(&tasks[i], program, ROUND_BYTES)
                else:
                    for i in range(N_TASKS):
                        if not tasks[i].done:
                            advance(&tasks[i], program, ROUND_BYTES)
            busy = 0
            for i in range(N_TASKS):
                check(&tasks[i], "matching")
                busy |= not tasks[i].done
            PyErr_CheckSignals()
        counts = tuple([tasks[1 + i].count for i in range(N_COUNTS)])
        return counts, n, clean_length, tasks[0].out_length
    finally:
        task_free(&clean)
        for i in range(N_TASKS):
            task_free(&tasks[i])


def analyse_pcre2(const unsigned char[::1] fasta):
    """Counts and lengths for the FASTA text ``fasta``: PCRE2 and its JIT, one thread."""
    return run(fasta, 1)


def analyse_parallel(const unsigned char[::1] fasta, n_threads=None):
    """Counts and lengths for the FASTA text ``fasta``: the ``parallel`` rung (None = all cores)."""
    cdef int threads = omp_shim.omp_get_max_threads() if n_threads is None else n_threads
    return run(fasta, max(threads, 1))

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
  The replacements are a copy loop of ours between matches, which is what
  ``pcre2_substitute`` would do, the whole chain in the cleaned sequence's own
  buffer (``run_serial``); three counted patterns are compiled without PCRE2's
  start-of-match search, which costs them more than it saves (``PLAIN_START``).
* ``analyse_parallel`` -- the ``parallel`` rung on top of it: the same tasks on
  OpenMP threads. The header/newline removal runs on chunks of the input cut
  just after a newline (no match of ``>.*\\n|\\n`` can cross such a cut, so the
  chunks give the very matches of one pass), then the nine counts and the
  replacement chain run at once (schedule dynamic, the chain first because it
  is the longest), each count cut into parts of the sequence so that the last
  tasks to finish are short (``count_in_parts``; ``sum_parts`` adds the parts
  up exactly). Below 256 KiB (or on one thread) it is the ``pcre2`` variant:
  waking threads would cost more than it saves. Compiled patterns are
  read-only and shared; each task owns its match data and JIT stack, since a
  JIT stack serves one match at a time.

The results are the pure twin's, byte for byte: leftmost-first alternation and
non-overlapping matches scanned left to right, as in ``re``; no UTF mode (a byte
is a code unit, as in a ``bytes`` pattern); the newline convention is set to LF
explicitly, so ``.`` stops at ``\\n`` only whatever PCRE2's build default is.
None of the program's patterns can match the empty string.

Without the GIL a task cannot see Ctrl-C, so every ``POLL_BYTES`` of its
subject the calling thread (OpenMP's thread 0) takes the GIL back for a
``PyErr_CheckSignals()``; when a handler raises, a shared flag stops every task
and the exception propagates once the threads have returned (a thread still in
its last task finishes that task first: at most the replacement chain, about
half a second at the headline size). Only Python's main thread sees signals, so
a call from another thread never polls.
"""

from threading import get_ident, main_thread

cimport omp_shim
from cython.parallel cimport prange
from libc.stdint cimport SIZE_MAX, uint32_t
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memchr, memcpy, memmove, memset

from pcre2 cimport (
    PCRE2_CONFIG_JIT, PCRE2_CONFIG_VERSION, PCRE2_ERROR_JIT_BADOPTION, PCRE2_ERROR_JIT_STACKLIMIT,
    PCRE2_ERROR_NOMATCH, PCRE2_ERROR_NOMEMORY, PCRE2_INFO_MINLENGTH, PCRE2_JIT_COMPLETE,
    PCRE2_NEWLINE_LF, PCRE2_NO_START_OPTIMIZE, PCRE2_SIZE, PCRE2_SPTR, PCRE2_UCHAR, pcre2_code,
    pcre2_code_free, pcre2_compile, pcre2_compile_context, pcre2_compile_context_create,
    pcre2_compile_context_free, pcre2_config, pcre2_get_error_message, pcre2_get_ovector_pointer,
    pcre2_jit_compile, pcre2_jit_match, pcre2_jit_stack, pcre2_jit_stack_assign,
    pcre2_jit_stack_create, pcre2_jit_stack_free, pcre2_match_context, pcre2_match_context_create,
    pcre2_match_context_free, pcre2_match_data, pcre2_match_data_create, pcre2_match_data_free,
    pcre2_pattern_info, pcre2_set_newline,
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
    # Subject bytes a task scans between two checks for Ctrl-C: the JIT scans these
    # patterns at roughly 0.5-1 GB/s, so the GIL is taken back every few ms.
    POLL_BYTES = 1 << 22
    # Below this many bytes (of input, then of cleaned sequence) the parallel rung
    # runs on one thread: the whole job is then under ~10 ms, and waking a second
    # thread costs more than it saves on a busy machine.
    PARALLEL_MIN_BYTES = 1 << 18
    # The header/newline removal is cut into this many chunks per thread (so a
    # slow thread is caught up by the others), each at least CHUNK_MIN_BYTES.
    CHUNKS_PER_THREAD = 4
    CHUNK_MIN_BYTES = 1 << 20
    # Every counted pattern matches exactly this many bytes (two alternatives
    # of eight, no quantifier; tests/test_libraries.py checks VARIANTS), so
    # whether a match starts before a cut is decided by the bytes up to 7 past it.
    COUNT_MATCH_BYTES = 8
    # Each count is cut into this many parts per thread, each at least
    # COUNT_PART_MIN_BYTES. Whole, a count is 5-8 % of the work (fasta 5M), and
    # the thread that runs out of tasks first idles until the other finishes its
    # last one: 18 % of the parallel time in the worst case, against 2-4 % with
    # the counts in parts.
    COUNT_PARTS_PER_THREAD = 2
    COUNT_PART_MIN_BYTES = 1 << 20
    # JIT stack per task: PCRE2's own default start (32 KiB), allowed to grow to
    # 1 MiB; these patterns have no nesting and need only the start.
    JIT_STACK_START = 32 * 1024
    JIT_STACK_MAX = 1 << 20
    # A PCRE2 error message fits in 120 bytes (pcre2api: "a buffer of 120 code units is ample").
    MESSAGE_BYTES = 256

cdef extern from *:
    """
    /* The stop flag shared by the threads of one call, read and written with
       relaxed atomics (a plain int written by one thread while others read it
       is a data race in C11). */
    #if defined(_MSC_VER)
    static inline int speedlab_flag_get(int *flag) { return *(volatile int *)flag; }
    static inline void speedlab_flag_set(int *flag) { *(volatile int *)flag = 1; }
    #else
    static inline int speedlab_flag_get(int *flag) { return __atomic_load_n(flag, __ATOMIC_RELAXED); }
    static inline void speedlab_flag_set(int *flag) { __atomic_store_n(flag, 1, __ATOMIC_RELAXED); }
    #endif
    """
    int flag_get "speedlab_flag_get"(int *flag) noexcept nogil
    void flag_set "speedlab_flag_set"(int *flag) noexcept nogil
    # NOTE: declared noexcept on purpose: the exception a signal handler raises
    # stays set in the calling thread until run() propagates it (reraise()).
    int check_signals "PyErr_CheckSignals"() noexcept

# Error codes of ours beside PCRE2's (which are all negative and above -100).
cdef enum:
    OUT_OF_MEMORY = -1000
    STOPPED = -1001  # a signal handler raised (see poll()): the exception is set

# The counted patterns compiled with PCRE2_NO_START_OPTIMIZE: for these three the
# JIT's start-of-match search (SIMD over two byte positions, each with two
# candidate bytes) stops at about one DNA byte in four and costs more than trying
# a match at every byte; for the other six it wins by up to 2x. Fasta 5M, ns per
# byte with/without it: 1.36/1.69, 1.71/1.82, 1.60/1.69. The option changes no
# match here: it only matters with (*COMMIT) and the like, which these lack.
PLAIN_START = frozenset({VARIANTS[0], VARIANTS[3], VARIANTS[4]})

cdef struct Program:
    pcre2_code *code[N_PATTERNS]
    const unsigned char *replacement[N_PATTERNS]  # NULL for a counted pattern
    size_t replacement_length[N_PATTERNS]
    size_t min_length[N_PATTERNS]  # no match is shorter (PCRE2_INFO_MINLENGTH)
    # The pcre2 variant's replacement chain runs in one buffer (run_serial): every
    # step writes its output over its own input, except the one whose replacement
    # is longer than its shortest match (a[NSt]|BY -> <2>), which writes below it;
    # its input sits this many bytes per input byte up the buffer (numerator over
    # denominator: 1/2 here), so that its output never overtakes what it reads.
    int grows                      # that step's pattern (0: none grows)
    size_t headroom_num, headroom_den


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
        cdef uint32_t min_length = 0
        cdef bytes pattern
        if context == NULL:
            raise MemoryError("PCRE2: cannot allocate a compile context")
        try:
            pcre2_set_newline(context, PCRE2_NEWLINE_LF)
            for i in range(N_PATTERNS):
                pattern = patterns[i]
                self.program.code[i] = pcre2_compile(
                    <PCRE2_SPTR><const char *>pattern, len(pattern),
                    PCRE2_NO_START_OPTIMIZE if FIRST_COUNT <= i < FIRST_SUB and pattern in PLAIN_START else 0,
                    &error, &offset, context)
                if self.program.code[i] == NULL:
                    raise_for(error, f"compiling {pattern!r}")
                error = pcre2_jit_compile(self.program.code[i], PCRE2_JIT_COMPLETE)
                if error != 0:
                    raise_for(error, f"JIT-compiling {pattern!r}")
                error = pcre2_pattern_info(self.program.code[i], PCRE2_INFO_MINLENGTH, &min_length)
                if error != 0:
                    raise_for(error, f"reading the minimum match length of {pattern!r}")
                self.program.min_length[i] = min_length
            self.program.replacement[0] = <const unsigned char *><const char *>self._keep[0]
            for i in range(N_SUBS):
                self.program.replacement[FIRST_SUB + i] = <const unsigned char *><const char *>self._keep[1 + i]
                self.program.replacement_length[FIRST_SUB + i] = len(self._keep[1 + i])
            self.program.headroom_den = 1
            for i in range(FIRST_SUB, N_PATTERNS):
                if self.program.replacement_length[i] <= self.program.min_length[i]:
                    continue
                # NOTE: one growing step fits run_serial's layout; a second (or a
                # pattern that can match empty) would need a buffer of its own
                if self.program.grows != 0 or self.program.min_length[i] == 0:
                    raise RuntimeError("regexredux/pcre2: the replacement chain grows more than once")
                self.program.grows = i
                self.program.headroom_num = self.program.replacement_length[i] - self.program.min_length[i]
                self.program.headroom_den = self.program.min_length[i]
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
    size_t stop                # a count: only matches starting before this are counted
    size_t first_start         # a count: where its first match starts (SIZE_MAX: none yet)
    size_t last_end            # a count: where its last match ends
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


cdef Task *new_tasks(int n) except NULL:
    """``n`` tasks, each with its match data and JIT stack (MemoryError when memory runs out)."""
    cdef Task *tasks = <Task *>calloc(max(n, 1), sizeof(Task))
    cdef int i
    if tasks == NULL:
        raise MemoryError("regexredux/pcre2: cannot allocate the tasks")
    for i in range(n):
        if task_init(&tasks[i]) != 0:
            free_tasks(tasks, i + 1)
            raise MemoryError("regexredux/pcre2: cannot allocate PCRE2's match data and JIT stack")
    return tasks


cdef void free_tasks(Task *tasks, int n) noexcept nogil:
    """Release ``n`` tasks of ``new_tasks`` and their array (NULL: nothing to do)."""
    cdef int i
    if tasks == NULL:
        return
    for i in range(n):
        task_free(&tasks[i])
    free(tasks)


cdef void task_start(Task *t, int first, int last, int substitute,
                     const unsigned char *src, size_t length) noexcept nogil:
    t.pattern = first
    t.last = last
    t.substitute = substitute
    t.src = src
    t.length = length
    t.pos = t.copied = t.out_length = 0
    t.count = 0
    t.stop = length
    t.first_start = SIZE_MAX
    t.last_end = 0
    t.out = 0
    t.done = t.error = 0


cdef void count_start(Task *t, int pattern, const unsigned char *src, size_t length,
                      size_t begin, size_t stop) noexcept nogil:
    """Count the matches of ``pattern`` that start in src[begin:stop], scanning from ``begin``."""
    task_start(t, pattern, pattern, 0, src, min(length, stop + (COUNT_MATCH_BYTES - 1)))
    t.pos = begin
    t.stop = stop


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


cdef struct Control:
    int stop        # a signal handler raised: every task returns as soon as it sees this
    int can_signal  # the caller is Python's main thread, the only one that sees signals


cdef int poll(Control *control) noexcept nogil:
    """Check for Ctrl-C (thread 0, with the GIL, on the main thread only); 1 when the call must stop."""
    if control.can_signal and omp_shim.omp_get_thread_num() == 0 and not flag_get(&control.stop):
        with gil:
            if check_signals() != 0:
                flag_set(&control.stop)
    return flag_get(&control.stop)


cdef int reraise() except -1:
    """Propagate the exception a signal handler left set during the call (see poll())."""
    return -1


cdef void advance(Task *t, const Program *program, Control *control) noexcept nogil:
    """Run the task to its end (or its first error, or a stop), checking for Ctrl-C as it goes."""
    cdef PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(t.data)
    cdef const char *nothing = ""  # a valid pointer for an empty subject
    cdef PCRE2_SPTR subject = t.src if t.src != NULL else <PCRE2_SPTR>nothing
    cdef size_t start, end, next_poll = t.pos + POLL_BYTES
    cdef int rc
    while not t.done:
        if t.pos >= next_poll:
            if poll(control):
                return
            next_poll = t.pos + POLL_BYTES
        rc = pcre2_jit_match(program.code[t.pattern], subject, t.length, t.pos, 0, t.data, t.context)
        if rc == PCRE2_ERROR_NOMATCH:
            if not t.substitute:
                t.done = 1
                return
            if append(t, subject + t.copied, t.length - t.copied) < 0:
                t.error = OUT_OF_MEMORY
                t.done = 1
                return
            next_pattern(t)  # the output becomes the next pattern's subject
            subject = t.src if t.src != NULL else <PCRE2_SPTR>nothing
            next_poll = POLL_BYTES
            continue
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
            if start >= t.stop:  # the next part's match: this part is done
                t.done = 1
                return
            if t.count == 0:
                t.first_start = start
            t.count += 1
            t.last_end = end
        # the next search starts where this match ended; no pattern here can
        # match empty, but never loop on one if it did
        t.pos = end if end > start else end + 1
        if t.pos > t.length:
            if t.substitute:
                t.pos = t.length
            else:
                t.done = 1
                return


cdef int check(Task *t, str doing) except -1:
    if t.error != 0:
        raise_for(t.error, doing)
    return 0


cdef void run_all(Task *tasks, int n_tasks, const Program *program, Control *control,
                  int n_threads) noexcept nogil:
    """Run ``tasks`` to their end, on ``n_threads`` threads, longest (first) first."""
    cdef int i
    if n_threads > 1 and n_tasks > 1:
        for i in prange(n_tasks, num_threads=n_threads, schedule="dynamic", chunksize=1):
            advance(&tasks[i], program, control)
    else:
        for i in range(n_tasks):
            advance(&tasks[i], program, control)


cdef void count_in_parts(Task *parts, int n_parts, int pattern, const unsigned char *subject,
                         size_t length) noexcept nogil:
    """Set ``parts`` to count ``pattern`` over ``n_parts`` equal parts of ``subject``.

    Part ``i`` counts the matches that start in its part, scanning from the
    part's first byte (``count_start``); ``sum_parts`` then adds the counts up
    as one scan from the start would have found them.
    """
    cdef int i
    for i in range(n_parts):
        count_start(&parts[i], pattern, subject, length,
                    length * <size_t>i // <size_t>n_parts, length * <size_t>(i + 1) // <size_t>n_parts)


cdef Py_ssize_t sum_parts(Task *parts, int n_parts, const Program *program,
                          Control *control) noexcept nogil:
    """The count of one scan from the start, from the parts ``count_in_parts`` set and ran.

    Matches are found left to right, each search starting where the last match
    ended, and which match a search finds at a position does not depend on where
    the search began. So a part's matches are the single scan's exactly when the
    scan reaches the part's first byte between two matches; it does not when a
    match of the part before runs across the cut (it ends at most 7 bytes past
    it) and the part's own first match starts before that match's end: the two
    overlap, and the single scan skips the part's one. That part is counted again
    from where the match across the cut ends (on the calling thread: it needs a
    match across the cut and another one within 7 bytes of it, rare in any
    input and absent from the benchmark's). Errors stay in the parts' ``error``.
    """
    cdef Py_ssize_t total = 0
    cdef size_t scan = 0  # where the single scan stands when it enters part i
    cdef Task *t
    cdef int i
    for i in range(n_parts):
        t = &parts[i]
        if t.error != 0 or flag_get(&control.stop):
            return total
        if t.first_start < scan:
            count_start(t, t.pattern, t.src, t.length, scan, t.stop)
            advance(t, program, control)
            if t.error != 0 or flag_get(&control.stop):
                return total
        total += t.count
        if t.count > 0:
            scan = t.last_end
    return total


cdef size_t line_start_after(const unsigned char *text, size_t n, size_t pos) noexcept nogil:
    """The first index >= ``pos`` just after a newline (``n`` when there is none)."""
    cdef const unsigned char *hit
    if pos == 0 or pos >= n:
        return min(pos, n)
    hit = <const unsigned char *>memchr(text + pos - 1, b"\n", n - pos + 1)
    return n if hit == NULL else <size_t>(hit - text) + 1


# -- the pcre2 variant: one thread, one buffer --------------------------------

cdef Py_ssize_t substitute(const Program *program, int pattern, const unsigned char *src, size_t length,
                           unsigned char *dst, pcre2_match_data *data, pcre2_match_context *context,
                           Control *control) noexcept nogil:
    """Replace the matches of ``pattern`` in src[:length], writing the result from ``dst``.

    Returns the result's length, or an error code (negative). ``dst`` may lie
    at or below ``src`` in the same buffer provided the output never overtakes
    the bytes still to be read (``run_serial`` lays the buffer out so). Each
    search is given the subject from its start position on, so PCRE2 reads no
    byte before it, overwritten or not; no pattern of the program looks behind,
    so the matches are those of a search from a start offset.
    """
    cdef PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(data)
    cdef const pcre2_code *code = program.code[pattern]
    cdef const unsigned char *replacement = program.replacement[pattern]
    cdef size_t replacement_length = program.replacement_length[pattern]
    cdef size_t pos = 0, copied = 0, out = 0, start, end, k, next_poll = POLL_BYTES
    cdef int rc
    while pos <= length:
        if pos >= next_poll:
            if poll(control):
                return STOPPED
            next_poll = pos + POLL_BYTES
        rc = pcre2_jit_match(code, src + pos, length - pos, 0, 0, data, context)
        if rc == PCRE2_ERROR_NOMATCH:
            break
        if rc < 0:
            return rc
        start = pos + ovector[0]
        end = pos + ovector[1]
        # in place, nothing moves until a match first shortens the text
        if dst + out != src + copied:
            memmove(dst + out, src + copied, start - copied)
        out += start - copied
        # one to three bytes: a call to memcpy would cost more than the copy
        for k in range(replacement_length):
            dst[out + k] = replacement[k]
        out += replacement_length
        copied = end
        # the next search starts where this match ended; no pattern here can
        # match empty, but never loop on one if it did
        pos = end if end > start else end + 1
    if dst + out != src + copied:
        memmove(dst + out, src + copied, length - copied)
    return <Py_ssize_t>(out + length - copied)


cdef int count_all(const pcre2_code *code, const unsigned char *subject, size_t length,
                   Py_ssize_t *count, pcre2_match_data *data, pcre2_match_context *context,
                   Control *control) noexcept nogil:
    """Set ``count`` to the matches of ``code`` in subject[:length]; 0, or an error code."""
    cdef PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(data)
    cdef size_t pos = 0, next_poll = POLL_BYTES
    cdef int rc
    count[0] = 0
    while pos <= length:
        if pos >= next_poll:
            if poll(control):
                return STOPPED
            next_poll = pos + POLL_BYTES
        rc = pcre2_jit_match(code, subject, length, pos, 0, data, context)
        if rc == PCRE2_ERROR_NOMATCH:
            return 0
        if rc < 0:
            return rc
        count[0] += 1
        pos = ovector[1] if ovector[1] > ovector[0] else ovector[1] + 1  # never loop on an empty match
    return 0


cdef tuple run_serial(const unsigned char[::1] fasta):
    """The pcre2 variant's result for ``fasta``: one thread, one buffer.

    The headers and newlines are removed into the buffer, the nine patterns
    counted, and the replacement chain run in the same buffer: a step whose
    replacement is no longer than its shortest match writes over its own input;
    the one step that grows (``Program.grows``) writes from the buffer's start,
    the sequence having been cleaned into it far enough up (``headroom``) that
    the output stays below what is still to be read. So the call touches the
    pages of 1.5 input lengths, where a fresh buffer for the cleaning and for
    each of two alternating outputs touched 3: on this VM a first touch costs
    ~0.4 ns per input byte and buffer (page faults), as much as the fastest
    replacement's whole scan.
    """
    cdef Patterns patterns = compiled()
    cdef const Program *program = &patterns.program
    cdef size_t n = fasta.shape[0], length = 0, clean_length = 0
    cdef size_t headroom = (n // program.headroom_den + 1) * program.headroom_num
    cdef const char *nothing = ""
    cdef const unsigned char *input = &fasta[0] if n > 0 else <const unsigned char *>nothing
    cdef unsigned char *buffer = NULL
    cdef unsigned char *src
    cdef unsigned char *dst
    cdef Py_ssize_t counts[N_COUNTS]
    cdef Py_ssize_t got
    cdef Control control
    cdef Task task
    cdef int i, pattern, error = 0, cleaned = 0
    control.stop = 0
    control.can_signal = get_ident() == main_thread().ident
    memset(counts, 0, sizeof(counts))
    if task_init(&task) != 0:
        task_free(&task)
        raise MemoryError("regexredux/pcre2: cannot allocate PCRE2's match data and JIT stack")
    try:
        buffer = <unsigned char *>malloc(headroom + n + 1)
        if buffer == NULL:
            raise MemoryError(f"regexredux/pcre2: cannot allocate {headroom + n + 1:,} bytes")
        src = buffer + headroom
        with nogil:
            got = substitute(program, 0, input, n, src, task.data, task.context, &control)
            if got < 0:
                error = <int>got
            else:
                clean_length = length = <size_t>got
                cleaned = 1
            for i in range(N_COUNTS):
                if error != 0:
                    break
                error = count_all(program.code[FIRST_COUNT + i], src, clean_length, &counts[i],
                                  task.data, task.context, &control)
            # the counts done, the chain may overwrite the sequence
            pattern = FIRST_SUB
            while error == 0 and pattern < N_PATTERNS:
                dst = buffer if pattern == program.grows else src
                got = substitute(program, pattern, src, length, dst, task.data, task.context, &control)
                if got < 0:
                    error = <int>got
                    break
                src = dst
                length = <size_t>got
                pattern += 1
        if control.stop:
            reraise()
        if error != 0:
            raise_for(error, "matching" if cleaned else "removing the headers and newlines")
        return tuple([counts[i] for i in range(N_COUNTS)]), n, clean_length, length
    finally:
        free(buffer)
        task_free(&task)


# -- the variants ------------------------------------------------------------

cdef tuple run(const unsigned char[::1] fasta, int n_threads):
    """The program's result for ``fasta``, on ``n_threads`` threads (1: the pcre2 variant)."""
    cdef Patterns patterns = compiled()
    cdef const Program *program = &patterns.program
    cdef size_t n = fasta.shape[0], start, end, clean_length = 0, at
    cdef const char *nothing = ""
    cdef const unsigned char *input = &fasta[0] if n > 0 else <const unsigned char *>nothing
    cdef const unsigned char *clean
    cdef unsigned char *joined = NULL
    cdef Control control
    cdef Task *chunks = NULL
    cdef Task *tasks = NULL
    cdef int i, n_chunks = 1, n_tasks = 0, parts = 1
    if n_threads <= 1 or n < PARALLEL_MIN_BYTES:
        return run_serial(fasta)
    control.stop = 0
    control.can_signal = get_ident() == main_thread().ident
    if n_threads > 1:
        n_chunks = n_threads * CHUNKS_PER_THREAD
        if <size_t>n_chunks > n // CHUNK_MIN_BYTES:
            n_chunks = <int>(n // CHUNK_MIN_BYTES) if n >= CHUNK_MIN_BYTES else 1
    chunks = new_tasks(n_chunks)
    try:
        # 1. remove the headers and newlines, chunk by chunk (cut just after newlines)
        start = 0
        for i in range(n_chunks):
            end = n if i == n_chunks - 1 else line_start_after(input, n, max(start, n * (i + 1) // n_chunks))
            task_start(&chunks[i], 0, 0, 1, input + start, end - start)
            start = end
        with nogil:
            run_all(chunks, n_chunks, program, &control, n_threads)
        if control.stop:
            reraise()
        for i in range(n_chunks):
            check(&chunks[i], "removing the headers and newlines")
            clean_length += chunks[i].out_length
        if n_chunks == 1:
            clean = chunks[0].buffer[0]  # NULL when empty: advance() reads it as empty
        else:
            joined = <unsigned char *>malloc(clean_length if clean_length > 0 else 1)
            if joined == NULL:
                raise MemoryError(f"regexredux/pcre2: cannot allocate {clean_length:,} bytes")
            at = 0
            for i in range(n_chunks):
                if chunks[i].out_length > 0:
                    memcpy(joined + at, chunks[i].buffer[0], chunks[i].out_length)
                    at += chunks[i].out_length
            clean = joined

        # 2. the replacement chain (the longest task: first) and the nine counts, in parts
        if clean_length < PARALLEL_MIN_BYTES:
            n_threads = 1
        if n_threads > 1:
            parts = n_threads * COUNT_PARTS_PER_THREAD
            if <size_t>parts > clean_length // COUNT_PART_MIN_BYTES:
                parts = max(<int>(clean_length // COUNT_PART_MIN_BYTES), 1)
        n_tasks = 1 + N_COUNTS * parts
        tasks = new_tasks(n_tasks)
        task_start(&tasks[0], FIRST_SUB, FIRST_SUB + N_SUBS - 1, 1, clean, clean_length)
        for i in range(N_COUNTS):
            count_in_parts(&tasks[1 + i * parts], parts, FIRST_COUNT + i, clean, clean_length)
        with nogil:
            run_all(tasks, n_tasks, program, &control, n_threads)
            for i in range(N_COUNTS):
                tasks[1 + i * parts].count = sum_parts(&tasks[1 + i * parts], parts, program, &control)
        if control.stop:
            reraise()
        for i in range(n_tasks):
            check(&tasks[i], "matching")
        counts = tuple([tasks[1 + i * parts].count for i in range(N_COUNTS)])
        return counts, n, clean_length, tasks[0].out_length
    finally:
        free_tasks(chunks, n_chunks)
        free(joined)
        free_tasks(tasks, n_tasks)


def analyse_pcre2(const unsigned char[::1] fasta):
    """Counts and lengths for the FASTA text ``fasta``: PCRE2 and its JIT, one thread."""
    return run_serial(fasta)


def analyse_parallel(const unsigned char[::1] fasta, n_threads=None):
    """Counts and lengths for the FASTA text ``fasta``: the ``parallel`` rung (None = all cores)."""
    cdef int threads = omp_shim.omp_get_max_threads() if n_threads is None else n_threads
    return run(fasta, max(threads, 1))


def _count_in_parts(const unsigned char[::1] subject, int variant, int n_parts):
    """The count of ``VARIANTS[variant]`` in ``subject``, counted in ``n_parts`` parts (tests)."""
    cdef Patterns patterns = compiled()
    cdef const char *nothing = ""
    cdef size_t n = subject.shape[0]
    cdef Task *parts
    cdef Control control
    cdef Py_ssize_t count
    cdef int i
    if not 0 <= variant < N_COUNTS:
        raise ValueError(f"variant must be in [0, {N_COUNTS}), got {variant}")
    if n_parts < 1:
        raise ValueError(f"n_parts must be >= 1, got {n_parts}")
    control.stop = 0
    control.can_signal = 0
    parts = new_tasks(n_parts)
    try:
        count_in_parts(parts, n_parts, FIRST_COUNT + variant,
                       &subject[0] if n > 0 else <const unsigned char *>nothing, n)
        run_all(parts, n_parts, &patterns.program, &control, 1)
        count = sum_parts(parts, n_parts, &patterns.program, &control)
        for i in range(n_parts):
            check(&parts[i], "matching")
        return count
    finally:
        free_tasks(parts, n_parts)

"""speedlab on Dask: a kernel that splits, run on threads, processes or a cluster.

A kernel whose spec declares ``split``/``combine`` (see :mod:`speedlab.parts`)
runs here part by part on any Dask scheduler, and returns what one call returns::

    >>> import speedlab.dask                                    # doctest: +SKIP
    >>> image = speedlab.dask.run("mandelbrot", 16_000, scheduler="local")
    >>> image == speedlab.mandelbrot.pbm(16_000)
    True

Schedulers (``scheduler=``):

* ``"threads"`` -- Dask's threaded scheduler in this process: for GIL-free
  variants (``native``, the default), whose parts then run on every core at once;
  a GIL-bound variant (``python``...) runs one part at a time there (a warning says so).
* ``"processes"`` -- Dask's multiprocessing scheduler: a pool of worker processes
  on this machine, for every variant.
* ``"local"`` -- a ``distributed.LocalCluster`` started for the call and stopped
  after it: worker processes on 127.0.0.1 only, one thread each.
* ``"tcp://HOST:PORT"`` -- the scheduler of a running Dask cluster (workers on
  other machines need speedlab installed, and for ``encrypt_file`` the same paths).
* a ``distributed.Client`` -- an existing connection, left open.

Threads and OpenMP: Dask runs one task per worker thread, and speedlab gives
each worker process one thread (``threads_per_worker=1``) and one OpenMP thread
(``OMP_NUM_THREADS=1`` in its environment, set on purpose; Dask's nanny sets the
same default). The parts run the single-threaded ``native`` rung by default, so a
machine's cores are used by running one part per core, never by a part's own
threads on top (which would oversubscribe them). With ``impl="parallel"`` (where
the parts are the kernel itself), ``n_threads`` is passed explicitly and defaults
to 1 for the same reason; give it a larger value with one worker per machine.
The setting stays with the workers: Dask's nanny writes its worker defaults
(``OMP_NUM_THREADS=1`` and others) into the environment of the process that
starts a local cluster, so a ``Session("local")`` loads this process's OpenMP
runtime first (it reads the variable once) and puts the variables back, and the
``parallel`` rungs of the client process keep every core.

Nothing here is imported by ``import speedlab``; Dask is imported on first use,
and a missing Dask is an ImportError that names ``pip install 'speedlab[dask]'``.
Everything a caller passes is validated before any worker is started.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import threading
import time
import uuid
import warnings
from typing import Any

from speedlab import parts as _parts
from speedlab._validate import check_int

#: What to install when Dask is missing.
INSTALL_HINT = "pip install 'speedlab[dask]'"
#: The schedulers named by a word (a cluster is named by its address).
LOCAL_SCHEDULERS = ("threads", "processes", "local")
#: Seconds to wait for a cluster's scheduler before giving up: far above a
#: healthy LAN round trip, short enough that a wrong address fails "in seconds".
CONNECT_TIMEOUT = 5.0
#: Parts per worker when ``parts`` is not given: more parts than workers even out
#: unequal parts (mandelbrot's rows through the set cost 50x the others) and let
#: one part's data travel while another computes; the kernel's limit caps it.
PARTS_PER_WORKER = 4
#: The most workers a local scheduler may be asked for (a typo guard).
MAX_WORKERS = 1024
#: Variants that hold the GIL while they compute: on threads their parts take turns.
GIL_BOUND = ("python", "compiled", "typed")
#: Dask settings of the LocalCluster a ``"local"`` session starts (a cluster the
#: caller runs keeps its own). Every process of a cluster wakes its event loop
#: every 20 ms to time it, and every worker samples its running task's stack
#: every 10 ms for the dashboard's profile page; the sampling thread and the
#: wakeups take the GIL and a core from the parts when there are as many busy
#: workers as cores (benchmarks/dask_settings_control.py measures it; figures in
#: docs/dask.md). The loop is timed once a second instead (it still warns after
#: ``distributed.admin.tick.limit``), and no stacks are sampled.
LOCAL_CLUSTER_CONFIG = {
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.profile.enabled": False,
}

_ADDRESS = re.compile(r"^tcp://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$")


def require(distributed: bool = False):
    """Import Dask (and distributed); ImportError naming the extra to install when missing."""
    try:
        import dask
        if distributed:
            import distributed as dist  # noqa: F401
    except ImportError as exc:
        what = "dask[distributed]" if distributed else "dask"
        raise ImportError(f"speedlab.dask needs {what}, which is not installed ({exc}); "
                          f"install it with: {INSTALL_HINT}") from None
    return dask


def check_scheduler(scheduler: Any) -> Any:
    """``scheduler`` if it names a scheduler speedlab can use; TypeError/ValueError otherwise.

    A word (``threads``, ``processes``, ``local``), ``tcp://HOST:PORT`` (port
    1-65535), or a ``distributed.Client``. Nothing is imported or contacted.
    """
    if isinstance(scheduler, str):
        if scheduler in LOCAL_SCHEDULERS:
            return scheduler
        match = _ADDRESS.match(scheduler)
        if match and 1 <= int(match.group(2)) <= 65535:
            return scheduler
        raise ValueError(f"scheduler must be 'threads', 'processes', 'local' or tcp://HOST:PORT "
                         f"(port 1-65535), got {scheduler!r}")
    client_type = getattr(sys.modules.get("distributed"), "Client", None)
    if client_type is not None and isinstance(scheduler, client_type):
        return scheduler
    raise TypeError(f"scheduler must be a str ('threads', 'processes', 'local', tcp://HOST:PORT) "
                    f"or a distributed.Client, not {type(scheduler).__name__}")


def check_workers(workers: Any) -> int | None:
    """``workers`` as None (one per core) or an int in 1..1024."""
    if workers is None:
        return None
    return check_int("workers", workers, minimum=1, maximum=MAX_WORKERS)


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _run_part(fn, args, kwargs):
    """One part on a worker (module-level so every scheduler can pickle it by name)."""
    return fn(*args, **kwargs)


def _run_mapped(args, *, fn, part_kwargs):
    """:func:`_run_part` in the argument order of ``Client.map`` (the part-args vary, the rest is shared)."""
    return fn(*args, **part_kwargs)


def _portable(args: tuple) -> tuple:
    """Part-args that pickle: memoryviews (zero-copy slices in this process) as bytes."""
    return tuple(bytes(a) if isinstance(a, memoryview) else a for a in args)


def _init_process() -> None:
    """Initialiser of speedlab's worker processes: one OpenMP thread each (see the module docstring).

    Ctrl-C is left to the parent, which cancels the parts and stops the workers:
    a terminal's Ctrl-C reaches the whole process group, and a worker that took
    it too would only print a KeyboardInterrupt traceback of its own. (Spawned
    children get this process's ``sys.path`` from multiprocessing, so a user's
    kernel loaded with ``--from DIR`` imports there as well.)
    """
    os.environ["OMP_NUM_THREADS"] = "1"
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def _environment_kept():
    """Run the block (a local cluster starting), then restore this process's environment.

    Dask's nanny copies its worker defaults (``distributed.nanny.pre-spawn-environ``:
    ``OMP_NUM_THREADS=1`` among them) into ``os.environ`` of the process it runs in
    before each worker it spawns, for the child to inherit. Loaded first, this
    process's OpenMP runtime has read its own setting already (a worker restarted
    later changes the variable again, but no longer the runtime); the variables
    are put back for whatever else reads them.
    """
    from speedlab._native import _cpu

    _cpu.openmp_threads()
    saved = dict(os.environ)
    try:
        yield
    finally:
        for key in set(os.environ) - set(saved):
            del os.environ[key]
        os.environ.update(saved)


@contextlib.contextmanager
def _sigint_blocked():
    """Hold Ctrl-C back in this thread while it starts threads and processes; deliver it after.

    Threads inherit the signal mask of the thread that starts them and processes
    that of the thread that forks them, so workers started meanwhile never see a
    terminal's Ctrl-C (sent to the whole process group) -- not even while they
    are still starting, before they could ignore it. A Ctrl-C pressed meanwhile
    stays pending here and is raised as soon as the block is lifted.

    The mask holds only this thread; a thread started earlier (a BLAS library's,
    at NumPy's import) may still take the signal, and Python would then raise
    KeyboardInterrupt here anyway, half-way through starting a worker (seen: a
    pipe's descriptor closed twice). So the Python handler is replaced for the
    block too: it notes the Ctrl-C, and the handler in place before is called
    once the block is over.
    """
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    # NOTE: multiprocessing starts its resource tracker with the first process
    # it spawns, and unblocks SIGINT in the starting thread afterwards -- which
    # would undo the block for every thread and worker started from there on.
    # Started here first, it is left running and the block holds.
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    pressed = []
    handler = signal.getsignal(signal.SIGINT)  # None: set outside Python, left alone
    if handler is not None:
        signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # a pending Ctrl-C lands here
        if handler is not None:
            signal.signal(signal.SIGINT, handler)
        if pressed:
            if callable(handler):
                handler(signal.SIGINT, None)  # Python's default raises KeyboardInterrupt
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), signal.SIGINT)


def _worker_plugin():
    """A plugin that runs :func:`_init_process` on every worker of a local cluster, restarted ones too."""
    from distributed import WorkerPlugin

    class SpeedlabWorker(WorkerPlugin):
        name = "speedlab-worker"

        def setup(self, worker):
            _init_process()

    return SpeedlabWorker()


class _DropAllExit:
    """A logging filter for distributed's leftover gather tasks after a cancel (``AllExit``).

    Cancelling a gather (Ctrl-C) leaves tasks whose exception nobody retrieves;
    asyncio logs each with a traceback. That noise is not an error of the run.
    """

    def filter(self, record):
        exc = record.exc_info[1] if record.exc_info else None
        return type(exc).__name__ != "AllExit"


def _quiet_asyncio() -> None:
    import logging

    log = logging.getLogger("asyncio")
    if not any(isinstance(f, _DropAllExit) for f in log.filters):
        log.addFilter(_DropAllExit())


def _probe(address: str, timeout: float) -> None:
    """Connect to ``address`` and ask for its identity; ConnectionError unless a scheduler answers in time."""
    import asyncio

    from distributed.comm import connect

    async def identity():
        comm = await connect(address, timeout=timeout)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    start = time.perf_counter()
    try:
        reply = asyncio.run(asyncio.wait_for(identity(), timeout))
    except (Exception, asyncio.TimeoutError) as exc:  # refused, unreachable, timed out, not Dask
        why = (str(exc).splitlines() or [""])[0] or type(exc).__name__
        if not isinstance(exc, (OSError, asyncio.TimeoutError)):
            # a garbled handshake (even a huge bogus frame length: MemoryError)
            why = f"something answered, but not as a Dask scheduler: {type(exc).__name__}"
        raise ConnectionError(f"cannot reach the Dask scheduler at {address} (gave up after "
                              f"{time.perf_counter() - start:.1f} s: {why})") from None
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        raise ConnectionError(f"{address} answered, but not as a Dask scheduler")


class Session:
    """A Dask scheduler to run parts on, started by :meth:`start` and stopped by :meth:`close`.

    Use it as a context manager. One session can run many kernels (the
    benchmarks keep one per worker count, so starting a cluster is not timed).

    Parameters
    ----------
    scheduler : str or distributed.Client
        See the module docstring.
    workers : int, optional
        Worker threads (``threads``) or processes (``processes``, ``local``); None:
        one per core this process may use. Ignored for a cluster, which has its own.
    connect_timeout : float
        Seconds to wait for a cluster's scheduler (``tcp://``).

    Raises
    ------
    TypeError, ValueError
        A malformed scheduler or worker count (raised by the constructor: nothing started).
    """

    def __init__(self, scheduler: Any = "threads", *, workers: int | None = None,
                 connect_timeout: float = CONNECT_TIMEOUT):
        self.scheduler = check_scheduler(scheduler)
        self.requested_workers = check_workers(workers)
        if isinstance(connect_timeout, bool) or not isinstance(connect_timeout, (int, float)) \
                or not 0 < connect_timeout <= 3600:
            raise ValueError(f"connect_timeout must be a number of seconds in (0, 3600], got {connect_timeout!r}")
        self.connect_timeout = float(connect_timeout)
        self.client = None
        self.cluster = None
        self.pool = None
        self._owns_client = False
        #: Totals over every map of the session: tasks, rounds, bytes sent with the
        #: part-args and received as results (pickled sizes), seconds in map().
        self.stats = {"tasks": 0, "rounds": 0, "bytes_to_workers": 0, "bytes_from_workers": 0,
                      "seconds": 0.0}

    @property
    def kind(self) -> str:
        """``threads``, ``processes``, ``local`` or ``cluster``."""
        return self.scheduler if isinstance(self.scheduler, str) and self.scheduler in LOCAL_SCHEDULERS \
            else "cluster"

    @property
    def distributed(self) -> bool:
        return self.kind in ("local", "cluster")

    def start(self) -> "Session":
        """Start the scheduler (or connect to it).

        Raises
        ------
        ImportError
            Dask (or distributed) is not installed.
        ConnectionError
            A cluster's scheduler did not answer within ``connect_timeout``.
        """
        require(distributed=self.distributed)
        if self.distributed:
            _quiet_asyncio()
        try:
            with _sigint_blocked():
                self._start()
        except BaseException:  # Ctrl-C or a failure while starting: stop what did start
            self.close()
            raise
        return self

    def _start(self) -> None:
        workers = self.requested_workers or usable_cores()
        if self.kind == "threads":
            from concurrent.futures import ThreadPoolExecutor

            self.pool = ThreadPoolExecutor(workers, thread_name_prefix="speedlab-dask")
        elif self.kind == "processes":
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # NOTE: spawn, not fork: a forked child of a process that has started
            # OpenMP or Dask's threads can deadlock; spawn is also what Dask's nanny uses.
            self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_init_process)
            # Start every worker now (the pool would start them on demand), while
            # Ctrl-C is held back: see _sigint_blocked.
            list(self.pool.map(abs, range(workers)))
        elif self.kind == "local":
            import logging

            import dask
            from distributed import Client, LocalCluster

            # NOTE: the settings hold for the scheduler and the nannies, which run in
            # this process, while they start; the nannies get them as their own
            # config too, for every worker they spawn. (A nanny's copy of the global
            # config shares its nested dicts, which the `with` puts back on exit, so
            # a worker respawned later would not see them otherwise.)
            with _environment_kept(), dask.config.set(LOCAL_CLUSTER_CONFIG):
                self.cluster = LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                    # NOTE: the scheduler serves HTTP (health, metrics; the dashboard when
                    # bokeh is installed) even when no dashboard is asked for, on 8787 by
                    # default: a random loopback port never clashes with another cluster.
                    dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR,
                    # NOTE: one OpenMP thread per single-threaded worker process, on purpose
                    # (see the module docstring); Dask's own default agrees.
                    env={"OMP_NUM_THREADS": "1"}, config=LOCAL_CLUSTER_CONFIG,
                )
            # NOTE: the workers are spawned by this process, and multiprocessing's
            # spawn hands them its sys.path: a user's kernel (--from DIR) imports there too.
            self.client = Client(self.cluster, set_as_default=False)
            self._owns_client = True
            self.client.register_plugin(_worker_plugin())
        elif isinstance(self.scheduler, str):  # tcp://HOST:PORT
            from distributed import Client

            # NOTE: the address is asked who it is first, in a loop of its own: a
            # Client that fails half-way (a host that answers, but not as Dask) is
            # left for its __del__ to close, which then waits and prints a traceback.
            _probe(self.scheduler, self.connect_timeout)
            self.client = Client(self.scheduler, timeout=self.connect_timeout, set_as_default=False)
            self._owns_client = True
        else:
            self.client = self.scheduler

    @property
    def workers(self) -> int:
        """How many parts can run at once: threads, processes, or the cluster's worker threads."""
        if self.client is not None:
            return max(1, sum(self.client.nthreads().values()))
        return self.requested_workers or usable_cores()

    def close(self) -> None:
        """Stop what :meth:`start` started (a given Client is left open)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.client is not None and self._owns_client:
            self.client.close()
        self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def __enter__(self) -> "Session":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def map(self, fn, part_args: list[tuple], kwargs: dict | None = None, *, label: str = "part") -> list:
        """``[fn(*a, **kwargs) for a in part_args]``, run on the scheduler, in order.

        Ctrl-C (KeyboardInterrupt) cancels the parts not yet finished and is raised again.
        """
        kwargs = dict(kwargs or {})
        started = time.perf_counter()
        if self.kind != "threads":
            part_args = [_portable(a) for a in part_args]
        token = uuid.uuid4().hex[:8]
        if self.distributed:
            results = self._map_distributed(fn, part_args, kwargs, f"speedlab-{label}-{token}")
        else:
            results = self._map_local(fn, part_args, kwargs, f"speedlab-{label}-{token}")
        self.stats["tasks"] += len(part_args)
        self.stats["rounds"] += 1
        self.stats["seconds"] += time.perf_counter() - started
        if self.kind != "threads":
            from dask.sizeof import sizeof

            self.stats["bytes_to_workers"] += sum(sizeof(a) for a in part_args)
            self.stats["bytes_from_workers"] += sum(sizeof(r) for r in results)
        return list(results)

    def _map_local(self, fn, part_args, kwargs, prefix):
        import dask

        tasks = [dask.delayed(_run_part, pure=False, name=f"{prefix}-{i}")(fn, a, kwargs)
                 for i, a in enumerate(part_args)]
        try:
            return dask.compute(*tasks, scheduler=self.kind, pool=self.pool,
                                num_workers=self.requested_workers or usable_cores())
        except KeyboardInterrupt:
            # Queued parts are dropped. Worker processes are stopped now; a part
            # already running on a thread finishes first (native code answers
            # Ctrl-C on the main thread only).
            self._stop_pool()
            raise

    def _stop_pool(self):
        pool, self.pool = self.pool, None
        if pool is None:
            return
        # NOTE: the processes and the result queue are taken before shutdown(), which forgets them.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        results = getattr(pool, "_result_queue", None)
        terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
        if terminate is not None:
            terminate()
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)
        # NOTE: a worker killed half-way through sending its result (a part's
        # result is megabytes: mandelbrot's rows) leaves the pool's manager
        # thread blocked reading the rest, and the interpreter's exit joins that
        # thread: forever. With the workers gone, this process holds the pipe's
        # last write end; closing it ends that read (EOF), and the thread finds
        # the pool broken and returns.
        writer = getattr(results, "_writer", None)
        if writer is not None:
            writer.close()
        pool.shutdown(wait=False, cancel_futures=True)

    def _map_distributed(self, fn, part_args, kwargs, prefix):
        # NOTE: the part-args travel inside the tasks, through the scheduler, on
        # purpose: the scheduler then holds them and can run a part again on
        # another worker when its worker dies (scattered data would die with it).
        # Dask warns about large tasks; here that is the design, not an accident.
        # NOTE: Client.map, not one submit per part: one message to the scheduler
        # for the whole round instead of one per part.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Sending large graph")
            futures = self.client.map(_run_mapped, part_args, key=[f"{prefix}-{i}" for i in range(len(part_args))],
                                      pure=False, fn=fn, part_kwargs=kwargs)
        try:
            return self.client.gather(futures)
        except BaseException:
            # Ctrl-C or a failed part: nothing of this map may keep running on the cluster.
            self.client.cancel(futures, force=True)
            raise

    def transfers(self) -> dict[str, int]:
        """Bytes the workers sent each other (their transfer logs); zeros without a cluster."""
        if self.client is None:
            return {"worker_to_worker_bytes": 0, "worker_to_worker_transfers": 0}

        def logged(dask_worker):
            log = dask_worker.transfer_incoming_log
            return sum(entry["total"] for entry in log), len(log)

        totals = self.client.run(logged)
        return {"worker_to_worker_bytes": sum(b for b, _ in totals.values()),
                "worker_to_worker_transfers": sum(n for _, n in totals.values())}

    def run(self, kernel: Any, *args: Any, parts: int | None = None, impl: str | None = None,
            n_threads: int | None = None) -> Any:
        """One kernel's result, computed part by part on this session (see :func:`run`)."""
        return self._drive(*_prepare(kernel, args, parts, impl, n_threads, self.kind, self.workers))

    def _drive(self, spec, plan, first, fn, kwargs) -> Any:
        """Map ``fn`` over each round of parts ``plan`` gives (``_prepare``) until it returns the result."""
        part_args = first
        while True:
            results = self.map(fn, part_args, kwargs, label=spec.name)
            try:
                part_args = plan.send(results)
            except StopIteration as stop:
                return stop.value


def _session(scheduler, workers, connect_timeout) -> tuple[Session, bool]:
    """A new Session for ``scheduler`` (owned: started and closed by the caller), or the one given."""
    if isinstance(scheduler, Session):
        if scheduler.client is None and scheduler.pool is None:
            raise ValueError("scheduler is a speedlab.dask.Session that is not started; start() it first")
        return scheduler, False
    return Session(scheduler, workers=workers, connect_timeout=connect_timeout), True


def _planned_workers(session: Session, owned: bool) -> int:
    """Workers to plan the parts for: those a session this call starts will have
    (the count asked for, or every core), or those a running session has."""
    return (session.requested_workers or usable_cores()) if owned else session.workers


def _prepare(kernel, args, parts, impl, n_threads, kind, workers):
    """Validate a run and split its input, before anything starts."""
    spec = _parts.resolve(kernel)
    fn, kwargs = _parts.part_call(spec, impl, n_threads)
    if _parts.threaded_part(spec, impl) and n_threads is None:
        kwargs["n_threads"] = 1  # one OpenMP thread per part: the parts are the parallelism
    if kind == "threads" and (impl in GIL_BOUND or (impl is None and _default_is_pure(spec))):
        warnings.warn(f"{spec.name}'s parts run impl={impl or 'python'!r}, which holds the GIL: on "
                      "scheduler='threads' they take turns; use 'processes' or 'local' to run them at once",
                      RuntimeWarning, stacklevel=3)
    if parts is None:
        wanted = PARTS_PER_WORKER * workers
        try:
            plan = _parts.rounds(spec, tuple(args), wanted)
            first = next(plan)
        except _parts.TooManyParts as exc:
            plan = _parts.rounds(spec, tuple(args), exc.limit)
            first = next(plan)
    else:
        plan = _parts.rounds(spec, tuple(args), parts)
        first = next(plan)
    return spec, plan, first, fn, kwargs


def _default_is_pure(spec) -> bool:
    from speedlab._impl import active

    return active() == "pure"


def run(kernel: Any, *args: Any, parts: int | None = None, scheduler: Any = "threads",
        impl: str | None = None, n_threads: int | None = None, workers: int | None = None,
        connect_timeout: float = CONNECT_TIMEOUT) -> Any:
    """A kernel's result, computed part by part on Dask: the same result as one call.

    Parameters
    ----------
    kernel : str, KernelSpec or function
        A kernel that splits: its name (``"mandelbrot"``, ``"nbody-ensemble"``),
        its spec, or its public function (``speedlab.mandelbrot.pbm``).
    *args
        The kernel's arguments, as its public function takes them.
    parts : int, optional
        How many parts to cut the input into (1 to what the input allows); None:
        4 per worker, or the most the input allows if fewer.
    scheduler : str, distributed.Client or Session
        ``"threads"`` (default), ``"processes"``, ``"local"``, ``"tcp://HOST:PORT"``,
        a ``distributed.Client`` (see the module docstring), or a started
        :class:`Session` (left open: many runs, one cluster start).
    impl : str, optional
        The variant the parts run (default: native when built).
    n_threads : int, optional
        Threads per part, for ``impl="parallel"`` only (default 1).
    workers : int, optional
        Threads or processes of a local scheduler (default: one per core).
    connect_timeout : float
        Seconds to wait for a ``tcp://`` scheduler (default 5).

    Returns
    -------
    object
        What the kernel's public function returns for ``args``.

    Raises
    ------
    TypeError, ValueError
        The kernel does not split, a bad argument (the kernel's own checks), a bad
        part count, scheduler, impl or worker count: raised before anything starts.
    ImportError
        Dask is not installed (``pip install 'speedlab[dask]'``).
    ConnectionError
        The cluster did not answer within ``connect_timeout``.
    KeyboardInterrupt
        Ctrl-C: the submitted parts are cancelled and a local cluster is stopped.
    """
    session, owned = _session(scheduler, workers, connect_timeout)
    # Everything that can be refused is refused here, before a worker starts.
    workers_now = _planned_workers(session, owned)
    prepared = _prepare(kernel, args, parts, impl, n_threads, session.kind, workers_now)
    require(distributed=session.distributed)
    with session if owned else contextlib.nullcontext(session):
        return session._drive(*prepared)


# -- streaming: chacha20 from file to file, part by part -------------------------

#: The default bytes per part of :func:`encrypt_file`: 64 MiB keeps two buffers
#: per running part (plaintext, ciphertext) far below any worker's memory, and a
#: 1 GiB file still makes 16 parts to share out.
PART_BYTES = 64 << 20


#: Bytes a part encrypts and writes at a time: one ciphertext buffer this small
#: stays in the CPU's cache between the cipher writing it and ``pwrite`` copying
#: it into the file, and malloc reuses it from chunk to chunk, so no part faults
#: in fresh pages for its output (a 64 MiB ``bytes`` per part did: 16,384 page
#: faults each). 96 KiB: below glibc's 128 KiB mmap threshold, which stays fixed
#: in Dask's workers -- the nanny sets MALLOC_TRIM_THRESHOLD_, and any MALLOC_
#: setting turns the threshold's growth off -- so every larger buffer would be a
#: fresh mapping there (1 GiB with 1 MiB chunks took 2.2 s with that setting
#: against 1.0 s without; with 96 KiB chunks 1.3 s and 1.2 s).
CHUNK_BYTES = 96 << 10


def _encrypt_range(src: str, dst: str, offset: int, length: int, key: bytes, nonce: bytes,
                   counter: int, impl: str | None) -> int:
    """Encrypt bytes ``offset..offset + length`` of ``src`` into the same place of ``dst``.

    The source range is memory-mapped, so the cipher reads the page cache directly
    (no copy into a buffer first); the ciphertext is made and written with
    positioned writes :data:`CHUNK_BYTES` at a time (a multiple of the block, so
    chunk ``i`` starts at counter ``counter + i * CHUNK_BYTES // 64``).
    """
    import mmap

    from speedlab._impl import choose
    from speedlab.chacha20 import BLOCK_SIZE

    # NOTE: the variant itself is called for each chunk: encrypt_file checked the
    # key, the nonce and the counter range of the whole file once, and the public
    # encrypt() checking them again for every 96 KiB cost 11 % of the stream.
    cipher = choose("chacha20", impl)
    start = offset - offset % mmap.ALLOCATIONGRANULARITY  # mappings start at a granule
    with open(src, "rb") as f:
        if os.fstat(f.fileno()).st_size < offset + length:
            raise OSError(f"{src}: shorter than {offset + length:,} bytes (did the file change?)")
        if length == 0:
            return 0
        fd = os.open(dst, os.O_WRONLY)
        try:
            with mmap.mmap(f.fileno(), offset + length - start, offset=start, access=mmap.ACCESS_READ) as m:
                view = memoryview(m)[offset - start:]
                try:
                    for done in range(0, length, CHUNK_BYTES):
                        out = cipher(key, nonce, view[done:done + CHUNK_BYTES], counter + done // BLOCK_SIZE)
                        written = os.pwrite(fd, out, offset + done)
                        if written != len(out):  # a full disk writes short: say so
                            raise OSError(f"{dst}: wrote {written:,} of {len(out):,} bytes at {offset + done:,}")
                        del out
                finally:
                    view.release()  # the mapping cannot close while a view of it is alive
        finally:
            os.close(fd)
    return length


def encrypt_file(src: str | os.PathLike, dst: str | os.PathLike, key, nonce, counter: int = 1, *,
                 part_bytes: int = PART_BYTES, scheduler: Any = "threads", workers: int | None = None,
                 impl: str | None = None, connect_timeout: float = CONNECT_TIMEOUT) -> int:
    """Encrypt (or decrypt) the file ``src`` into ``dst`` with ChaCha20, part by part.

    ``dst`` gets exactly ``speedlab.chacha20.encrypt(key, nonce, <src's bytes>,
    counter)``, but neither this process nor any worker holds the whole file:
    each part reads its own byte range of ``src`` (``part_bytes``, a multiple of
    the 64-byte block, so it starts at block counter ``counter + offset // 64`` --
    chacha20's split), encrypts it and writes it at the same offset of ``dst``.
    Memory is one buffer of :data:`CHUNK_BYTES` (96 KiB) per part running at
    once, plus the page cache of the memory-mapped source. On a cluster, every
    worker must see both paths (a shared filesystem).

    Parameters
    ----------
    src, dst : path
        The file to read and the file to write (created, or cut or extended to
        ``src``'s size first, its pages kept: every byte is overwritten, so a run
        that fails part-way leaves the earlier content where no part wrote yet);
        they must differ.
    key, nonce : bytes-like
        32 and 12 bytes.
    counter : int
        The block counter of the first 64 bytes (default 1).
    part_bytes : int
        Bytes per part: a multiple of 64, 64 bytes to 1 GiB (default 64 MiB).
    scheduler, workers, impl, connect_timeout
        As for :func:`run`.

    Returns
    -------
    int
        The number of bytes written.

    Raises
    ------
    TypeError, ValueError, OverflowError
        Bad key, nonce, counter, part size, scheduler; the counter would wrap
        before the end of the file.
    OSError
        ``src`` cannot be read or ``dst`` written (checked before any part runs).
    ImportError, ConnectionError, KeyboardInterrupt
        As for :func:`run`.
    """
    from speedlab.chacha20 import BLOCK_SIZE, COUNTER_MAX, _check

    session, owned = _session(scheduler, workers, connect_timeout)
    key, nonce, _, counter = _check(key, nonce, b"", counter)
    part_bytes = check_int("part_bytes", part_bytes, minimum=BLOCK_SIZE, maximum=1 << 30)
    if part_bytes % BLOCK_SIZE:
        raise ValueError(f"part_bytes must be a multiple of {BLOCK_SIZE} (whole blocks), got {part_bytes:,}")
    from speedlab import catalog

    spec = catalog.get("chacha20")
    if impl is None:
        impl = _parts.default_impl(spec)  # simd where this CPU has it, as run()'s parts
    else:
        spec.variant(impl)  # an unknown name fails here
    src, dst = os.fspath(src), os.fspath(dst)
    if not os.path.isfile(src):
        raise FileNotFoundError(f"src {src!r} is not a file")
    if os.path.exists(dst) and os.path.samefile(src, dst):
        raise ValueError(f"dst {dst!r} is src: encrypting a file into itself would destroy it")
    size = os.path.getsize(src)
    blocks = -(-size // BLOCK_SIZE)
    if blocks and counter + blocks - 1 > COUNTER_MAX:
        raise OverflowError(f"the block counter would wrap: {size:,} bytes need {blocks:,} blocks "
                            f"from counter {counter}, past 2**32-1")
    with open(src, "rb"):
        pass  # readable, or OSError now
    require(distributed=session.distributed)
    # NOTE: no O_TRUNC: a dst that exists keeps its pages (every byte is
    # overwritten), where truncating frees them all and the parts then fault
    # in and zero a fresh page for every 4 KiB they write (on tmpfs, the cost).
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT, 0o666)
    try:
        os.ftruncate(fd, size)
    finally:
        os.close(fd)
    ranges = [(offset, min(part_bytes, size - offset)) for offset in range(0, size, part_bytes)]
    part_args = [(src, dst, offset, length, key, nonce, counter + offset // BLOCK_SIZE, impl)
                 for offset, length in ranges]
    with session if owned else contextlib.nullcontext(session):
        written = session.map(_encrypt_range, part_args, label="chacha20-file")
    return sum(written)


# -- knucleotide from a file: each part reads its own byte range -----------------

#: Bytes a knucleotide part reads past its own range at a time, for the 17 bases
#: of overlap the longest fragment needs: 17 bases and their line feeds fit in one
#: read unless the lines are shorter than 4 bases; more reads follow when not.
OVERLAP_READ = 4096


def find_three(path: str) -> tuple[int, int]:
    """``(start, end)`` byte offsets of record THREE's sequence lines in the FASTA file ``path``.

    ``speedlab.pure.knucleotide.find_record`` run on a read-only memory map of
    the file (the first header line starting with ``>THREE``; the sequence ends
    before the next line starting with ``>``, or at the end of the file): the
    search reads the page cache, and nothing is copied into this process's memory.

    Raises
    ------
    ValueError
        The file is empty, not FASTA (no leading ``>``), or has no ``>THREE`` record.
    OSError
        The file cannot be read.
    """
    import mmap

    from speedlab.pure.knucleotide import find_record

    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            raise ValueError(f"path {path!r} is empty: expected FASTA text")
        with mmap.mmap(f.fileno(), size, access=mmap.ACCESS_READ) as m:
            if m[:1] != b">":
                raise ValueError(f"path {path!r} is not FASTA: it must start with a '>' header line, "
                                 f"got {m[:20]!r}")
            try:
                return find_record(m)
            except ValueError as exc:
                raise ValueError(f"path {path!r}: {exc}") from None


def _count_range(path: str, offset: int, length: int, end: int, impl: str | None):
    """knucleotide's counts of the windows whose first base lies in bytes ``offset..offset + length``.

    The part reads its own range of record THREE (``..end``) and, past it, the
    next 17 bases (the longest fragment's overlap; the line feeds between them
    skipped, however many), and counts with :func:`speedlab.knucleotide.window_counts`.

    Returns
    -------
    (counts, bases)
        ``window_counts``' result, and the number of bases in the range (the windows counted).
    """
    from speedlab.knucleotide import LONGEST, window_counts

    fd = os.open(path, os.O_RDONLY)
    try:
        own = os.pread(fd, length, offset)
        if len(own) != length:
            raise OSError(f"{path}: shorter than {offset + length:,} bytes (did the file change?)")
        bases = own.replace(b"\n", b"")
        del own
        windows = len(bases)
        tail, pos = b"", offset + length
        while len(tail) < LONGEST - 1 and pos < end:
            more = os.pread(fd, min(OVERLAP_READ, end - pos), pos)
            if not more:
                raise OSError(f"{path}: shorter than {end:,} bytes (did the file change?)")
            pos += len(more)
            tail += more.replace(b"\n", b"")
    finally:
        os.close(fd)
    if tail:
        bases += tail[:LONGEST - 1]
    return window_counts(bases, windows, **({"impl": impl} if impl else {})), windows


def _three_parts(path: str, parts: int | None, workers: int, impl: str | None) -> list[tuple]:
    """The part-args of :func:`knucleotide_file`: record THREE's byte range cut into ``parts`` ranges."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"path {path!r} is not a file")
    start, end = find_three(path)
    limit = end - start
    if parts is None:
        parts = min(PARTS_PER_WORKER * workers, max(1, limit))
    else:
        parts = _parts.check_parts(parts, limit, "one byte of record THREE per part at most")
    return [(path, start + lo, hi - lo, end, impl) for lo, hi in _parts.spans(limit, parts)]


def knucleotide_file(path: str | os.PathLike, *, parts: int | None = None, scheduler: Any = "threads",
                     workers: int | None = None, impl: str | None = None,
                     connect_timeout: float = CONNECT_TIMEOUT):
    """``speedlab.knucleotide.knucleotide`` of the FASTA file ``path``, its parts reading the file.

    Nothing of the sequence travels through Dask: this process finds where record
    THREE's sequence starts and ends (:func:`find_three`, a search of a read-only
    memory map) and cuts that byte range into ``parts`` even ranges; each part
    reads its own range from the file, plus the 17 bases that follow it (the
    longest fragment is 18 bases; the line feeds in between are skipped, however
    many), counts the windows whose first base lies in its range, and returns
    only the counts (a few KiB). Exact: every base lies in exactly one range, so
    every window of every length is counted once, by the part holding its first
    base; the counts add up in integers, and the percentages are computed once
    from the totals, by the function one call uses -- the result equals
    ``knucleotide(open(path, 'rb').read())``. On a cluster every worker must see
    ``path`` (a shared filesystem). Memory per running part: its range, twice.

    Parameters
    ----------
    path : path
        A FASTA file with a record whose header starts with ``>THREE``.
    parts : int, optional
        Byte ranges to cut record THREE into: 1 to its size in bytes; None: 4 per
        worker (fewer when the record is that small).
    scheduler, workers, connect_timeout
        As for :func:`run`.
    impl : str, optional
        What the parts count with: ``python``, ``compiled`` or ``native``
        (default: native when built).

    Returns
    -------
    tuple
        ``(freq1, freq2, counts)``, as :func:`speedlab.knucleotide.knucleotide`.

    Raises
    ------
    TypeError, ValueError
        ``path`` is not a path; the file is not FASTA or has no record THREE; a
        bad part count, scheduler, impl or worker count: raised before anything
        starts. A record THREE holding anything but bases and line feeds is a
        ValueError from the part that reads it.
    FileNotFoundError
        ``path`` is not a file.
    ImportError, ConnectionError, KeyboardInterrupt
        As for :func:`run`.
    """
    from speedlab.knucleotide import combine_counts, window_counts

    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, not {type(path).__name__}")
    path = os.fspath(path)
    if not isinstance(path, str):
        raise TypeError(f"path must be a text path, not {type(path).__name__}")
    if impl is not None:
        if not isinstance(impl, str):
            raise TypeError(f"impl must be a variant name (str) or None, not {type(impl).__name__}")
        if impl not in window_counts.impls:
            raise ValueError(f"knucleotide's parts run {', '.join(window_counts.impls)}, not impl={impl!r}")
    session, owned = _session(scheduler, workers, connect_timeout)
    workers_now = _planned_workers(session, owned)
    part_args = _three_parts(path, parts, workers_now, impl)
    require(distributed=session.distributed)
    with session if owned else contextlib.nullcontext(session):
        results = session.map(_count_range, part_args, label="knucleotide-file")
    return combine_counts([counts for counts, _ in results], sum(bases for _, bases in results))

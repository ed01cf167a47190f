"""Heavy work in worker processes, so the server's event loop (and ``/healthz``) never waits
for it.

A hub import, a dataset validation or upload of a large file, and a robustness analysis hold
Python's global interpreter lock for seconds at a time; run in a thread of the server, they
stall every other request of that process. :class:`Workers` runs them in a small set of
**worker processes** instead (``concurrent.futures.ProcessPoolExecutor`` with the *spawn*
start method: a fresh interpreter that shares no lock, connection or cache with the server).

- **Slots.** ``processes`` slots (default 2), each a one-process executor created on first
  use and warmed up (interpreter started, citynexus imported) before the job's clock starts;
  ``citynexus serve`` starts them when the server starts (``CITYNEXUS_JOB_WARM=1``).
  A job waits for a free slot; with ``processes + queue`` jobs waiting or running, the next
  one is refused at once with :class:`WorkersBusy` (HTTP 503, ``Retry-After``).
- **Engines travel as URLs.** An :class:`~sqlalchemy.Engine` argument is replaced by its URL;
  the worker opens its own engine (:func:`citynexus.store.get_engine`, once per process) — a
  connection cannot cross a process boundary. Results and arguments must pickle; every
  :class:`~citynexus.errors.CityNexusError` does, so an error raised in the worker reaches
  the caller as the same class with the same attributes (and the same HTTP status).
- **Time limit.** A job running longer than ``timeout`` seconds (default 300) is stopped by
  killing its worker process (SIGKILL): :class:`JobTimeout` (HTTP 413 — the input is more
  than the server is able to process within its limit). Every write of a job is one
  database transaction, so a killed job stores nothing. A worker that dies by itself (out
  of memory, killed from outside) gives :class:`WorkerLost` (HTTP 503). The slot gets a new
  process on its next job.
- **Priority.** ``CITYNEXUS_JOB_NICE`` (default 0) lowers the worker processes' CPU priority,
  so that on a machine short of cores the server's own process is scheduled first — at the
  cost of slower jobs (which then meet their time limit sooner) when other programs keep the
  cores busy.
- **Small inputs stay in the server.** :meth:`Workers.run` with ``size`` below ``min_bytes``
  (default 256 KiB) calls the function in the calling thread, as does a pool with
  ``processes = 0`` ("thread mode", the behaviour before worker processes): starting work in
  a process costs a few milliseconds, which a small upload is not worth.

Configuration: ``CITYNEXUS_JOB_WORKERS`` (slots; 0 = thread mode), ``CITYNEXUS_JOB_TIMEOUT``
(seconds), ``CITYNEXUS_JOB_MIN_BYTES`` (bytes), ``CITYNEXUS_JOB_QUEUE`` (waiting jobs),
``CITYNEXUS_JOB_NICE`` (niceness added to worker processes).
Reference: Python documentation, ``concurrent.futures.ProcessPoolExecutor`` and
"Contexts and start methods" of ``multiprocessing``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from citynexus.errors import CityNexusError

DEFAULT_QUEUE = 8
#: seconds a new worker process may take to start and import citynexus
WARM_TIMEOUT = 120.0


class JobTimeout(CityNexusError):
    """A job ran past its time limit and was stopped; nothing it did was stored (HTTP 413)."""


class WorkerLost(CityNexusError):
    """The worker process running a job stopped before finishing (killed, out of memory);
    nothing it did was stored (HTTP 503)."""


class WorkersBusy(CityNexusError):
    """Every worker is busy and the queue of waiting jobs is full (HTTP 503, retry)."""


def _setting(name: str, default: float, minimum: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise CityNexusError(f"{name}={raw!r} is not a number; unset it or give e.g. {default:g}") from None
    if value < minimum:
        raise CityNexusError(f"{name}={raw!r} must be at least {minimum:g}")
    return value


@dataclass(frozen=True)
class _EngineRef:
    """An engine as it crosses into a worker: its URL (password included: a local child)."""

    url: str


def _init_worker(niceness: int) -> None:
    """Initializer of a worker process: a lower CPU priority if configured, so that the
    server process (answering requests) is scheduled before the heavy job; and a watch on the
    server, so that a worker never outlives it (a server killed with SIGKILL takes its workers
    along, and their open transactions are rolled back)."""
    with contextlib.suppress(OSError, AttributeError):  # not permitted, or not POSIX: run as is
        os.nice(niceness)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(sentinel: int) -> None:
    from multiprocessing.connection import wait

    wait([sentinel])  # readable once the parent process has ended
    os._exit(1)


def _warm() -> int:
    """First call in a new worker: import what jobs need; return the process id."""
    import citynexus.store  # noqa: F401  (the base every job uses)

    return os.getpid()


def _call(fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """Run ``fn`` in the worker, with every engine reference opened as an engine here."""
    from citynexus.store import get_engine

    def open_(a: Any) -> Any:
        return get_engine(a.url) if isinstance(a, _EngineRef) else a

    return fn(*[open_(a) for a in args], **{k: open_(v) for k, v in kwargs.items()})


def _ref(a: Any) -> Any:
    return _EngineRef(a.url.render_as_string(hide_password=False)) if isinstance(a, Engine) else a


@dataclass(eq=False)
class _Slot:
    """One worker process (an executor of one) and its process id once warmed up."""

    niceness: int = 0
    executor: ProcessPoolExecutor | None = None
    pid: int | None = None

    def ready(self) -> ProcessPoolExecutor:
        if self.executor is None:
            ex = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.niceness,),
            )
            try:
                self.pid = ex.submit(_warm).result(timeout=WARM_TIMEOUT)
            except (BrokenProcessPool, FutureTimeout, OSError) as err:
                ex.shutdown(wait=False, cancel_futures=True)
                raise WorkerLost(
                    f"a worker process could not start ({type(err).__name__}); nothing was done. Retry; an operator "
                    "finds the cause in the server's log (a script that starts the server must guard its code "
                    "with `if __name__ == '__main__':`, as Python's multiprocessing requires)"
                ) from None
            self.executor = ex
        return self.executor

    def close(self) -> None:
        """Let an idle process exit by itself."""
        ex, self.executor, self.pid = self.executor, None, None
        if ex is not None:
            ex.shutdown(wait=True)

    def kill(self) -> None:
        """Stop the process (whatever it is doing) and forget the executor."""
        ex, pid, self.executor, self.pid = self.executor, self.pid, None, None
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):  # it died already
                os.kill(pid, signal.SIGKILL)
        if ex is not None:
            ex.shutdown(wait=False, cancel_futures=True)


@dataclass
class Workers:
    """A bounded set of worker processes for heavy jobs (see the module docstring)."""

    processes: int = field(default_factory=lambda: int(_setting("CITYNEXUS_JOB_WORKERS", 2, 0)))
    timeout: float = field(default_factory=lambda: _setting("CITYNEXUS_JOB_TIMEOUT", 300, 0.001))
    min_bytes: int = field(default_factory=lambda: int(_setting("CITYNEXUS_JOB_MIN_BYTES", 256 * 1024, 0)))
    queue: int = field(default_factory=lambda: int(_setting("CITYNEXUS_JOB_QUEUE", DEFAULT_QUEUE, 0)))
    niceness: int = field(default_factory=lambda: int(_setting("CITYNEXUS_JOB_NICE", 0, 0)))

    def __post_init__(self) -> None:
        self._slots = [_Slot(self.niceness) for _ in range(self.processes)]
        self._free = list(self._slots)
        self._cond = threading.Condition()
        self._waiting = 0
        self._closed = False

    @property
    def mode(self) -> str:
        return "process" if self.processes > 0 else "thread"

    def run(self, fn: Callable[..., Any], *args: Any, size: int | None = None, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` in a worker process (blocking the calling thread only),
        or here when the pool is in thread mode or ``size`` is below :attr:`min_bytes`.
        ``fn`` must be a module-level function; engines in the arguments are reopened in the
        worker. Raises what ``fn`` raised, :class:`JobTimeout`, :class:`WorkerLost` or
        :class:`WorkersBusy`."""
        if self.processes == 0 or (size is not None and size < self.min_bytes):
            return fn(*args, **kwargs)
        slot = self._acquire()
        try:
            ex = slot.ready()
            fut = ex.submit(_call, fn, tuple(_ref(a) for a in args), {k: _ref(v) for k, v in kwargs.items()})
            try:
                return fut.result(timeout=self.timeout)
            except FutureTimeout:
                slot.kill()
                raise JobTimeout(
                    f"the job ran longer than the limit of {self.timeout:g} s and was stopped; nothing was stored. "
                    "Send a smaller input (split the file) or ask the operator to raise CITYNEXUS_JOB_TIMEOUT"
                ) from None
            except BrokenProcessPool:
                slot.kill()
                raise WorkerLost(
                    "the worker process running the job stopped before it finished (killed or out of memory); "
                    "nothing was stored. Retry, or send a smaller input"
                ) from None
        finally:
            self._release(slot)

    def _acquire(self) -> _Slot:
        with self._cond:
            if self._closed:
                raise WorkerLost("the server is shutting down; retry in a moment")
            if not self._free and self._waiting >= self.queue:
                raise WorkersBusy(
                    f"all {self.processes} worker process(es) are busy and {self._waiting} job(s) are waiting; "
                    "retry in a moment"
                )
            self._waiting += 1
            try:
                deadline = time.monotonic() + self.timeout * (self.queue + 1)
                while not self._free:
                    if not self._cond.wait(timeout=max(0.0, deadline - time.monotonic())):
                        raise WorkersBusy("no worker process became free in time; retry in a moment")
                    if self._closed:
                        raise WorkerLost("the server is shutting down; retry in a moment")
                return self._free.pop()
            finally:
                self._waiting -= 1

    def _release(self, slot: _Slot) -> None:
        with self._cond:
            self._free.append(slot)
            self._cond.notify()

    def warm(self) -> None:
        """Start every worker process now rather than on the first job (``citynexus serve``
        does this when it starts, so that the first large upload does not also pay for
        starting an interpreter). Jobs arriving meanwhile wait for their slot."""
        slots = [self._acquire() for _ in range(self.processes)]
        try:
            for slot in slots:
                slot.ready()
        finally:
            for slot in slots:
                self._release(slot)

    def pids(self) -> list[int]:
        """Process ids of the worker processes started so far (for tests and operators)."""
        return [s.pid for s in self._slots if s.pid is not None]

    def shutdown(self) -> None:
        """Stop every worker process (the app's lifespan calls this when the server stops)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            idle = list(self._free)
        for s in self._slots:
            if s in idle:
                s.close()
            else:  # a job still running when the server stops: its transaction is rolled back
                s.kill()

"""Crash safety: a process killed (SIGKILL) during batched appends leaves a log that verifies.

A child process appends batches of ``BATCH`` entries in a loop and prints the size after
each commit. The parent kills it at a random moment, then checks that the log holds a whole
number of batches (all or nothing), has kept every batch reported as committed, and passes
a full audit; the next round keeps appending to the same database. One more round kills
the child deterministically after it has written a whole batch (entries, nodes, head) but
before the commit.
"""

from __future__ import annotations

import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from citynexus.ledger import Ledger, audit, generate_key, verify_bundle
from citynexus.store import dispose_all

BATCH = 150
ROUNDS = 4

CHILD = r"""
import contextlib, sys, time
import citynexus.ledger.log as logmod
from citynexus.ledger import Ledger

url, mode, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
if mode == "hang-before-commit":
    real = logmod.session_scope

    @contextlib.contextmanager
    def slow_scope(engine):
        with real(engine) as s:
            yield s
            if s.new is not None and getattr(slow_scope, "armed", False):
                s.flush()
                print("before-commit", flush=True)
                time.sleep(60)

    logmod.session_scope = slow_scope
led = Ledger(url)
print("ready", led.size, flush=True)
n = 0
while True:
    if mode == "hang-before-commit":
        slow_scope.armed = True
    rec = [{"type": "kpi.report", "payload": {"batch": n, "i": i, "v": i * 0.5}} for i in range(batch)]
    entries = led.append_many(rec, submitter="crash-test")
    print("committed", entries[-1].index + 1, flush=True)
    n += 1
"""


def _spawn(url: str, mode: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, url, mode, str(BATCH)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _reader(proc: subprocess.Popen) -> queue.Queue:
    """A thread that moves the child's stdout lines into a queue (None at end of output),
    so the parent can wait for a line with a real timeout instead of blocking in readline."""
    q: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:
            q.put(line)
        q.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return q


def _read_until(proc: subprocess.Popen, prefix: str, timeout: float = 60) -> list[str]:
    """Lines of the child's output up to the first starting with ``prefix``; fails when
    the child exits first or prints no such line within ``timeout`` seconds (then kills it)."""
    q = proc.lines if hasattr(proc, "lines") else _reader(proc)
    proc.lines = q
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        try:
            line = q.get(timeout=max(left, 0)) if left > 0 else q.get_nowait()
        except queue.Empty:
            proc.kill()
            raise AssertionError(f"child did not print {prefix!r} in {timeout} s (got {lines[-3:]})") from None
        if line is None:
            raise AssertionError(f"child exited early: {proc.stderr.read()}")
        lines.append(line.strip())
        if line.startswith(prefix):
            return lines


def _drain(proc: subprocess.Popen) -> str:
    """The rest of the child's output after it was killed."""
    proc.wait(timeout=30)
    out = []
    while (line := proc.lines.get(timeout=30)) is not None:
        out.append(line)
    return "".join(out)


def _check_log(url: str, committed: int) -> int:
    dispose_all()
    led = Ledger(url)
    size = led.size
    assert size % BATCH == 0, f"partial batch stored: size {size}"
    assert size >= committed, f"lost committed entries: size {size} < {committed}"
    rep = audit(led)
    assert rep.ok, rep.problems
    return size


def test_read_until_times_out_on_a_silent_child():
    """The helper's timeout is real: a child that prints nothing and never exits makes it
    fail after the timeout, not hang in readline."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    t0 = time.monotonic()
    try:
        with pytest.raises(AssertionError, match=r"did not print 'committed' in 0\.5 s"):
            _read_until(proc, "committed", timeout=0.5)
        assert time.monotonic() - t0 < 10
        assert proc.wait(timeout=10) != 0  # killed
    finally:
        if proc.poll() is None:  # pragma: no cover
            proc.kill()


@pytest.mark.slow
def test_kill_during_batched_append(db_url):
    Ledger.init(db_url, origin="crash.test/log")
    rng = random.Random(20240917)
    sizes = []
    for _ in range(ROUNDS):
        proc = _spawn(db_url, "loop")
        try:
            lines = _read_until(proc, "committed")  # at least one batch went through
            time.sleep(rng.uniform(0.0, 0.6))
            proc.send_signal(signal.SIGKILL)
            out = _drain(proc)
        finally:
            if proc.poll() is None:  # pragma: no cover
                proc.kill()
        lines += out.split("\n")
        # a line cut by the kill ("committed" without its number: print writes its parts separately) is skipped
        committed = max(int(m[1]) for x in lines if (m := re.fullmatch(r"committed (\d+)", x.strip())))
        sizes.append(_check_log(db_url, committed))
    assert sizes == sorted(sizes) and sizes[-1] > 0

    # deterministic: killed with a whole batch written but not committed
    before = _check_log(db_url, 0)
    proc = _spawn(db_url, "hang-before-commit")
    try:
        _read_until(proc, "before-commit")
        proc.send_signal(signal.SIGKILL)
        _drain(proc)
    finally:
        if proc.poll() is None:  # pragma: no cover
            proc.kill()
    assert _check_log(db_url, before) == before

    # the log keeps working and proving after the crashes
    led = Ledger(db_url)
    key = generate_key("after-crash")
    led.append("kpi.report", {"after": True}, "crash-test")
    led.checkpoint(key)
    verify_bundle(led.prove(led.size - 1), [key.verifier])
    verify_bundle(led.prove(0), [key.verifier])

"""The process-wide builder behind the default encoder: one object, built once, under a lock."""

from __future__ import annotations

import threading
import time

import pytest

from citynexus.hub.encoder import process_wide


def test_built_once_even_when_threads_ask_together():
    calls: list[int] = []

    def slow_factory() -> object:
        calls.append(1)
        time.sleep(0.05)  # long enough for every thread to be waiting on the lock
        return object()

    get = process_wide(slow_factory)
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(get())) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(calls) == 1
    assert len(got) == 8 and all(g is got[0] for g in got)
    assert get() is got[0]


def test_a_failed_build_is_tried_again():
    attempts: list[int] = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("model not downloaded")
        return "encoder"

    get = process_wide(flaky)
    with pytest.raises(OSError):
        get()
    assert get() == "encoder" and len(attempts) == 2

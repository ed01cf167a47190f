"""Running batches of replications, locally or on a Dask distributed cluster.

The replications are cut into batches of ``batch_size`` rows in order; each batch is
evaluated by :meth:`Engine.evaluate` (one sort per batch for the ranks). The partition
into batches depends only on the number of replications and ``batch_size``, never on the
scheduler, so a run on a cluster gives exactly the numbers of a local run with the same
seed. With ``scheduler`` (an address such as ``tcp://10.0.0.5:8786``, or a
``distributed.Client``) the engine is sent once to every worker (``Client.scatter``,
broadcast) and the batches run as tasks there; each worker keeps its own cache of
upstream variants.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from citynexus.evaluate.robustness.errors import RobustnessSpecError

if TYPE_CHECKING:
    from collections.abc import Callable


def _evaluate(engine, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return engine.evaluate(values)


def batches(n: int, batch_size: int) -> list[slice]:
    """Consecutive slices of at most ``batch_size`` rows covering ``range(n)``."""
    if batch_size < 1:
        raise RobustnessSpecError(f"batch_size must be at least 1, got {batch_size}")
    return [slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]


def run_batches(
    engine,
    values: np.ndarray,
    batch_size: int = 2048,
    scheduler: Any = None,
    progress: Callable[[int], None] | None = None,
    connect_timeout: float = 20.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Scores and ranks ``(N, n_units)`` of every replication (rows of ``values``).

    ``progress(k)`` is called with the number of replications finished after each batch;
    ``connect_timeout``: seconds to wait for the scheduler."""
    values = engine.check_values(values)
    parts = batches(values.shape[0], batch_size)
    results: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(parts)
    if scheduler is None:
        for i, sl in enumerate(parts):
            results[i] = engine.evaluate(values[sl])
            if progress is not None:
                progress(sl.stop - sl.start)
    else:
        from distributed import Client, as_completed

        own = not isinstance(scheduler, Client)
        try:
            client = Client(scheduler, timeout=f"{connect_timeout}s") if own else scheduler
        except OSError as err:
            raise RobustnessSpecError(
                f"cannot reach the Dask scheduler at {scheduler!r} ({err}); start one with `dask scheduler` "
                "and workers with `dask worker ADDRESS`, or leave out --scheduler to run locally"
            ) from None
        try:
            remote = client.scatter(engine, broadcast=True)
            futures = [client.submit(_evaluate, remote, values[sl], pure=False) for sl in parts]
            where = {f.key: i for i, f in enumerate(futures)}
            for fut in as_completed(futures):
                i = where[fut.key]
                results[i] = fut.result()
                if progress is not None:
                    progress(parts[i].stop - parts[i].start)
        finally:
            if own:
                client.close()
    scores = np.concatenate([r[0] for r in results]) if results else np.empty((0, len(engine.units)))
    ranks = np.concatenate([r[1] for r in results]) if results else np.empty((0, len(engine.units)))
    return scores, ranks

"""Shards of the input mapped on a Dask cluster: the sources, resolved here, are grouped into
shards by size and sent to the workers, and the results come back in input order.

Only this module imports Dask, and only when a scheduler is given (``rca.mine.shards``): a run without
one never imports it. Workers need rca installed (the same version) and must reach the sources:
local paths are sent absolute, so they need the same files (a shared file system); standard
input is read here. URLs (``s3://...``) are read by the workers themselves, through fsspec.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from rca.errors import RcaError, SchedulerError
from rca.read.sources import Source, file_system
from rca.settings import Settings

T = TypeVar("T")

CONNECT_TIMEOUT_S = 5
# Sources are grouped into shards of about a quarter of one worker's share of the bytes (so a slow
# shard does not hold the others up), within these bounds; a larger source is a shard of its own.
MIN_SHARD_BYTES = 1 << 20
MAX_SHARD_BYTES = 64 << 20


def map_on_cluster(address: str, sources: list[Source], settings: Settings,
                   work: Callable[[list[Source], Settings], T]) -> list[T]:
    """``work(shard, settings)`` for each shard of ``sources``, on the workers of the Dask scheduler
    at ``address`` (a shard holding standard input runs here), results in input order."""
    client = connect(address)
    try:
        shards = plan_shards([_portable(s) for s in sources], workers=sum(client.nthreads().values()))
        futures = {i: client.submit(work, shard, settings, pure=False) for i, shard in enumerate(shards) if _remote(shard)}
        here = {i: work(shard, settings) for i, shard in enumerate(shards) if i not in futures}
        done = dict(zip(futures, client.gather(list(futures.values())), strict=True))
        return [done[i] if i in done else here[i] for i in range(len(shards))]
    finally:
        client.close()


def connect(address: str) -> Any:
    """A ``distributed.Client`` of the scheduler at ``address`` that has a worker, or
    ``SchedulerError`` within a few seconds."""
    try:
        from distributed import Client
        from distributed.comm import connect as open_comm
    except ImportError:
        raise SchedulerError("--scheduler needs Dask: pip install 'rca-logs[dask]'") from None

    async def probe() -> None:
        # Dask's own timeout does not cover its handshake: a server that never answers would hang it.
        comm = await asyncio.wait_for(open_comm(address, timeout=CONNECT_TIMEOUT_S), CONNECT_TIMEOUT_S + 1)
        await comm.close()

    # Probed first: a Client that fails to connect complains on stderr when it is collected.
    try:
        asyncio.run(probe())
    except TimeoutError:
        raise SchedulerError(f"cannot reach the Dask scheduler at {address}: no answer within {CONNECT_TIMEOUT_S + 1} s") from None
    except (OSError, ValueError) as exc:
        raise SchedulerError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - whatever answers there does not speak Dask's protocol
        raise SchedulerError(f"cannot reach the Dask scheduler at {address}: no Dask scheduler answers there ({type(exc).__name__})") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - any failure here means the scheduler cannot be used
        raise SchedulerError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
    except Exception:  # noqa: BLE001 - distributed raises TimeoutError, or its own
        client.close()
        raise SchedulerError(f"the Dask scheduler at {address} has no workers") from None
    return client


def plan_shards(sources: list[Source], *, workers: int) -> list[list[Source]]:
    """Consecutive sources grouped into shards of about ``MIN_SHARD_BYTES`` to ``MAX_SHARD_BYTES``;
    standard input alone in its own shard."""
    sizes = [_size(s) for s in sources]
    target = min(MAX_SHARD_BYTES, max(MIN_SHARD_BYTES, sum(sizes) // max(1, 4 * workers)))
    shards: list[list[Source]] = []
    current: list[Source] = []
    filled = 0
    for source, size in zip(sources, sizes, strict=True):
        if not _remote([source]):
            shards += [s for s in (current, [source]) if s]
            current, filled = [], 0
            continue
        current.append(source)
        filled += size
        if filled >= target:
            shards.append(current)
            current, filled = [], 0
    return shards + ([current] if current else [])


def _size(source: Source) -> int:
    try:
        if source.url is not None:
            fs, path = file_system(source.url)
            return int(fs.size(path) or 0)  # type: ignore[attr-defined]
        return source.path.stat().st_size if source.path is not None else 0
    except (OSError, NotImplementedError, RcaError):
        return 0  # reading it will say why


def _portable(source: Source) -> Source:
    """The source as a worker finds it: a local path made absolute (its name, shown in results, kept)."""
    return replace(source, path=source.path.absolute()) if source.path is not None else source


def _remote(shard: list[Source]) -> bool:
    """Whether a worker can read the shard (standard input is only here)."""
    return not any(s.stdin for s in shard)

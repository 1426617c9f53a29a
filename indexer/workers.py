"""The worker processes of an indexing run: they die with it, leave stopping to it, and a
dead one costs the run nothing but a retry.

Workers are forked, so without care they outlive a parent killed by the OOM killer or
systemd: each holds a copy of the parent's pipes (so none ever sees end-of-file) and of its
lock file descriptors (so every later run is refused). Here the kernel kills a worker the
moment its parent dies (PR_SET_PDEATHSIG), and a worker closes the parent's lock on start."""
from __future__ import annotations

import ctypes
import os
import signal
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterator, TypeVar

PR_SET_PDEATHSIG = 1

Item = TypeVar("Item")


def _die_with_parent(parent: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: an orphan exits at its next job's end
        pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _init_worker(parent: int, inherited_fds: tuple[int, ...]) -> None:
    """Ctrl-C (sent to the terminal's whole process group) is the parent's to handle: it
    stops after a commit, the workers finish their job. SIGTERM keeps its default: the pool
    stops a broken pool's workers with it (a worker that systemd stops with its parent is
    replaced while the parent commits)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited by fork
    _die_with_parent(parent)
    for fd in inherited_fds:
        try:
            os.close(fd)  # a flock lives while any copy of its descriptor is open
        except OSError:
            pass


class Pools:
    """Worker processes, started when first needed: one pool parses files (and runs NER),
    the other writes segments at commit, so a commit never queues behind parsing. A pool
    whose worker died is replaced by a new one."""

    def __init__(self, workers: int, inherited_fds: tuple[int, ...] = ()) -> None:
        self.workers = workers
        self.inherited_fds = inherited_fds
        self._pools: dict[str, ProcessPoolExecutor] = {}

    def _get(self, kind: str) -> ProcessPoolExecutor:
        if kind not in self._pools:
            self._pools[kind] = ProcessPoolExecutor(
                self.workers, initializer=_init_worker, initargs=(os.getpid(), self.inherited_fds))
        return self._pools[kind]

    def _restart(self, kind: str) -> ProcessPoolExecutor:
        pool = self._pools.pop(kind, None)
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        return self._get(kind)

    def parse(self) -> ProcessPoolExecutor:
        return self._get("parse")

    def segments(self) -> ProcessPoolExecutor:
        return self._get("segments")

    def restart_parse(self) -> ProcessPoolExecutor:
        return self._restart("parse")

    def restart_segments(self) -> ProcessPoolExecutor:
        return self._restart("segments")

    def __enter__(self) -> "Pools":
        return self

    def __exit__(self, *exc) -> None:
        for pool in self._pools.values():
            pool.shutdown(cancel_futures=True)


def run_all(items: list[Item], job: Callable[[Item], tuple], pools: Pools, ahead: int,
            crashed: Callable[[Item], object],
            on_worker_death: Callable[[list[Item]], None]) -> Iterator[tuple[Item, object]]:
    """(item, job's result) in the items' order, at most `ahead` jobs per worker running at
    once and as many again finished ahead of an earlier one. In order, because the order
    articles are written in is their document numbers, which break ties between equal
    scores: the same files must give the same index and the same results, however the
    workers' timing falls.

    When a worker dies (killed, out of memory) every job in flight fails with it and the
    pool is replaced: the items it may have held are run again one at a time, so the one
    that kills its worker again is found and gets `crashed(item)` as its result."""
    in_flight = ahead * pools.workers
    running: dict[Future, int] = {}
    finished: dict[int, object] = {}
    suspects: list[int] = []
    submitted = 0  # items[:submitted] were handed to a worker
    out = 0  # items[:out] were yielded
    pool = pools.parse()

    def lost(numbers: list[int]) -> None:
        nonlocal pool
        numbers = numbers + list(running.values())  # failed with the pool, or about to
        running.clear()
        on_worker_death([items[n] for n in sorted(numbers)])
        suspects.extend(sorted(numbers))
        pool = pools.restart_parse()

    def fill() -> None:
        nonlocal submitted
        while (not suspects and submitted < len(items) and len(running) < in_flight
               and submitted - out < 2 * in_flight):
            submitted += 1
            try:
                running[pool.submit(*job(items[submitted - 1]))] = submitted - 1
            except BrokenProcessPool:
                lost([submitted - 1])
                return

    fill()
    while out < len(items):
        if out in finished:
            yield items[out], finished.pop(out)
            out += 1
            fill()
        elif not running:  # a suspect alone: whatever kills the pool now is its doing
            n = suspects.pop(0)
            try:
                finished[n] = pool.submit(*job(items[n])).result()
            except BrokenProcessPool:
                finished[n] = crashed(items[n])
                pool = pools.restart_parse()
            fill()
        else:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            broken = []
            for future in done:
                n = running.pop(future)
                try:
                    finished[n] = future.result()
                except BrokenProcessPool:
                    broken.append(n)
            if broken:
                lost(broken)
            else:
                fill()


def retry_on_worker_death(pools: Pools, attempts: int, work: Callable[[], Item]) -> Item:
    """`work()` (which uses the segments pool) again on a fresh pool when a worker died."""
    for _ in range(attempts - 1):
        try:
            return work()
        except BrokenProcessPool:
            pools.restart_segments()
    return work()

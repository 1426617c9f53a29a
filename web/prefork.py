"""`newsdesk serve --processes N`: N server processes answering on one listening socket.

One process's threads share the GIL, so a search-bound server uses one core however many
threads it has. Here the master binds the socket and forks N workers; each is a waitress
server of its own on that socket (the kernel hands each new connection to one of them) with
its own app, archive and per-thread searchers, which notice new commits as a single process
does. The master serves nothing: it restarts a worker that dies, and stops them all on
SIGTERM or Ctrl-C. Whatever must happen once per server (the push writer, which takes the
index's lock) runs in one more process of its own, never in a worker and never as a thread
of the master (which forks); a process whose master is gone stops."""
from __future__ import annotations

import os
import signal
import socket
import threading
import time
import traceback
from typing import Callable

# A worker that dies this soon after starting is failing, not unlucky: after this many in
# a row the server stops instead of forking forever.
QUICK_DEATH_SECONDS = 5.0
QUICK_DEATHS = 5
STOP_SECONDS = 10.0


def listen(host: str, port: int) -> socket.socket:
    """The listening socket every worker accepts on (OSError when the port is taken)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=1024)


def serve(run_worker: Callable[[socket.socket], None], sock: socket.socket, processes: int,
          say: Callable[[str], None], run_alone: Callable[[socket.socket], None] | None = None) -> int:
    """Fork `processes` workers that each call `run_worker(sock)`, and one more that calls
    `run_alone(sock)` when given: the one process for work only one may do (the push writer,
    which takes the index's lock). Forked before any thread starts, restarted like a worker.
    Supervises them until SIGTERM or SIGINT; returns the exit status."""
    stopping = threading.Event()
    # Workers hold the read end: it reads end-of-file when the master is gone, however it died.
    alive_r, alive_w = os.pipe()
    workers: dict[int, float] = {}
    roles: dict[int, Callable[[socket.socket], None]] = {}

    def start(run: Callable[[socket.socket], None]) -> None:
        pid = os.fork()
        if pid == 0:
            os.close(alive_w)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            threading.Thread(target=_stop_when_orphaned, args=(alive_r,), daemon=True).start()
            status = 0
            try:
                run(sock)
            except KeyboardInterrupt:  # Ctrl-C reaches every process of the terminal's group
                pass
            except BaseException:
                traceback.print_exc()
                status = 1
            finally:
                os._exit(status)
        workers[pid] = time.monotonic()
        roles[pid] = run

    def stop(sig: int, frame) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for run in [run_worker] * processes + ([run_alone] if run_alone else []):
        start(run)
    quick = 0
    status = 0
    while status == 0 and not stopping.wait(0.2):
        for pid, code in _exited():
            if pid not in workers:
                continue
            quick = quick + 1 if time.monotonic() - workers.pop(pid) < QUICK_DEATH_SECONDS else 0
            if quick >= QUICK_DEATHS:
                say(f"{quick} workers in a row exited within {QUICK_DEATH_SECONDS:.0f} s of starting "
                    f"(the last: {_how(code)}): stopping")
                status = 1
                break
            say(f"worker {pid} exited ({_how(code)}); starting another")
            start(roles.pop(pid))
    _stop_all(workers)
    os.close(alive_w)
    return status


def _exited() -> list[tuple[int, int]]:
    """(pid, wait status) of the children that have exited since the last look."""
    out = []
    while True:
        try:
            pid, code = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return out
        if pid == 0:
            return out
        out.append((pid, code))


def _stop_when_orphaned(alive_r: int) -> None:
    """Stop this worker once the master's end of the pipe closes."""
    while os.read(alive_r, 1):
        pass
    os.kill(os.getpid(), signal.SIGTERM)


def _stop_all(workers: dict[int, float]) -> None:
    """SIGTERM every worker; SIGKILL those still running after STOP_SECONDS."""
    for pid in workers:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    while workers and time.monotonic() < deadline:
        for pid in list(workers):
            if os.waitpid(pid, os.WNOHANG)[0]:
                del workers[pid]
        time.sleep(0.05)
    for pid in workers:
        _signal(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _how(code: int) -> str:
    if os.WIFSIGNALED(code):
        return f"signal {signal.Signals(os.WTERMSIG(code)).name}"
    return f"status {os.waitstatus_to_exitcode(code)}"

"""Searching while indexing: loopback clients query `newsdesk serve` while another process
adds, updates and deletes articles (and Whoosh merges segments). Counts failed requests and
how long a committed article takes to become searchable, and the slowest answers in the
second after each commit beside the slowest of the rest.

    python -m bench.soak [--seconds 300] [--clients 8] [--threads 4] [--articles 5000]

Past Reuters' 20,841 articles the set is replicated (bench.reuters.replicate).

Traffic goes only to 127.0.0.1; every loop is bounded in time and count.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from indexer.store import IndexDir
from indexer.writing import update_index

from .reuters import articles, replicate, write_jsonl_files

SERVER_LOG = Path(__file__).resolve().parent / "out" / "soak-server.log"
CORPUS = Path(os.environ.get("NEWSDESK_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus") / "reuters21578"
QUERIES = ["oil", "crude oil", '"oil prices"', "bank rates", "wheat export", "dollar", "opec",
           "grain -wheat", "trade deficit", "stock", "gold date:1987-03", "coffee OR cocoa",
           "profits", "takeover bid", "interest rate cut", "japan", "tonnes", "shares"]
MAX_REQUESTS_PER_CLIENT = 200_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, dict | None, float]:
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            body = json.loads(r.read())
            return r.status, body, time.perf_counter() - t0
    except urllib.error.HTTPError as exc:
        return exc.code, None, time.perf_counter() - t0
    except (OSError, ValueError):
        return 0, None, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--threads", type=int, default=4, help="server worker threads")
    ap.add_argument("--articles", type=int, default=5000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src, ix = tmp / "articles", tmp / "ix"
        wires = list(articles(CORPUS))
        if not wires:
            sys.exit(f"no articles in {CORPUS}: set NEWSDESK_CORPUS to ../shared/corpus")
        items = list(replicate(wires, args.articles))
        write_jsonl_files(iter(items), src, per_file=50)
        update_index([src], IndexDir(ix), with_entities=False)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        SERVER_LOG.parent.mkdir(exist_ok=True)
        server = subprocess.Popen([sys.executable, "-m", "web.cli", "serve", "--index", str(ix), "--port",
                                   str(port), "--threads", str(args.threads)],
                                  stdout=subprocess.DEVNULL, stderr=SERVER_LOG.open("w"))
        for _ in range(100):
            if get(base + "/api/search?q=oil")[0] == 200:
                break
            time.sleep(0.1)
        stop_at = time.monotonic() + args.seconds
        latencies: list[float] = []
        started: list[float] = []  # each request's perf_counter at its start, beside latencies
        failures: list[str] = []
        lock = threading.Lock()

        def client(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(MAX_REQUESTS_PER_CLIENT):
                if time.monotonic() > stop_at:
                    return
                q = urllib.parse.quote(rng.choice(QUERIES))
                at = time.perf_counter()
                status, _, seconds = get(f"{base}/api/search?q={q}&page={rng.randint(1, 3)}")
                with lock:
                    latencies.append(seconds)
                    started.append(at)
                    if status != 200:
                        failures.append(f"{status} for {q}")

        visible: list[float] = []
        commits = [0]
        committed_at: list[float] = []

        def writer() -> None:
            """Each round: a new export file with a marker word, an update, a deletion."""
            rng = random.Random(7)
            round_ = 0
            while time.monotonic() < stop_at - 10:
                round_ += 1
                marker = f"soakmarker{round_}"
                (src / f"new-{round_:05d}.jsonl").write_text(json.dumps(
                    {"id": f"new-{round_}", "headline": f"Fresh wire {round_}", "body": f"Breaking {marker} news."}) + "\n")
                victim = rng.choice(sorted(src.glob("export-*.jsonl")))
                lines = victim.read_text().splitlines()
                if len(lines) > 1 and rng.random() < 0.5:
                    victim.write_text("\n".join(lines[:-1]) + "\n")  # an update: one article fewer
                elif round_ > 3:
                    old = src / f"new-{round_ - 3:05d}.jsonl"
                    old.unlink(missing_ok=True)  # a deletion
                result = subprocess.run([sys.executable, "-m", "web.cli", "index", str(src), "--index", str(ix),
                                         "--no-entities", "--workers", "1"], capture_output=True, text=True)
                committed = time.perf_counter()
                commits[0] += 1
                committed_at.append(committed)
                if result.returncode != 0:
                    failures.append(f"indexer: {result.stderr.strip()[:200]}")
                for _ in range(600):
                    status, body, _ = get(f"{base}/api/search?q={marker}")
                    if status == 200 and body and body["total"] == 1:
                        visible.append(time.perf_counter() - committed)
                        break
                    time.sleep(0.05)
                else:
                    failures.append(f"{marker} not visible 30 s after its commit")
                time.sleep(rng.uniform(0.5, 2.0))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        threads.append(threading.Thread(target=writer))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        server.terminate()
        server.wait(timeout=10)
        segments = len(list(IndexDir(ix).current().glob("*.seg")))
        lat = sorted(latencies)
        print(f"{'duration':28} {args.seconds:.0f} s, {args.clients} clients, {args.threads} server threads")
        print(f"{'requests':28} {len(lat)} ({len(lat) / args.seconds:.1f}/s)")
        print(f"{'failed requests':28} {len(failures)}")
        for f in failures[:5]:
            print(f"  {f}")
        print(f"{'latency p50 / p99 / max':28} {statistics.median(lat) * 1000:.0f} / "
              f"{lat[int(len(lat) * 0.99)] * 1000:.0f} / {lat[-1] * 1000:.0f} ms")
        print(f"{'indexer commits':28} {commits[0]} (segments at the end: {segments})")
        if visible:
            print(f"{'visible after commit':28} median {statistics.median(visible):.2f} s, max {max(visible):.2f} s")
        # A request "after a commit" overlaps the second that follows one.
        after, rest = [], []
        for t, d in zip(started, latencies):
            (after if any(c <= t + d and t <= c + 1.0 for c in committed_at) else rest).append(d)
        if after and rest:
            print(f"{'slowest 1 s after a commit':28} {max(after) * 1000:.0f} ms ({len(after)} requests); "
                  f"the rest: slowest {max(rest) * 1000:.0f} ms, p99 {sorted(rest)[int(len(rest) * 0.99)] * 1000:.0f} ms")
        ok = not failures and visible and max(visible) <= 5.0
        if failures:
            print(f"server log: {SERVER_LOG}")
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

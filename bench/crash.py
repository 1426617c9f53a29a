"""Fault `newsdesk index` the way production does, then count what needed a hand.

Reuters articles in JSONL files (10 a file) are indexed by the real CLI, with entities on
as a site would, on a small tmpfs (when root; else the disk-full faults are skipped with the
reason). Each faulted run updates 30 rewritten files (new headlines: updates by id), or is a
--rebuild every fifth time, and gets one of these faults at a random moment:

    kill-main   SIGKILL of the main pid only (the OOM killer): the workers are not signalled
    sigterm     SIGTERM of the main pid only (systemd, a cron timeout)
    kill-worker SIGKILL of one worker process; the run should go on
    disk-full   the filesystem is filled to leave too little space for the run

After each fault the processes the run started are watched for 10 s (orphans: alive after
that), then the next plain `newsdesk index` runs. It must exit 0 and leave every article with
its newest headline, no id twice, and `newsdesk check` clean. A rerun refused because a lock
is held counts as a manual lock removal (measured: the bench then kills the holders itself
and reruns); any other rerun that did not exit 0 counts as a manual cleanup.

    python -m bench.crash [--faults 100] [--articles 1000] [--seed 1] [--no-entities]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from indexer.check import check_index
from indexer.store import IndexDir

from .reuters import articles, write_jsonl_files

CORPUS = Path(os.environ.get("NEWSDESK_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus") / "reuters21578"
KINDS = ["kill-main", "sigterm", "kill-worker", "disk-full"]
ORPHAN_WAIT = 10.0


def index_cmd(src: Path, ix: Path, entities: bool, rebuild: bool = False) -> list[str]:
    cmd = [sys.executable, "-m", "web.cli", "index", str(src), "--index", str(ix),
           "--workers", "2", "--batch", "100"]
    return cmd + ([] if entities else ["--no-entities"]) + (["--rebuild"] if rebuild else [])


def stored(ix: Path) -> list[tuple[str, str]]:
    with IndexDir(ix).open().searcher() as s:
        return [(f["id"], f["headline"]) for f in s.all_stored_fields()]


def descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    left = set()
    for pid in pids:
        try:
            if (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                left.add(pid)
        except OSError:
            pass
    return left


def mount_tmpfs(path: Path, mb: int) -> str | None:
    """A tmpfs of `mb` MB at path, or why not."""
    if os.geteuid() != 0:
        return "not root: cannot mount a small filesystem to fill"
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={mb}m", "tmpfs", str(path)],
                          capture_output=True, text=True)
    return None if done.returncode == 0 else f"mount failed: {done.stderr.strip()}"


def free_bytes(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def fill(path: Path, leave: int) -> Path:
    """A file taking all free space of path's filesystem but `leave` bytes."""
    filler = path / "filler"
    with open(filler, "wb") as fh:
        chunk = b"\0" * (1 << 20)
        while free_bytes(path) > leave + len(chunk):
            fh.write(chunk)
        fh.write(b"\0" * max(0, free_bytes(path) - leave))
    return filler


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--faults", type=int, default=100)
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-entities", action="store_true", help="index without NER (faster)")
    args = ap.parse_args()
    entities = not args.no_entities
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = tmp / "articles"
        items = [a for _, a in zip(range(args.articles), articles(CORPUS))]
        write_jsonl_files(iter(items), src, per_file=10)
        files = sorted(src.glob("*.jsonl"))
        expected = {a["id"]: a["headline"] for a in items}

        probe = tmp / "probe"
        t0 = time.perf_counter()
        subprocess.run(index_cmd(src, probe, entities), check=True, capture_output=True)
        build_s = time.perf_counter() - t0
        index_mb = sum(p.stat().st_size for p in probe.rglob("*") if p.is_file()) / 1e6
        shutil.rmtree(probe)
        print(f"clean build: {len(items)} articles in {len(files)} files, {build_s:.1f}s, {index_mb:.1f} MB"
              f" (entities {'on' if entities else 'off'})")

        mnt = tmp / "fs"
        # Room for the live index, a rebuild beside it and its temporary files.
        skip = mount_tmpfs(mnt, max(8, int(index_mb * 5) + 4))
        ix = (mnt if skip is None else tmp) / "ix"
        kinds = KINDS if skip is None else KINDS[:3]
        if skip:
            print(f"disk-full faults skipped: {skip}")
        try:
            subprocess.run(index_cmd(src, ix, entities), check=True, capture_output=True)
            t0 = time.perf_counter()
            subprocess.run(index_cmd(src, ix, entities, rebuild=True), check=True, capture_output=True)
            rebuild_s = time.perf_counter() - t0
            table: dict[str, Counter] = {kind: Counter() for kind in kinds}
            need_mb: list[float] = []
            for fault in range(1, args.faults + 1):
                kind = kinds[(fault - 1) % len(kinds)]
                rebuild = fault % 5 == 0  # 5 and the 4 kinds are coprime: every kind meets rebuilds
                for path in rng.sample(files, 30):
                    lines = [json.loads(line) for line in path.read_text().splitlines()]
                    for item in lines:
                        item["headline"] = f"{item['headline'].split(' (update')[0]} (update {fault})"
                        expected[item["id"]] = item["headline"]
                    path.write_text("".join(json.dumps(item) + "\n" for item in lines))
                before = stored(ix)
                filler = None
                if kind == "disk-full":
                    # Less room than this run writes: a rebuild writes a whole index.
                    filler = fill(mnt, int(index_mb * 1e6 * rng.uniform(0.0, 0.5 if rebuild else 0.05)))
                proc = subprocess.Popen(index_cmd(src, ix, entities, rebuild), stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
                seen: set[int] = set()
                delay = rng.uniform(0.0, rebuild_s / 2 if rebuild else rebuild_s / 6)
                deadline = None  # counted from when the workers are up: the run is under way
                struck = False
                while proc.poll() is None:
                    seen |= descendants(proc.pid)
                    if deadline is None and seen:
                        deadline = time.monotonic() + delay
                    if not struck and kind != "disk-full" and deadline and time.monotonic() >= deadline:
                        struck = True
                        if kind == "kill-main":
                            proc.kill()
                        elif kind == "sigterm":
                            proc.send_signal(signal.SIGTERM)
                        elif workers := sorted(descendants(proc.pid)):
                            os.kill(rng.choice(workers), signal.SIGKILL)
                        else:  # no worker yet: strike when one is up
                            struck = False
                    time.sleep(0.05)
                out, err = proc.communicate()
                wait_until = time.monotonic() + ORPHAN_WAIT
                while alive(seen) and time.monotonic() < wait_until:
                    time.sleep(0.1)
                orphans = alive(seen)
                row = table[kind]
                row["faults"] += 1
                row["struck"] += struck or kind == "disk-full"
                row["orphans"] += len(orphans)
                row["tracebacks"] += "Traceback" in err or "Aborted!" in err
                if kind == "disk-full":
                    row["one-line error"] += proc.returncode == 2 and len(err.strip().splitlines()) == 1
                    row["disk full hit"] += "disk full" in err
                    after = {i for i, _ in stored(ix)}
                    row["previous commit lost"] += len({i for i, _ in before} - after) if proc.returncode else 0
                    filler.unlink()
                    if "needs about" in err:
                        need_mb.append(float(err.split("needs about")[1].split()[0]))
                # The next plain run: it must need no hand.
                rerun = subprocess.run(index_cmd(src, ix, entities), capture_output=True, text=True)
                if rerun.returncode != 0 and "another indexer" in rerun.stderr:
                    row["manual lock removals"] += 1
                    for pid in alive(seen):
                        os.kill(pid, signal.SIGKILL)
                    rerun = subprocess.run(index_cmd(src, ix, entities), capture_output=True, text=True)
                if rerun.returncode != 0:
                    row["manual cleanup"] += 1
                    print(f"fault {fault} ({kind}): rerun exit {rerun.returncode}: {rerun.stderr.strip()[-300:]}")
                    continue
                now = stored(ix)
                ids = [i for i, _ in now]
                row["lost"] += len(set(expected) - set(ids))
                row["stale"] += sum(1 for i, h in now if expected.get(i) != h)
                row["duplicated"] += len(ids) - len(set(ids))
                row["check failed"] += not check_index(IndexDir(ix)).ok
                print(f"fault {fault:3d} {kind:11} {'rebuild' if rebuild else 'update '} exit {proc.returncode:4d}"
                      f" orphans {len(orphans)} rerun ok, {len(set(ids))} articles", flush=True)
        finally:
            if skip is None:
                subprocess.run(["umount", "-l", str(mnt)], check=False)

        columns = ["faults", "struck", "orphans", "manual lock removals", "manual cleanup", "lost",
                   "stale", "duplicated", "check failed", "tracebacks", "disk full hit", "one-line error",
                   "previous commit lost"]
        print()
        print(f"{'':22}" + "".join(f"{kind:>12}" for kind in kinds) + f"{'total':>12}")
        for column in columns:
            values = [table[kind][column] for kind in kinds]
            print(f"{column:22}" + "".join(f"{v:12d}" for v in values) + f"{sum(values):12d}")
        if need_mb:
            print(f"disk-full errors stated a run needs about {min(need_mb):.0f}–{max(need_mb):.0f} MB free "
                  f"(index {index_mb:.1f} MB)")
        total = {c: sum(table[k][c] for k in kinds) for c in columns}
        ok = (total["faults"] >= 1 and all(total[c] == 0 for c in
              ["orphans", "manual lock removals", "manual cleanup", "lost", "stale", "duplicated",
               "check failed", "tracebacks", "previous commit lost"]))
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""kill -9 at random moments of `newsdesk index`, then check what survived.

~5k Reuters articles in 500 JSONL files are indexed with small batches (many commits) by
the real CLI; each run is killed (the whole process group, workers included) after a random
delay. After every kill the index must open and answer, hold no duplicate id, and still hold
every article seen after earlier kills. Once complete, runs use --rebuild, so
kills also land in a rebuild (the live index must stay complete). With --mutate they
alternate with runs after 50 files were rewritten (same articles, new headlines: updates by
id), so kills land in updates too; replaced articles then take disk space until merged. A final unkilled run must complete the set
and leave the index within 10% of a clean build's size.

    python -m bench.crash [--runs 50] [--articles 5000] [--seed 1]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from indexer.store import IndexDir

from .reuters import articles, write_jsonl_files

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "reuters21578"


def index_cmd(src: Path, ix: Path, rebuild: bool = False) -> list[str]:
    cmd = [sys.executable, "-m", "web.cli", "index", str(src), "--index", str(ix), "--no-entities",
           "--workers", "2", "--batch", "600"]
    return cmd + (["--rebuild"] if rebuild else [])


def live_ids(ix: Path) -> list[str]:
    index = IndexDir(ix).open()
    with index.searcher() as s:
        return [f["id"] for f in s.all_stored_fields()]


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--articles", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mutate", action="store_true", help="also kill runs that update 50 changed files")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = tmp / "articles"
        items = [a for _, a in zip(range(args.articles), articles(CORPUS))]
        write_jsonl_files(iter(items), src, per_file=10)
        expected = {a["id"] for a in items}

        clean = tmp / "clean"
        t0 = time.perf_counter()
        subprocess.run(index_cmd(src, clean), check=True, capture_output=True)
        full_s = time.perf_counter() - t0
        clean_size = du(clean)
        print(f"clean build: {len(expected)} articles, {full_s:.1f}s, {clean_size / 1e6:.1f} MB")

        ix = tmp / "ix"
        seen: set[str] = set()
        opened = missing = dup_runs = completed = rebuild_kills = 0
        files = sorted(src.glob("*.jsonl"))
        for run in range(1, args.runs + 1):
            complete = seen == expected
            rebuild = complete and (run % 2 == 0 or not args.mutate)
            if complete and not rebuild:
                for path in rng.sample(files, 50):
                    lines = [json.loads(line) for line in path.read_text().splitlines()]
                    for item in lines:
                        item["headline"] = f"{item['headline']} (update {run})"
                    path.write_text("".join(json.dumps(item) + "\n" for item in lines))
            proc = subprocess.Popen(index_cmd(src, ix, rebuild=rebuild), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
            # Kill within the run's expected length: an update of 50 files takes a few seconds.
            time.sleep(rng.uniform(0.05, full_s * 1.1 if (rebuild or not complete) else 4.0))
            finished = proc.poll() is not None
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:  # it finished just before the kill
                pass
            proc.wait()
            if finished:
                completed += 1
            rebuild_kills += rebuild and not finished
            try:
                ids = live_ids(ix)
                opened += 1
            except Exception as exc:
                print(f"run {run}: index did not open: {type(exc).__name__}: {exc}")
                continue
            unique = set(ids)
            dup_runs += len(ids) != len(unique)
            lost = seen - unique
            missing += len(lost)
            seen |= unique
            kind = " (rebuild)" if rebuild else " (50 files changed)" if complete else ""
            print(f"run {run:2d}: {'finished' if finished else 'killed'}{kind}, "
                  f"{len(unique)} articles, {len(lost)} lost, {len(ids) - len(unique)} duplicates", flush=True)

        result = subprocess.run(index_cmd(src, ix), capture_output=True, text=True)
        ids = live_ids(ix)
        final_size = du(ix)
        with IndexDir(ix).open().searcher() as s:
            dead = s.reader().doc_count_all() - s.doc_count()
        leftovers = sorted(p.name for p in (IndexDir(ix).current()).iterdir()
                           if p.name.endswith(".tmp") or p.name.startswith(".") and "damaged" not in p.name)
        print()
        print(f"{'runs killed':34} {args.runs - completed} of {args.runs} ({rebuild_kills} during --rebuild)")
        print(f"{'indexes that opened after a kill':34} {opened}/{args.runs}")
        print(f"{'committed articles lost':34} {missing}")
        print(f"{'runs with duplicate ids':34} {dup_runs}")
        print(f"{'manual lock removals':34} 0")
        print(f"{'final rerun exit status':34} {result.returncode}: {result.stdout.strip()}")
        print(f"{'final articles / expected':34} {len(set(ids))} / {len(expected)} (duplicates {len(ids) - len(set(ids))})")
        print(f"{'index size final / clean build':34} {final_size / 1e6:.1f} MB / {clean_size / 1e6:.1f} MB "
              f"({(final_size / clean_size - 1) * 100:+.1f}%)")
        print(f"{'replaced articles awaiting merge':34} {dead}")
        print(f"{'leftover temp files':34} {leftovers or 0}")
        ok = (opened == args.runs and missing == 0 and dup_runs == 0 and set(ids) == expected
              and len(ids) == len(expected) and final_size <= clean_size * 1.10)
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""What a killed, stopped or starved indexer leaves behind: never a lost or unclaimed article,
never a process or lock that needs a hand."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.check import check_index
from indexer.store import IndexDir, IndexProblem
from indexer.writing import update_index

from .conftest import REPO


def ids(root: Path) -> list[str]:
    with IndexDir(root).open().searcher() as s:
        return sorted(f["id"] for f in s.all_stored_fields())


def many_files(root: Path, files: int = 60, per_file: int = 5) -> Path:
    """`files` JSONL files of `per_file` short articles each: enough work for a kill to land in."""
    for f in range(files):
        write_jsonl(root / f"{f:03d}.jsonl", [(f"a{f}-{n}", f"Council meeting {f} item {n}")
                                              for n in range(per_file)])
    return root


def write_jsonl(path: Path, items: list[tuple[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"id": i, "headline": h, "body": f"{h}. " * 20}) + "\n"
                            for i, h in items))


@pytest.mark.parametrize("workers", [1, 2])
def test_the_manifest_claims_only_what_the_commit_holds(tmp_path, workers):
    """Two files giving one id: the index keeps one article, and neither the manifest nor
    the run's report claims the other."""
    src = tmp_path / "src"
    write_jsonl(src / "a.jsonl", [("shared", "Harbour fire"), ("a-only", "Budget vote")])
    write_jsonl(src / "b.jsonl", [("shared", "Harbour fire, later"), ("b-only", "Rail strike")])
    root = tmp_path / "ix"
    summary = update_index([src], IndexDir(root), with_entities=False, workers=workers)
    assert summary.articles == len(ids(root)) == 3
    assert check_index(IndexDir(root)).ok
    # Later: a third file gives the id again, in an update of a live index.
    write_jsonl(src / "c.jsonl", [("shared", "Harbour fire, final"), ("c-only", "Floods")])
    summary = update_index([src], IndexDir(root), with_entities=False, workers=workers)
    assert summary.articles == len(ids(root)) - 3 == 1
    report = check_index(IndexDir(root))
    assert report.ok, report.problems


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive


def _start_index(src: Path, root: Path, *extra: str) -> tuple[subprocess.Popen, list[int]]:
    proc = subprocess.Popen([sys.executable, "-m", "web.cli", "index", str(src), "--index", str(root),
                             "--no-entities", "--workers", "2", "--batch", "30", *extra], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < 2:  # the parsing workers are up
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.02)
    return proc, _children(proc.pid)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
def test_workers_die_with_a_killed_parent_and_leave_no_lock(tmp_path):
    src, root = many_files(tmp_path / "src"), tmp_path / "ix"
    proc, workers = _start_index(src, root)
    proc.kill()
    proc.communicate()
    deadline = time.monotonic() + 5
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _alive(workers) == []
    rerun = subprocess.run([sys.executable, "-m", "web.cli", "index", str(src), "--index", str(root),
                            "--no-entities", "--workers", "2"], cwd=REPO, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert len(ids(root)) == 300 and check_index(IndexDir(root)).ok


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
def test_sigterm_commits_what_is_parsed_and_stops(tmp_path):
    # Enough files that the run cannot finish first; the signal comes once a commit is made.
    src, root = many_files(tmp_path / "src", files=400), tmp_path / "ix"
    proc, workers = _start_index(src, root)
    deadline = time.monotonic() + 60
    while not (root / "current").exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "stopped early" in out and "Traceback" not in err
    assert _alive(workers) == []
    committed = ids(root)
    assert 0 < len(committed) < 2000 and check_index(IndexDir(root)).ok
    rerun = update_index([src], IndexDir(root), with_entities=False, workers=1)
    assert rerun.unchanged * 5 == len(committed) and len(ids(root)) == 2000


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
def test_a_killed_worker_costs_a_retry_not_the_run(tmp_path):
    src, root = many_files(tmp_path / "src"), tmp_path / "ix"
    proc, workers = _start_index(src, root)
    os.kill(workers[0], signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "BrokenProcessPool" not in err and "Traceback" not in err
    assert "a worker process died" in err
    assert len(ids(root)) == 300 and check_index(IndexDir(root)).ok


def _exit_on_seven(n: int) -> int:
    if n == 7:
        os._exit(1)  # what the OOM killer does to a worker
    return n * n


def test_the_job_that_kills_its_worker_is_named_and_the_others_finish():
    from indexer.workers import Pools, run_all

    deaths = []
    with Pools(2) as pools:
        results = list(run_all(list(range(20)), lambda n: (_exit_on_seven, n), pools, 2,
                               crashed=lambda n: "died", on_worker_death=deaths.append))
    assert results == [(n, "died" if n == 7 else n * n) for n in range(20)]
    assert deaths and all(7 in lost for lost in deaths)


def _slow_first(n: int) -> int:
    if n == 0:
        time.sleep(0.5)
    return n


def test_results_come_in_the_files_order_whichever_worker_finishes_first():
    """The order articles are written in is their document numbers, which break ties."""
    from indexer.workers import Pools, run_all

    with Pools(2) as pools:
        results = list(run_all(list(range(12)), lambda n: (_slow_first, n), pools, 2,
                               crashed=lambda n: "died", on_worker_death=lambda lost: None))
    assert results == [(n, n) for n in range(12)]


# -- the index directory itself: a lost link, a full disk, damage, files others could write --

def _examples_index(articles_dir: Path, root: Path) -> list[str]:
    update_index([articles_dir], IndexDir(root), with_entities=False, workers=1)
    return ids(root)


def _cli(*args: str):
    from click.testing import CliRunner

    from web.cli import main

    return CliRunner().invoke(main, list(args))


def test_a_missing_current_link_is_put_back_not_rebuilt(articles_dir, tmp_path):
    root = tmp_path / "ix"
    before = _examples_index(articles_dir, root)
    gen = IndexDir(root).current()
    (root / "current").unlink()
    assert IndexDir(root).current() == gen and ids(root) == before  # readers find it meanwhile
    summary = update_index([articles_dir], IndexDir(root), with_entities=False, workers=1)
    assert any("current link was missing" in r for r in summary.repaired)
    assert summary.changed == 0 and summary.articles == 0  # nothing parsed again
    assert (root / "current").is_symlink() and IndexDir(root).current() == gen and gen.is_dir()
    assert ids(root) == before


def _segment(root: Path) -> Path:
    return next(IndexDir(root).current().glob("*.seg"))


def test_a_truncated_segment_is_named_by_every_command_and_repaired_by_index(articles_dir, tmp_path):
    root = tmp_path / "ix"
    before = _examples_index(articles_dir, root)
    seg = _segment(root)
    with open(seg, "r+b") as fh:
        fh.truncate(seg.stat().st_size // 2)
    for args, status in [(["stats"], 2), (["search", "flood"], 2), (["check"], 1)]:
        result = _cli(*args, "--index", str(root))
        assert result.exit_code == status, result.output
        assert seg.name in result.output and "newsdesk index" in result.output
        assert "Traceback" not in result.output and "Aborted" not in result.output
    summary = update_index([articles_dir], IndexDir(root), with_entities=False, workers=1)
    assert any("dropped damaged segment" in r for r in summary.repaired)
    assert ids(root) == before and check_index(IndexDir(root)).ok


def test_a_segment_with_flipped_bytes_is_named_by_check_and_repaired_by_index_verify(articles_dir, tmp_path):
    root = tmp_path / "ix"
    before = _examples_index(articles_dir, root)
    assert check_index(IndexDir(root)).ok
    seg = _segment(root)
    data = bytearray(seg.read_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 16):
        data[i] ^= 0xFF
    seg.write_bytes(bytes(data))
    report = check_index(IndexDir(root))
    assert not report.ok and any(seg.name in p and "damaged" in p for p in report.problems)
    assert all("newsdesk index --verify" in p for p in report.problems if seg.name in p)
    # An ordinary run compares sizes only, so the damage stays; --verify hashes and repairs it.
    assert not update_index([articles_dir], IndexDir(root), with_entities=False, workers=1).repaired
    result = _cli("index", str(articles_dir), "--index", str(root), "--verify", "--no-entities")
    assert result.exit_code == 0, result.output
    assert "dropped damaged segment" in result.output
    assert ids(root) == before and check_index(IndexDir(root)).ok


def test_both_tables_of_contents_damaged(articles_dir, tmp_path):
    root = tmp_path / "ix"
    before = _examples_index(articles_dir, root)
    # A second commit, so that two TOCs are kept.
    (articles_dir / "extra.txt").write_text("Harbour reopens\n\nThe harbour reopened on Monday.\n")
    update_index([articles_dir], IndexDir(root), with_entities=False, workers=1)
    tocs = sorted(IndexDir(root).current().glob("_MAIN_*.toc"))
    assert len(tocs) == 2
    for toc in tocs:
        toc.write_bytes(b"\x80\x04garbage" * 20)
    for args in (["stats"], ["check"], ["search", "flood"]):
        result = _cli(*args, "--index", str(root))
        assert result.exit_code == 2, result.output
        assert "no table of contents can be read" in result.output and "newsdesk index" in result.output
        assert "Traceback" not in result.output and "Unpickling" not in result.output.split("(")[0]
    summary = update_index([articles_dir], IndexDir(root), with_entities=False, workers=1)
    assert summary.repaired and len(ids(root)) == len(before) + 1
    assert check_index(IndexDir(root)).ok


def test_no_index_file_others_can_write_is_opened(articles_dir, tmp_path):
    root = tmp_path / "ix"
    _examples_index(articles_dir, root)
    seg = _segment(root)
    seg.chmod(0o666)
    with pytest.raises(IndexProblem, match=f"refusing to open .*{seg.name}"):
        IndexDir(root).open()
    with pytest.raises(IndexProblem, match=f"refusing to open .*{seg.name}"):
        update_index([articles_dir], IndexDir(root), with_entities=False, workers=1)
    seg.chmod(0o644)
    assert ids(root)


@pytest.fixture()
def small_fs(tmp_path):
    """A 4 MB tmpfs (root only): a disk that fills up."""
    mnt = tmp_path / "fs"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_full_disk_keeps_the_last_commit_and_the_next_run_succeeds(articles_dir, small_fs):
    root = small_fs / "ix"
    before = _examples_index(articles_dir, root)
    filler = small_fs / "filler"
    with open(filler, "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
        except OSError:
            pass
    with pytest.raises(IndexProblem, match=r"disk full .* needs about \d+ MB free"):
        update_index([articles_dir], IndexDir(root), rebuild=True, with_entities=False, workers=1)
    assert ids(root) == before
    filler.unlink()
    summary = update_index([articles_dir], IndexDir(root), rebuild=True, with_entities=False, workers=1)
    assert summary.failed == 0 and ids(root) == before and check_index(IndexDir(root)).ok


def _segment_ids(root: Path) -> set[str]:
    ix = IndexDir(root).open()
    found = {s.segment_id() for s in ix._read_toc().segments}
    ix.close()
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
def test_a_merge_killed_at_any_moment_loses_nothing_and_searches_go_on(tmp_path):
    from searcher import Archive, SearchRequest

    src, root = tmp_path / "src", tmp_path / "ix"
    for commit in range(3):  # three bulk commits of two segments each (one per worker)
        for f in range(6):
            write_jsonl(src / f"{commit}-{f}.jsonl", [(f"c{commit}-{f}-{n}", f"Council meeting {f} item {n}")
                                                      for n in range(100)])
        update_index([src], IndexDir(root), with_entities=False, workers=2)
    before, segments = ids(root), _segment_ids(root)
    assert len(before) == 1800 and len(segments) == 6
    archive = Archive(root)
    total = archive.search(SearchRequest(query="council meeting")).total
    cmd = [sys.executable, "-m", "web.cli", "index", "--merge", "--index", str(root), "--workers", "2"]
    gen = (root / "current").resolve()
    for wait in (0.0, 0.3, 1.0):  # kills at the start, while the workers write, later
        known = {p.name for p in gen.iterdir()}  # with what killed merges left
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        # Once a worker has started writing a merged segment (files no TOC names)...
        while not any(p.name.split(".")[0] not in segments and p.name not in known
                      for p in gen.glob("MAIN_*")) and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(wait)
        proc.kill()  # the main process alone: its workers die with it
        proc.communicate()
        assert ids(root) == before and check_index(IndexDir(root)).ok
        assert archive.search(SearchRequest(query="council meeting")).total == total
        if _segment_ids(root) != segments:
            break  # the kill came after the merge's commit: nothing left to kill
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert ids(root) == before and len(_segment_ids(root)) == 2 and check_index(IndexDir(root)).ok
    assert archive.search(SearchRequest(query="council meeting")).total == total
    again = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert "Nothing to merge: 2 segments" in again.stdout

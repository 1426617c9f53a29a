"""One bad input never stops a run (issue 12, items 3, 4, 5 and 10): each is named in one line,
everything else is indexed, and articles already indexed are never lost because a file could
not be looked at. Fixtures are written by each test; entities are off (NER is not the point)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from indexer.check import check_index
from indexer.sources import Walk
from indexer.store import IndexDir
from indexer.writing import update_index

from .conftest import corpus

REPO = Path(__file__).resolve().parents[1]


def story(headline: str, body: str = "A plain story about the harbour.") -> str:
    return f"{headline}\n\n{body}\n"


def ids(root: Path) -> list[str]:
    with IndexDir(root).open().searcher() as s:
        return sorted(f["id"] for f in s.all_stored_fields())


def index(src, root: Path, **kw):
    """update_index on `src`, collecting every named problem as "file-name: reason"."""
    problems: list[str] = []
    kw.setdefault("with_entities", False)
    kw.setdefault("workers", 1)
    summary = update_index([Path(p) for p in (src if isinstance(src, list) else [src])],
                           IndexDir(root), on_error=lambda p, r: problems.append(f"{Path(p).name}: {r}"),
                           **kw)
    return summary, problems


def test_out_of_range_dates_keep_their_articles_undated(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "export.jsonl").write_text("\n".join(json.dumps(o) for o in [
        {"id": "early", "body": "Dated before year one in UTC.", "date": "0001-01-01T00:00:00+01:00"},
        {"id": "late", "body": "Dated after year 9999 in UTC.", "date": "9999-12-31T23:00-05:00"},
        {"id": "fine", "body": "A normal dated line.", "date": "2025-12-18T09:30:00+01:00"},
    ]) + "\n")
    (src / "page.html").write_text(
        '<html><head><title>Old harbour page</title>'
        '<meta property="article:published_time" content="9999-12-31T23:00-05:00"></head>'
        "<body><article><h1>Old harbour page</h1><p>" + "The harbour wall was rebuilt by the town. " * 8
        + "</p></article></body></html>")
    (src / "plain.txt").write_text(story("Plain story"))
    summary, problems = index(src, tmp_path / "ix")
    assert sorted(problems) == [
        "export.jsonl: line 1: unusable date '0001-01-01T00:00:00+01:00' dropped; the article is indexed undated",
        "export.jsonl: line 2: unusable date '9999-12-31T23:00-05:00' dropped; the article is indexed undated",
        "page.html: unusable date '9999-12-31T23:00-05:00' dropped; the article is indexed undated",
    ]
    assert summary.failed == 0 and summary.articles == 5
    with IndexDir(tmp_path / "ix").open().searcher() as s:
        assert s.document(id="early").get("date") is None and s.document(id="late").get("date") is None
        assert s.document(id="fine")["date"].date().isoformat() == "2025-12-18"
        assert s.document(id="page.html").get("date") is None
        assert s.document(id="plain.txt")["headline"] == "Plain story"


def test_a_file_name_that_is_not_utf8_is_indexed_under_an_escaped_name(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.txt").write_text(story("Good name"))
    Path(os.fsdecode(bytes(src) + b"/caf\xe9.txt")).write_text(story("Latin-1 name"))
    root = tmp_path / "ix"
    summary, problems = index(src, root, batch_articles=1000)
    assert problems == ["caf\\xe9.txt: file name is not valid UTF-8; indexed with those bytes written as \\xNN"]
    assert ids(root) == ["caf\\xe9.txt", "good.txt"]  # one batch: the good file was not lost with it
    again, problems = index(src, root)
    assert (again.changed, again.unchanged, problems) == (0, 2, [])  # its source key is stable
    Path(os.fsdecode(bytes(src) + b"/caf\xe9.txt")).unlink()
    assert index(src, root)[0].deleted == 1 and ids(root) == ["good.txt"]


def test_deeply_nested_json_is_named_and_the_good_lines_kept(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    nested = "[" * 100_000 + "]" * 100_000
    (src / "export.jsonl").write_text("\n".join([
        json.dumps({"id": "before", "body": "The line before."}),
        nested,
        '{"id": "inside", "body": "x", "entities": ' + nested + "}",
        json.dumps({"id": "after", "body": "The line after."}),
    ]) + "\n")
    (src / "single.json").write_text(nested)
    summary, problems = index(src, tmp_path / "ix")
    assert sorted(problems) == ["export.jsonl: line 2: JSON nested too deeply",
                                "export.jsonl: line 3: JSON nested too deeply",
                                "single.json: JSON nested too deeply"]
    assert summary.failed == 1 and ids(tmp_path / "ix") == ["after", "before"]


def test_a_file_that_vanishes_after_the_listing_is_named_and_the_rest_indexed(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (src / name).write_text(story(f"Story {name}"))
    # Between the listing of a folder and the look at each file.
    files = Walk([src])
    listing = iter(files)
    assert next(listing).path.name == "a.txt"
    (src / "b.txt").unlink()
    assert [s.path.name for s in listing] == ["c.txt"]
    assert [(Path(p).name, r) for p, r in files.problems] == [("b.txt", "vanished while being indexed")]
    # Between the change scan and the parse: c.txt goes while a.txt is being parsed.
    (src / "b.txt").write_text(story("Story b.txt"))
    problems: list[str] = []
    summary = update_index([src], IndexDir(tmp_path / "ix"), with_entities=False, workers=1,
                           on_progress=lambda done, total: done == 1 and (src / "c.txt").unlink(),
                           on_error=lambda p, r: problems.append(f"{Path(p).name}: {r}"))
    assert problems == ["c.txt: vanished before it could be read"]
    assert summary.failed == 1 and ids(tmp_path / "ix") == ["a.txt", "b.txt"]


def test_watch_survives_files_appearing_and_vanishing_all_the_time(tmp_path):
    """Files come and go every few milliseconds while --watch looks every 0.2 s: whatever
    window a removal hits, the watcher goes on and stops cleanly on Ctrl-C."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "steady.txt").write_text(story("Steady story"))
    proc = subprocess.Popen([sys.executable, "-m", "web.cli", "index", str(src), "--index", str(tmp_path / "ix"),
                             "--no-entities", "--watch", "--interval", "0.2", "--workers", "2"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    end = time.time() + 60  # the first pass (imports on a loaded machine) before any churn
    while time.time() < end and not (tmp_path / "ix" / "current").exists():
        time.sleep(0.1)
    done = threading.Event()

    def churn() -> None:
        n = 0
        while not done.is_set():
            path = src / f"churn-{n % 7}.txt"
            path.write_text(story(f"Churn {n}"))
            time.sleep(0.003)
            path.unlink()
            n += 1

    churner = threading.Thread(target=churn)
    churner.start()
    try:
        time.sleep(4)
        assert proc.poll() is None, proc.communicate()
    finally:
        done.set()
        churner.join()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert "Traceback" not in err and "Stopped." in out, err
    assert "steady.txt" in ids(tmp_path / "ix")


def _without_root_powers() -> list[str]:
    """A command prefix under which chmod 000 really denies reading: root ignores file modes,
    so as root the process runs without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux): cannot make a file unreadable")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]


def test_unreadable_file_and_folder_are_named_and_their_articles_kept(tmp_path):
    src = tmp_path / "src"
    (src / "sport").mkdir(parents=True)
    (src / "good.txt").write_text(story("Good story"))
    (src / "locked.txt").write_text(story("Locked story"))
    (src / "sport" / "match.txt").write_text(story("Match report"))
    root = tmp_path / "ix"
    command = [*_without_root_powers(), sys.executable, "-m", "web.cli", "index", str(src),
               "--index", str(root), "--no-entities"]
    assert subprocess.run(command, cwd=REPO, capture_output=True).returncode == 0
    (src / "locked.txt").write_text(story("Locked story, updated"))  # changed: it must be read
    (src / "locked.txt").chmod(0)
    (src / "sport").chmod(0)
    (src / "new.txt").write_text(story("New story"))
    try:
        run = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        # The real check that the process could not read them (not a mocked error).
        denied = subprocess.run([*command[:-6], "cat", str(src / "locked.txt")], capture_output=True)
    finally:
        (src / "locked.txt").chmod(0o644)
        (src / "sport").chmod(0o755)
    assert denied.returncode != 0
    assert run.returncode == 1, run.stderr
    assert sorted(run.stderr.splitlines()) == [
        f"error: {src}/locked.txt: cannot be read (Permission denied); its articles already in the index are kept",
        f"error: {src}/sport: folder cannot be read (Permission denied); its articles already in the index are kept",
    ]
    assert "added 1" in run.stdout and "deleted 0" in run.stdout
    assert ids(root) == ["good.txt", "locked.txt", "new.txt", "sport/match.txt"]
    # Readable again: the changed file is picked up, nothing was lost on the way.
    again = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert again.returncode == 0 and "updated 1" in again.stdout and again.stderr == ""
    with IndexDir(root).open().searcher() as s:
        assert s.document(id="locked.txt")["headline"] == "Locked story, updated"
        assert s.doc_count() == 4


def test_symlinks_leading_outside_are_named_and_followed_only_when_asked(tmp_path):
    src, outside = tmp_path / "src", tmp_path / "outside"
    src.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text(story("Not for the archive"))
    (src / "a.txt").write_text(story("Inside story"))
    (src / "secret.txt").symlink_to(outside / "secret.txt")
    (outside / "desk").mkdir()
    (outside / "desk" / "report.txt").write_text(story("Another desk's report"))
    (src / "elsewhere").symlink_to(outside / "desk", target_is_directory=True)
    (src / "latest.txt").symlink_to(src / "a.txt")  # inside: the file is indexed once, as itself
    (src / "loop").symlink_to(src, target_is_directory=True)
    root = tmp_path / "ix"
    summary, problems = index(src, root)
    assert sorted(problems) == [
        f"elsewhere: symlink to {outside}/desk, outside {src}: not followed (--follow-symlinks follows it)",
        f"secret.txt: symlink to {outside}/secret.txt, outside {src}: not followed (--follow-symlinks follows it)",
    ]
    assert ids(root) == ["a.txt"]
    summary, problems = index(src, root, follow_symlinks=True)
    assert problems == [] and summary.added == 2  # the loop is walked once
    assert ids(root) == ["a.txt", "elsewhere/report.txt", "secret.txt"]
    (src / "secret.txt").unlink()  # removing the link removes what it led to
    summary, _ = index(src, root, follow_symlinks=True)
    assert summary.deleted == 1 and ids(root) == ["a.txt", "elsewhere/report.txt"]


def test_parse_command_names_unreadable_inputs_and_exits_1(tmp_path):
    (tmp_path / "ok.txt").write_text(story("Fine"))
    (tmp_path / "passwd.txt").symlink_to("/etc/passwd")
    (tmp_path / "x.jsonl").write_text('{"id": "d", "body": "b", "date": "0001-01-01T00:00:00+01:00"}\n')
    run = subprocess.run([sys.executable, "-m", "web.cli", "parse", str(tmp_path), "--json", "--no-entities"],
                         cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 1
    assert [json.loads(line)["id"] for line in run.stdout.splitlines()] == ["ok.txt", "d"]
    assert sorted(run.stderr.splitlines()) == [
        f"error: {tmp_path}/passwd.txt: symlink to /etc/passwd, outside {tmp_path}: not followed "
        "(--follow-symlinks follows it)",
        f"error: {tmp_path}/x.jsonl: line 1: unusable date '0001-01-01T00:00:00+01:00' dropped; "
        "the article is indexed undated",
    ]


def test_an_id_given_twice_in_one_export_is_named_and_the_first_kept(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "export.jsonl").write_text("\n".join(json.dumps(o) for o in [
        {"id": "story-1", "headline": "First telling", "body": "The first version."},
        {"id": "story-2", "body": "Another story."},
        {"id": "story-1", "headline": "Second telling", "body": "The second version."},
    ]) + "\n")
    summary, problems = index(src, tmp_path / "ix")
    assert problems == ["export.jsonl: line 3: duplicate id 'story-1' (line 1 has it); not indexed"]
    with IndexDir(tmp_path / "ix").open().searcher() as s:
        assert s.doc_count() == 2 and s.document(id="story-1")["headline"] == "First telling"


def test_one_relative_path_under_two_folders_gives_two_articles(tmp_path):
    """Issue 12 item 4: `newsdesk index a/2024 a/2025`, both holding business/001.txt."""
    years = {year: tmp_path / "a" / year for year in ("2024", "2025")}
    for year, folder in years.items():
        (folder / "business").mkdir(parents=True)
        (folder / "business" / "001.txt").write_text(story(f"Budget {year}", f"The {year} budget."))
    root = tmp_path / "ix"
    summary, problems = index(list(years.values()), root)
    assert (summary.added, problems) == (2, [])
    assert ids(root) == ["2025/business/001.txt", "business/001.txt"]  # the first keeps its id
    with IndexDir(root).open().searcher() as s:
        assert {d["section"] for d in s.all_stored_fields()} == {"business"}
    # Indexed one folder at a time into the same index: the same two articles, the same ids.
    apart = tmp_path / "apart"
    assert [index(folder, apart)[0].added for folder in years.values()] == [1, 1]
    assert ids(apart) == ids(root)
    # Changed, a file keeps its longer id; deleting the other leaves it, and check passes.
    (years["2025"] / "business" / "001.txt").write_text(story("Budget 2025", "Revised."))
    assert index(list(years.values()), root)[0].updated == 1
    assert ids(root) == ["2025/business/001.txt", "business/001.txt"]
    (years["2024"] / "business" / "001.txt").unlink()
    summary, problems = index(list(years.values()), root)
    assert (summary.deleted, problems) == (1, [])
    assert ids(root) == ["2025/business/001.txt"]
    assert check_index(IndexDir(root)).ok


def test_an_id_an_indexed_article_has_is_not_taken_by_a_new_file(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "archive.jsonl").write_text(json.dumps({"id": "cms-1", "headline": "Original", "body": "First."}) + "\n")
    root = tmp_path / "ix"
    index(src, root)
    (src / "later.jsonl").write_text("\n".join(json.dumps(o) for o in [
        {"id": "cms-1", "headline": "Impostor", "body": "Second."},
        {"id": "cms-2", "headline": "New", "body": "Third."}]) + "\n")
    summary, problems = index(src, root)
    assert problems == [f"later.jsonl: duplicate id 'cms-1' (already given by {src / 'archive.jsonl'}); not indexed"]
    with IndexDir(root).open().searcher() as s:
        assert s.doc_count() == 2 and s.document(id="cms-1")["headline"] == "Original"
    assert check_index(IndexDir(root)).ok  # the manifest counts only what was indexed


def test_a_page_dated_in_india_standard_time_is_indexed_with_its_date(tmp_path):
    """A real html-aeb page whose date says IST (+05:30) made dateutil raise a TypeError: with
    one worker that stopped the whole run, with several it lost the page."""
    page = corpus("html-aeb", "html", "65408257dbe4b41f71a35ade24e30243265095fc1d4988a35b9a6ca52f2b4eab.html.gz")
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(page, src / page.name)
    (src / "plain.txt").write_text(story("Plain story"))
    summary, problems = index(src, tmp_path / "ix")
    assert (summary.failed, problems) == (0, [])
    with IndexDir(tmp_path / "ix").open().searcher() as s:
        dated = [d for d in s.all_stored_fields() if d["id"] != "plain.txt"]
        assert len(dated) == 1 and dated[0]["date_offset"] == 330


def test_a_parser_bug_on_one_file_is_named_and_the_run_goes_on(tmp_path, monkeypatch):
    """Any exception a parser raises on one file, not only the expected ones; the parse is
    replaced for one file name only (a real parser bug is what the test above fixed)."""
    import indexer.writing as writing

    src = tmp_path / "src"
    src.mkdir()
    for name in ("a.txt", "b.txt"):
        (src / name).write_text(story(name))
    real = writing.parse_file

    def buggy(path, *args, **kw):
        if path.name == "a.txt":
            raise TypeError("a parser bug")
        return real(path, *args, **kw)

    monkeypatch.setattr(writing, "parse_file", buggy)
    summary, problems = index(src, tmp_path / "ix")
    assert problems == ["a.txt: parser crashed: TypeError: a parser bug"]
    assert summary.failed == 1 and ids(tmp_path / "ix") == ["b.txt"]


def test_watch_names_a_problem_that_stays_once(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(story("Inside story"))
    (src / "passwd.txt").symlink_to("/etc/passwd")
    proc = subprocess.Popen([sys.executable, "-m", "web.cli", "index", str(src), "--index", str(tmp_path / "ix"),
                             "--no-entities", "--watch", "--interval", "0.2"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        end = time.time() + 20
        while time.time() < end and not (tmp_path / "ix" / "current").exists():
            time.sleep(0.1)
        time.sleep(1.5)  # several passes
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert "Stopped." in out and proc.returncode == 1
    assert err.count("passwd.txt: symlink to /etc/passwd") == 1, err

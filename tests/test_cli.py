import json

from click.testing import CliRunner

from web.cli import main

from .conftest import EXAMPLES, SEED, corpus


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_every_command_has_help():
    for command in ["parse", "index", "update", "search", "related", "stats", "serve"]:
        result = run(command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output and len(result.output) > 200


def test_parse_prints_one_json_object_per_article():
    corpus("seed")
    result = run("parse", SEED, "--json")
    assert result.exit_code == 0
    article = json.loads(result.output)
    assert article["headline"] == "US, Russian military chiefs resume contact to discuss drone"
    assert article["date"] == "2026-01-07"
    assert article["path"] == SEED.name  # relative to the folder given, never a server path
    assert "Lloyd Austin" in article["entities"]["people"]
    assert set(article) >= {"id", "url", "path", "headline", "date", "byline", "section", "body", "entities"}


def test_parse_names_bad_files_and_exits_1(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "ok.txt").write_text("Headline\n\nBody text.")
    result = run("parse", tmp_path, "--json", "--no-entities")
    assert result.exit_code == 1
    assert "empty.txt: empty file" in result.stderr
    assert json.loads(result.stdout)["headline"] == "Headline"


def test_index_then_rerun_reports_nothing_to_do(tmp_path):
    ix = tmp_path / "ix"
    first = run("index", EXAMPLES, "--index", ix, "--no-entities")
    assert first.exit_code == 0 and "added 4" in first.output
    again = run("index", EXAMPLES, "--index", ix, "--no-entities")
    assert again.exit_code == 0 and "Nothing to do: 4 files unchanged" in again.output


def test_update_indexes_what_changed_in_every_path_the_index_was_given(tmp_path):
    """Two folders indexed by two runs: `update` takes both (a run over one alone would
    see the other's files as someone else's), and keeps the articles of one that is gone."""
    from searcher import Archive, SearchRequest

    def total(q: str) -> int:
        return Archive(ix).search(SearchRequest(query=q)).total

    ix, desk, wires = tmp_path / "ix", tmp_path / "desk", tmp_path / "wires"
    for folder, word in ((desk, "lighthouse"), (wires, "windmill")):
        folder.mkdir()
        (folder / f"{word}.txt").write_text(f"A {word} headline\n\nA story about a {word}.")
        assert run("index", folder, "--index", ix, "--no-entities").exit_code == 0
    nothing = run("update", "--index", ix, "--no-entities")
    assert nothing.exit_code == 0 and "Nothing to do: 2 files unchanged" in nothing.output
    (desk / "harbour.txt").write_text("A harbour headline\n\nA story about a harbour.")
    (wires / "windmill.txt").unlink()
    changed = run("update", "--index", ix, "--no-entities")
    assert changed.exit_code == 0 and "added 1" in changed.output and "deleted 1" in changed.output
    assert (total("lighthouse"), total("harbour"), total("windmill")) == (1, 1, 0)
    desk.rename(tmp_path / "desk-moved")
    gone = run("update", "--index", ix, "--no-entities")
    assert gone.exit_code == 1 and f"{desk}: gone; its articles are kept" in gone.stderr
    assert (total("lighthouse"), total("harbour")) == (1, 1)
    # A rebuild from one folder is what the index is made of from then on.
    assert run("index", "--rebuild", tmp_path / "desk-moved", "--index", ix, "--no-entities").exit_code == 0
    moved = run("update", "--index", ix, "--no-entities")
    assert moved.exit_code == 0 and "Nothing to do: 2 files unchanged" in moved.output


def test_update_without_a_first_index_run_says_what_to_run(tmp_path):
    result = run("update", "--index", tmp_path / "ix")
    assert result.exit_code == 2 and "run newsdesk index PATH..." in result.stderr


def test_search_json_contract(examples_index):
    result = run("search", "black", "sea", "--index", examples_index, "--json")
    data = json.loads(result.output)
    assert set(data) >= {"query", "total", "page", "hits", "suggestion", "facets"}
    assert data["query"] == "black sea" and data["total"] == 1
    assert set(data["hits"][0]) >= {"id", "url", "path", "headline", "date", "score", "snippet", "entities"}
    assert "<mark>Black</mark> <mark>Sea</mark>" in data["hits"][0]["snippet"]
    assert set(data["facets"]) >= {"people", "organisations", "places", "section", "month"}


def test_search_human_output_and_suggestion(examples_index):
    found = run("search", "drone", "--index", examples_index)
    assert "US, Russian military chiefs resume contact to discuss drone" in found.output
    assert "3 articles" in found.output
    typo = run("search", "dron", "--index", examples_index)
    assert typo.output.startswith("Showing results for drone — search instead for dron: "
                                  "newsdesk search --as-typed dron\n")
    assert "US, Russian military chiefs resume contact to discuss drone" in typo.output
    as_typed = run("search", "--as-typed", "dron", "--index", examples_index)
    assert "0 articles" in as_typed.output and "Did you mean: drone" in as_typed.output
    data = json.loads(run("search", "dron", "--index", examples_index, "--json").output)
    assert data["query"] == "dron" and data["corrected"] == "drone" and data["total"] == 3


def test_search_refuses_bad_queries_with_one_line(examples_index):
    result = run("search", "*a*", "--index", examples_index)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "error:" in result.stderr


def test_missing_index_is_a_clear_error(tmp_path):
    result = run("search", "drone", "--index", tmp_path / "nothing")
    assert result.exit_code == 2 and "run newsdesk index" in result.stderr


def test_stats_and_related(examples_index):
    stats = json.loads(run("stats", "--index", examples_index, "--json").output)
    assert stats["articles"] == 8 and stats["first_date"] == "2025-12-18"
    assert stats["last_date"] == "2026-01-12"
    related = json.loads(run("related", "ld-2026-01-08-ukraine-energy", "--index", examples_index, "--json").output)
    assert related["related"][0]["id"] == "london-daily-us-russia-drone.txt"


def test_check_reports_ok_then_a_mismatch(tmp_path):
    ix = tmp_path / "ix"
    run("index", EXAMPLES, "--index", ix, "--no-entities")
    ok = run("check", "--index", ix, "--json")
    assert ok.exit_code == 0 and json.loads(ok.output)["ok"] is True
    from indexer.manifest import Manifest
    from indexer.store import IndexDir

    gen = IndexDir(ix).current()
    manifest = Manifest.load(gen)
    next(s for s in manifest.files.values() if s.articles == 5).articles = 6
    manifest.save(gen)
    bad = run("check", "--index", ix)
    assert bad.exit_code == 1 and "manifest says 6 articles, index has 5" in bad.output


def test_watch_indexes_new_and_removed_files_then_stops_on_ctrl_c(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from searcher import Archive, SearchRequest

    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.txt").write_text("First headline\n\nA story about a lighthouse.")
    ix = tmp_path / "ix"
    proc = subprocess.Popen([sys.executable, "-m", "web.cli", "index", str(articles), "--index", str(ix),
                             "--no-entities", "--watch", "--interval", "0.3"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def total(q: str) -> int:
        try:
            return Archive(ix).search(SearchRequest(query=q)).total
        except Exception:
            return -1

    def wait_until(predicate, timeout=20.0) -> bool:
        end = time.time() + timeout
        while time.time() < end:
            if predicate():
                return True
            time.sleep(0.1)
        return False

    try:
        assert wait_until(lambda: total("lighthouse") == 1)
        (articles / "b.txt").write_text("Second headline\n\nA story about a windmill.")
        assert wait_until(lambda: total("windmill") == 1)
        (articles / "a.txt").unlink()
        assert wait_until(lambda: total("lighthouse") == 0)
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "Stopped." in out and "added 1" in out and "deleted 1" in out


def test_relative_index_path_and_default_location(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSDESK_INDEX", raising=False)
    assert run("index", EXAMPLES, "--no-entities").exit_code == 0
    assert (tmp_path / "newsdesk-index" / "current").is_symlink()
    assert run("index", EXAMPLES, "--index", "rel-ix", "--no-entities", "--rebuild").exit_code == 0
    assert run("index", EXAMPLES, "--index", "rel-ix", "--no-entities", "--rebuild").exit_code == 0
    assert json.loads(run("stats", "--json").output)["articles"] == 8
    assert json.loads(run("stats", "--index", "rel-ix", "--json").output)["articles"] == 8

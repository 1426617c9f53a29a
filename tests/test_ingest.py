"""Sitemaps, feeds and the push API, against a news site the test serves on 127.0.0.1 from
real pages of ../shared/corpus, and a real `newsdesk serve` / `newsdesk index` process tree."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.site import Site, corpus_pages
from indexer.crawl import crawl
from indexer.remote import crawl_dir, queue_dir
from indexer.spool import pending
from indexer.store import IndexDir
from web import create_app
from web.cli import main

from .conftest import CORPUS, EXAMPLES, corpus

TOKEN = "s3cret-token-for-the-cms-0123456789"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def ids(ix: Path) -> set[str]:
    index = IndexDir(ix).open()
    with index.searcher() as s:
        return {f["id"] for f in s.all_stored_fields()}


@pytest.fixture()
def site():
    corpus("html-news-meta")
    served = Site.from_pages(corpus_pages(CORPUS, "html-news-meta", 6)).start()
    yield served
    served.stop()


def test_sitemap_first_crawl_rerun_update_and_prune(site, tmp_path):
    ix = tmp_path / "ix"
    args = ("index", f"{site.base}/sitemap.xml", "--index", ix, "--no-entities", "--workers", "1",
            "--delay", "0")
    first = run(*args)
    assert first.exit_code == 0, first.output
    assert "Crawled 6 urls: fetched 6 (6 new or changed)" in first.output
    assert "added 6" in first.output
    assert len(site.hits("/news/", 200)) == 6
    assert {h.path for h in site.hits("/sitemap")} == {"/sitemap.xml", "/sitemap-1.xml.gz", "/sitemap-news.xml"}
    assert len(ids(ix)) == 6

    before = len(site.log)
    again = run(*args)
    assert again.exit_code == 0 and "Nothing to do" in again.output
    rerun = site.log[before:]
    assert not [h for h in rerun if h.path.startswith("/news/")]  # listed dates unchanged: no request
    assert {h.status for h in rerun if h.path.startswith("/sitemap")} == {304}

    page = site.pages["/news/0002.html"].body
    site.update("/news/0002.html", page.replace(b"</body>", b"<p>The zanzibarquux inquiry widened on "
                                                b"Tuesday as ministers met in private.</p></body>", 1))
    before = len(site.log)
    updated = run(*args)
    assert updated.exit_code == 0 and "updated 1" in updated.output
    assert [h.path for h in site.log[before:] if h.path.startswith("/news/")] == ["/news/0002.html"]
    found = json.loads(run("search", "zanzibarquux", "--index", ix, "--json").output)
    assert found["total"] == 1

    site.unlist("/news/0004.html")
    kept = run(*args)
    assert kept.exit_code == 0 and len(ids(ix)) == 6  # gone from the sitemap, not deleted
    pruned = run(*args, "--prune")
    assert pruned.exit_code == 0 and "pruned 1" in pruned.output and "deleted 1" in pruned.output
    assert len(ids(ix)) == 5

    taken = sorted(ids(ix))[0]  # the CMS takes a crawled article down
    client = create_app({"INDEX": str(ix), "INGEST_TOKEN": TOKEN}).test_client()
    assert client.delete(f"/api/articles?id={taken}", headers=auth()).status_code == 202
    assert "1 taken down" in run(*args).output
    assert len(ids(ix)) == 4 and taken not in ids(ix)
    assert run(*args, "--rebuild").exit_code == 0 and len(ids(ix)) == 4  # the page is still mirrored


def test_pages_without_a_stated_url_get_the_fetched_url_as_id(tmp_path):
    site = Site.from_pages([b"<html><head><title>Harbour fire - Daily</title></head><body><article>"
                            b"<h1>Harbour fire</h1><p>" + b"A fire broke out at the harbour overnight. " * 20
                            + b"</p></article></body></html>"]).start()
    try:
        summary = crawl([f"{site.base}/feed.json"], tmp_path / "crawl", delay=0)
        assert summary.changed == 1
        ix = tmp_path / "ix"
        assert run("index", tmp_path / "crawl" / "pages", "--index", ix, "--no-entities").exit_code == 0
        assert ids(ix) == {f"{site.base}/news/0000.html"}
    finally:
        site.stop()


@pytest.mark.parametrize("feed", ["feed.rss", "feed.atom", "feed.json", "sitemap-news.xml"])
def test_feeds_and_news_sitemaps_list_the_articles(site, tmp_path, feed):
    summary = crawl([f"{site.base}/{feed}"], tmp_path / "crawl", delay=0)
    expected = 3 if feed == "sitemap-news.xml" else 6  # the news sitemap holds the newer half
    assert (summary.listed, summary.fetched, summary.failed) == (expected, expected, 0)
    again = crawl([f"{site.base}/{feed}"], tmp_path / "crawl", delay=0)
    assert (again.fetched, again.unchanged) == (0, expected)
    assert again.state_bytes == 0  # nothing changed: the fetch state is not written at all


def test_fetch_state_is_a_snapshot_and_a_journal_a_kill_cuts_short(tmp_path):
    from indexer.fetch_state import FETCH_STATE_FILE, JOURNAL_FILE, FetchState, PageState

    state = FetchState()
    for n in range(3):
        state.pages[f"http://x/{n}"] = PageState(f"pages/x/{n}.html", etag=f'"{n}"')
        state.mark("pages", f"http://x/{n}")
    state.compact(tmp_path)
    assert (tmp_path / FETCH_STATE_FILE).exists() and not (tmp_path / JOURNAL_FILE).exists()
    before = state.written
    state.pages["http://x/1"].etag = '"1b"'
    state.mark("pages", "http://x/1")
    del state.pages["http://x/2"]
    state.mark("pages", "http://x/2")
    state.save(tmp_path)  # during a run: two lines appended, the snapshot untouched
    assert state.written - before == (tmp_path / JOURNAL_FILE).stat().st_size
    assert len((tmp_path / JOURNAL_FILE).read_text().splitlines()) == 2
    with open(tmp_path / JOURNAL_FILE, "a") as fh:
        fh.write('["pages","http://x/3",{"file":"pa')  # the kill
    again = FetchState.load(tmp_path)
    assert {url: p.etag for url, p in again.pages.items()} == {"http://x/0": '"0"', "http://x/1": '"1b"'}
    assert not (tmp_path / JOURNAL_FILE).exists()  # folded into a clean snapshot on loading
    assert FetchState.load(tmp_path).pages == again.pages


def test_faults_are_named_bounded_and_never_leave_the_site(tmp_path):
    corpus("html-news-meta")
    site = Site.from_pages(corpus_pages(CORPUS, "html-news-meta", 2), faults=True)
    site.slow_seconds = 4
    site.start()
    try:
        errors: dict[str, str] = {}
        closed = f"http://127.0.0.1:{_free_port()}/sitemap.xml"  # nothing listens there
        summary = crawl([f"{site.base}/sitemap.xml", closed], tmp_path / "crawl",
                        delay=0, timeout=1.0, on_error=lambda url, reason: errors.setdefault(url, reason))
        assert summary.fetched >= 2 and summary.changed == 2
        assert errors[f"{site.base}/missing.html"] == "HTTP 404"
        assert errors[f"{site.base}/slow.html"].startswith("timed out")
        assert errors[f"{site.base}/loop-a.html"].startswith("redirect loop")
        assert errors[f"{site.base}/huge.html"].startswith("too large")
        assert errors[f"{site.base}/private/secret.html"] == "skipped: disallowed by robots.txt"
        assert errors[closed].startswith("robots.txt unreachable (connection failed")
        assert len(site.hits("/loop-")) == 2  # a → b → a is seen as a loop at once
        assert len(list((tmp_path / "crawl" / "pages").rglob("*.html"))) == 2  # only the good pages
    finally:
        site.stop()


@pytest.mark.parametrize("hops", [1, 5, 6])
def test_a_redirected_robots_txt_is_followed_and_obeyed(tmp_path, hops):
    """As http → https redirects it: before, any redirect was read as allow-all."""
    corpus("html-news-meta")
    site = Site.from_pages(corpus_pages(CORPUS, "html-news-meta", 1), faults=True)
    site.robots_redirects, site.slow_seconds = hops, 0
    site.start()
    try:
        errors: dict[str, str] = {}
        summary = crawl([f"{site.base}/feed.json"], tmp_path / "crawl", delay=0,
                        on_error=lambda url, reason: errors.setdefault(url, reason))
        assert not site.hits("/private/")
        if hops <= 5:
            assert len(site.hits("/robots")) == hops + 1
            assert errors[f"{site.base}/private/secret.html"] == "skipped: disallowed by robots.txt"
            assert summary.changed == 2  # the page and /slow.html
        else:
            assert errors[f"{site.base}/feed.json"] == ("robots.txt unreachable (more than 5 "
                                                        "redirects): the host is not crawled")
            assert not site.hits("/news/") and summary.changed == 0
    finally:
        site.stop()


def test_watch_names_a_url_that_keeps_failing_once(tmp_path):
    corpus("html-news-meta")
    site = Site.from_pages(corpus_pages(CORPUS, "html-news-meta", 1), faults=True)
    site.slow_seconds = 0
    site.start()
    watcher = subprocess.Popen([sys.executable, "-m", "web.cli", "index", f"{site.base}/feed.json",
                                "--index", str(tmp_path / "ix"), "--no-entities", "--workers", "1",
                                "--delay", "0", "--watch", "--interval", "0.2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _until("the watcher did not ask for the missing page three times",
               lambda: len(site.hits("/missing.html")) >= 3)
    finally:
        watcher.send_signal(signal.SIGTERM)
        out, err = watcher.communicate(timeout=60)
        site.stop()
    assert err.count(f"{site.base}/missing.html: HTTP 404") == 1, err
    assert out.count("Crawled ") == 1, out  # a quiet pass with nothing new says nothing


def test_requests_to_one_host_keep_the_delay(tmp_path):
    corpus("html-news-meta")
    site = Site.from_pages(corpus_pages(CORPUS, "html-news-meta", 4)).start()
    try:
        summary = crawl([f"{site.base}/feed.json"], tmp_path / "crawl", delay=0.3, concurrency=4)
        assert summary.fetched == 4
        starts = sorted(h.started for h in site.hits())
        assert len(starts) == 6  # robots.txt, the feed, four pages
        # The server sees arrivals with some scheduling jitter; the span cannot be shortened by it.
        assert starts[-1] - starts[0] >= 5 * 0.3 - 0.1
        assert min(b - a for a, b in zip(starts, starts[1:])) >= 0.1
    finally:
        site.stop()


def test_listings_resolve_relative_links_and_refuse_what_is_no_listing():
    from indexer.errors import ParseError
    from indexer.listings import read_listing

    rss = (b'<rss version="2.0"><channel><item><link>/news/a.html</link>'
           b"<pubDate>Mon, 05 Jan 2026 08:00:00 GMT</pubDate></item></channel></rss>")
    feed = read_listing(rss, "http://127.0.0.1:9/feed.rss")
    assert [(e.url, e.lastmod) for e in feed.entries] == [("http://127.0.0.1:9/news/a.html",
                                                           "Mon, 05 Jan 2026 08:00:00 GMT")]
    assert [e.url for e in read_listing(b"http://x/a\n\nhttp://x/b\n", "http://x/s.txt").entries] == \
        ["http://x/a", "http://x/b"]
    for junk in (b"<html><body>Sitemap moved</body></html>", b"\x1f\x8bnot gzip", b'{"items": 3}', b"hello"):
        with pytest.raises(ParseError):
            read_listing(junk, "http://x/sitemap.xml")


def test_off_site_and_non_http_urls_are_refused_before_any_connection():
    from indexer.fetch import FetchError, Fetcher, FetchPolicy

    fetcher = Fetcher(FetchPolicy(hosts={"127.0.0.1:1"}))
    with pytest.raises(FetchError, match="off-site"):
        fetcher.get("http://example.com/news/1.html")
    with pytest.raises(FetchError, match="not an http"):
        fetcher.get("file:///etc/passwd")
    assert fetcher.counters.requests == 0


# -- the push API ------------------------------------------------------------------------

@pytest.fixture()
def push_client(tmp_path):
    ix = tmp_path / "ix"
    assert run("index", "--index", ix, "--no-entities").exit_code == 0  # an empty index
    app = create_app({"INDEX": str(ix), "INGEST_TOKEN": TOKEN, "INGEST_MAX_BYTES": 200_000})
    return app.test_client(), ix


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_ingest_api_is_off_without_a_token(examples_index):
    client = create_app({"INDEX": str(examples_index)}).test_client()
    assert client.post("/api/articles", json={"id": "a", "body": "x"}, headers=auth()).status_code == 404
    assert client.delete("/api/articles/a", headers=auth()).status_code == 404


def test_ingest_api_checks_token_body_and_articles(push_client):
    client, ix = push_client
    article = {"id": "cms-1", "headline": "Tram line opens", "body": "The new tram line opened."}
    assert client.post("/api/articles", json=article).status_code == 401
    wrong = client.post("/api/articles", json=article, headers=auth(TOKEN[:-1] + "x"))
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.post("/api/articles", data="x" * 300_000, content_type="application/json",
                       headers=auth()).status_code == 413
    assert client.post("/api/articles", data="{not json", content_type="application/json",
                       headers=auth()).status_code == 400
    bad = client.post("/api/articles", json=[article, {"headline": "no body"}, {"body": "no id"}],
                      headers=auth())
    assert bad.status_code == 400
    assert [e["index"] for e in bad.get_json()["articles"]] == [1, 2]
    assert pending(queue_dir(IndexDir(ix).root)) == []  # all or nothing
    ok = client.post("/api/articles", json=[article, {"url": "https://site.example/b", "body": "B."}],
                     headers=auth())
    assert ok.status_code == 202
    assert ok.get_json()["queued"] == [{"op": "put", "id": "cms-1"}, {"op": "put", "id": "https://site.example/b"}]
    assert ok.get_json()["pending"] == 1
    gone = client.delete("/api/articles/https%3A%2F%2Fsite.example%2Fb", headers=auth())
    assert gone.status_code == 202 and gone.get_json()["queued"] == [{"op": "delete", "id": "https://site.example/b"}]
    assert gone.get_json()["pending"] == 2
    assert client.delete("/api/articles?id=cms-1", headers=auth()).get_json()["queued"][0]["id"] == "cms-1"
    assert len(pending(queue_dir(IndexDir(ix).root))) == 3


def test_a_takedown_removes_a_file_article_until_its_text_changes_or_it_is_pushed(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    lines = [{"id": "cms-1", "headline": "Pier closes", "body": "The pier closed after the storm."},
             {"id": "cms-2", "headline": "Ferry returns", "body": "The ferry returned on Friday."}]
    export = src / "export.jsonl"
    export.write_text("".join(json.dumps(o) + "\n" for o in lines))
    (src / "fire.txt").write_text("Harbour fire\n\nA fire broke out at the harbour overnight.\n")
    ix = tmp_path / "ix"
    assert run("index", src, "--index", ix, "--no-entities").exit_code == 0
    client = create_app({"INDEX": str(ix), "INGEST_TOKEN": TOKEN}).test_client()
    for article_id in ("cms-1", "fire.txt", "never-indexed"):
        assert client.delete(f"/api/articles/{article_id}", headers=auth()).status_code == 202
    taken = run("index", src, "--index", ix, "--no-entities")
    assert taken.exit_code == 0, taken.output
    assert "3 deletions (2 of files' or crawled articles" in taken.output and "2 taken down" in taken.output
    assert ids(ix) == {"cms-2"}
    from indexer.check import check_index
    assert check_index(IndexDir(ix)).ok  # the manifest counts what the takedown left
    assert "Nothing to do" in run("index", src, "--index", ix, "--no-entities").output
    assert run("index", src, "--index", ix, "--no-entities", "--rebuild").exit_code == 0
    assert ids(ix) == {"cms-2"}  # the file is parsed again: the takedown still holds

    lines.append({"id": "cms-3", "headline": "Pier reopens", "body": "Repairs were finished."})
    export.write_text("".join(json.dumps(o) + "\n" for o in lines))
    assert run("index", src, "--index", ix, "--no-entities").exit_code == 0
    assert ids(ix) == {"cms-2", "cms-3"}  # another line of the export changed, not cms-1
    lines[0]["body"] = "The pier closed after the storm; it reopens in May."
    export.write_text("".join(json.dumps(o) + "\n" for o in lines))
    assert run("index", src, "--index", ix, "--no-entities").exit_code == 0
    assert ids(ix) == {"cms-1", "cms-2", "cms-3"}  # republished with new text

    pushed = {"id": "fire.txt", "headline": "Harbour fire", "body": "A fire broke out at the harbour."}
    assert client.post("/api/articles", json=pushed, headers=auth()).status_code == 202
    assert run("index", src, "--index", ix, "--no-entities").exit_code == 0
    assert ids(ix) == {"cms-1", "cms-2", "cms-3", "fire.txt"}  # pushed again: the takedown is lifted
    takedowns = IndexDir(ix).root / "takedowns.json"
    assert json.loads(takedowns.read_text()) == {"takedowns": []}  # (cms-1's went once republished)
    assert client.delete("/api/articles/cms-2", headers=auth()).status_code == 202
    assert run("index", src, "--index", ix, "--no-entities").exit_code == 0
    assert ids(ix) == {"cms-1", "cms-3", "fire.txt"} and len(json.loads(takedowns.read_text())["takedowns"]) == 1
    export.unlink()
    assert run("index", src, "--index", ix, "--no-entities").exit_code == 0
    assert json.loads(takedowns.read_text()) == {"takedowns": []}  # nothing left to keep out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _newsdesk(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "web.cli", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT, start_new_session=True)


def _kill_tree(proc: subprocess.Popen, sig=signal.SIGKILL) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def _call(method: str, url: str, body: object | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **auth()})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _serve(ix: Path, tmp_path: Path) -> tuple[subprocess.Popen, str]:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    port = _free_port()
    proc = _newsdesk("serve", "--index", str(ix), "--port", str(port), "--threads", "2",
                     "--ingest-token-file", str(token_file))
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    while proc.poll() is None and time.monotonic() - started < 120:  # a loaded machine is slow to start it
        try:
            urllib.request.urlopen(base + "/api/search?q=x", timeout=1)
            return proc, base
        except OSError:
            time.sleep(0.1)
    _kill_tree(proc)
    raise AssertionError(f"newsdesk serve did not answer (exit status {proc.returncode})")


def _total(base: str, query: str) -> int:
    with urllib.request.urlopen(f"{base}/api/search?q={query}", timeout=10) as resp:
        return json.loads(resp.read())["total"]


def _until(what: str, done, seconds: float = 120.0) -> None:
    """Wait for done(); the 5 s target is measured by bench.ingest, here a bound only a hang misses."""
    started = time.monotonic()
    while not done():
        assert time.monotonic() - started < seconds, f"{what} after {seconds:.0f} s"
        time.sleep(0.1)


def test_serve_alone_makes_a_push_searchable_and_a_delete_takes_any_article_down(tmp_path):
    ix = tmp_path / "ix"
    assert run("index", EXAMPLES, "--index", ix, "--no-entities").exit_code == 0  # the archive so far
    server, base = _serve(ix, tmp_path)  # no indexer runs beside it
    try:
        article = {"id": "cms-4711", "url": "https://londondaily.example/city/quayside-tram",
                   "headline": "Quayside tram opens to passengers",
                   "body": "The quayside tram carried its first passengers from Harbour Street on "
                           "Monday, the council said.", "date": "2026-01-08"}
        status, answer = _call("POST", f"{base}/api/articles", article)
        assert status == 202 and answer["queued"] == [{"op": "put", "id": "cms-4711"}]
        _until("pushed article not searchable", lambda: _total(base, "quayside") == 1)
        on_file = json.loads(urllib.request.urlopen(f"{base}/api/search?q=drone", timeout=10).read())
        assert on_file["total"] >= 1
        file_id = on_file["hits"][0]["id"]
        for article_id in ("cms-4711", file_id):
            assert _call("DELETE", f"{base}/api/articles/{urllib.parse.quote(article_id, safe='')}")[0] == 202
        _until("deleted articles still found", lambda: _total(base, "quayside") == 0
               and file_id not in ids(ix))
    finally:
        _kill_tree(server)
    # (The kill may come between the writer's last commit and its manifest: a deletion again.)
    again = run("index", EXAMPLES, "--index", ix, "--no-entities")
    assert "Nothing to do" in again.output or "added 0, updated 0," in again.output
    assert file_id not in ids(ix)  # the takedown holds on the next run over the unchanged file


def test_serve_and_index_watch_share_the_index(tmp_path):
    """Either may commit a push; neither stops because the other holds the lock."""
    ix = tmp_path / "ix"
    assert run("index", EXAMPLES, "--index", ix, "--no-entities").exit_code == 0
    server, base = _serve(ix, tmp_path)
    watcher = _newsdesk("index", "--index", str(ix), "--watch", "--interval", "0.2", "--workers", "1")
    try:
        pushed = [f"cms-share-{n}" for n in range(6)]
        for n, article_id in enumerate(pushed):
            assert _call("POST", f"{base}/api/articles", {"id": article_id, "body": f"Budget line {n}."})[0] == 202
            time.sleep(0.3)
        _until("pushes not all indexed", lambda: set(pushed) <= ids(ix))
        assert watcher.poll() is None and server.poll() is None
    finally:
        _kill_tree(watcher, signal.SIGTERM)
        _kill_tree(server)


def test_kill_9_of_the_server_between_acknowledgement_and_commit_loses_nothing(tmp_path):
    ix = tmp_path / "ix"
    assert run("index", EXAMPLES, "--index", ix, "--no-entities").exit_code == 0  # the archive so far
    archive = ids(ix)
    acknowledged = []
    for kill_after in (1.0, 0.3, 0.0):
        server, base = _serve(ix, tmp_path)
        for n in range(3):
            article_id = f"cms-{kill_after}-{n}"
            status, _ = _call("POST", f"{base}/api/articles",
                              {"id": article_id, "headline": f"Council vote {n}",
                               "body": f"Councillors voted on budget item {n} of {kill_after}."})
            assert status == 202
            acknowledged.append(article_id)
        time.sleep(kill_after)
        _kill_tree(server)  # the OOM killer's way: the whole tree, no clean-up
    assert set(acknowledged) - ids(ix), "every kill came after the commit: nothing was tested"
    root = IndexDir(ix).root
    # What a server killed mid-write and a writer killed mid-apply would leave behind.
    dead = subprocess.Popen(["true"])
    dead.wait()
    (root / "queue" / f".0-x.jsonl.{dead.pid}.tmp").write_text('{"op": "put"')
    (root / "pushed" / "ab").mkdir(parents=True, exist_ok=True)
    (root / "pushed" / "ab" / f".ab.json.{dead.pid}.tmp").write_text("{")
    server, base = _serve(ix, tmp_path)  # the next writer applies what is left
    try:
        _until("acknowledged pushes not all indexed", lambda: ids(ix) == archive | set(acknowledged))
        assert _total(base, "councillors") == len(acknowledged)
        _until("leftovers not removed", lambda: pending(queue_dir(root)) == [] and not [
            p for d in ("queue", "pushed") for p in (root / d).rglob(".*.tmp")])
    finally:
        _kill_tree(server)
    assert not (crawl_dir(IndexDir(ix).root)).exists()

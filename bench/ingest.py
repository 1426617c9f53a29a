"""Crawling a site's sitemaps and pushing articles through the ingest API, end to end.

For each html set of ../shared/corpus a loopback site (bench/site.py: sitemap index with a
gzipped sitemap and a Google News sitemap, ETag/Last-Modified, robots.txt) serves its pages
plus a missing page, a slow page, a redirect loop and an 11 MB page, and the real CLI
(`newsdesk index URL`, entities on) crawls it: first crawl, a rerun, an update of 5% of
the pages, a --prune after one url left the sitemap, and runs killed with SIGKILL (whole
process tree) at random moments, after which a final run must hold exactly the clean
crawl's articles. Then `newsdesk serve --ingest-token-file` alone (its push writer) takes
BBC articles through POST /api/articles: seconds from 202 to searchable over HTTP, and what
survives kill -9 of the server between the 202s and the commit.

    python -m bench.ingest [--sets html-news-meta,html-readability,html-aeb] [--pushes 20]
                           [--kills 3] [--seed 1]

Only 127.0.0.1 is contacted; every loop is bounded in count and time.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from indexer.crawl import crawl
from indexer.errors import ParseError
from indexer.htmlpage import parse_html
from indexer.store import IndexDir

from .site import Site, corpus_pages
from .soak import free_port

CORPUS = Path(os.environ.get("NEWSDESK_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus")
TOKEN = "bench-ingest-token-0123456789abcdef"
FAULTS = {"/missing.html": "404", "/slow.html": "slow (3 s)", "/loop-a.html": "redirect loop",
          "/huge.html": "11 MB page", "/private/secret.html": "robots.txt"}


def newsdesk(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "web.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, **kw)


def kill_tree(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=60)


def live_ids(ix: Path) -> list[str]:
    try:
        index = IndexDir(ix).open()
    except Exception:  # killed before the first commit: nothing live yet
        return []
    with index.searcher() as s:
        return [f["id"] for f in s.all_stored_fields()]


class Crawl:
    """One `newsdesk index URL` run and what the site saw of it."""

    def __init__(self, site: Site, ix: Path, *extra: str):
        before = len(site.log)
        started = time.monotonic()
        proc = newsdesk("index", f"{site.base}/sitemap.xml", "--index", str(ix), "--delay", "0",
                        "--workers", "2", *extra)
        self.out, self.err = proc.communicate(timeout=1800)
        self.seconds = time.monotonic() - started
        self.code = proc.returncode
        self.hits = site.log[before:]
        self.page_gets = sum(1 for h in self.hits if h.path.startswith("/news/") and h.status == 200)
        self.page_requests = sum(1 for h in self.hits if h.path.startswith("/news/"))
        self.failed = dict(re.findall(r"error: https?://[^/]+(/\S*): (.*)", self.err))
        fetching = re.search(r"^Crawled .* in ([0-9.]+)s$", self.out, re.M)
        self.crawl_seconds = float(fetching.group(1)) if fetching else float("nan")


def crawl_set(name: str, kills: int, rng: random.Random) -> dict:
    pages = corpus_pages(CORPUS, name)
    if not pages:
        raise SystemExit(f"no pages in {CORPUS / name} (set NEWSDESK_CORPUS)")
    site = Site.from_pages(pages, faults=True).start()
    row: dict = {"set": name, "pages": len(pages)}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ix = Path(tmp) / "ix"
            first = Crawl(site, ix)
            clean = sorted(live_ids(ix))
            row.update(first_s=first.seconds, crawl_s=first.crawl_seconds, first_gets=first.page_gets, indexed=len(clean),
                       requests=len(first.hits),
                       mb=sum(len(site.pages[h.path].body) for h in first.hits
                              if h.path in site.pages and h.status == 200) / 1e6,
                       parse_failed=len(re.findall(r"error: /\S+: ", first.err)),
                       faults={label: first.failed.get(path, "fetched").split(" (")[0]
                               for path, label in FAULTS.items()},
                       slow_s=max((h.seconds for h in first.hits if h.path == "/slow.html"), default=0))
            again = Crawl(site, ix)
            row.update(rerun_s=again.seconds, rerun_page_requests=again.page_requests,
                       rerun_requests=len(again.hits), rerun_nothing="Nothing to do" in again.out)
            changed = rng.sample(sorted(site.listed), max(1, len(site.listed) // 20))
            for n, path in enumerate(changed):
                site.update(path, corrected(site.pages[path].body, f"zqupdate{n}x"))
            update = Crawl(site, ix)
            found = sum(_found(ix, f"zqupdate{n}x") for n in range(len(changed)))
            indexed_update = re.search(r"updated (\d+)", update.out)
            row.update(update_changed=len(changed), update_gets=update.page_gets, update_s=update.seconds,
                       update_indexed=int(indexed_update.group(1)) if indexed_update else 0,
                       update_found=found)
            gone = site.listed[0]
            site.unlist(gone)
            kept = len(live_ids(ix))
            pruned = Crawl(site, ix, "--prune")
            row.update(unlisted_kept=kept == len(clean), pruned=len(clean) - len(live_ids(ix)))

        with tempfile.TemporaryDirectory() as tmp:  # kill -9 at random moments of a fresh crawl
            ix = Path(tmp) / "ix"
            landed = []
            for _ in range(kills):
                proc = newsdesk("index", f"{site.base}/sitemap.xml", "--index", str(ix), "--delay", "0",
                                "--workers", "2")
                delay = rng.uniform(0.5, max(1.0, row["first_s"]))
                try:
                    proc.wait(timeout=delay)
                    landed.append("done")
                    proc.communicate()
                except subprocess.TimeoutExpired:
                    kill_tree(proc)
                    landed.append(f"{delay:.1f}s")
            final = Crawl(site, ix)
            ids = live_ids(ix)
            expected = row["indexed"] - row["pruned"]
            row.update(kills=", ".join(landed), after_kills=len(ids), duplicates=len(ids) - len(set(ids)),
                       kill_ok=len(set(ids)) == expected and final.code in (0, 1))
    finally:
        site.stop()
    return row


# Runs in a child process (this tree's code, or --baseline's), crawling with a delay so the
# crawl lasts about a minute; prints what the process wrote to disk.
_STATE_CHILD = """
import json, sys, time
from pathlib import Path
from indexer.crawl import crawl
started = time.monotonic()
summary = crawl([sys.argv[1]], Path(sys.argv[2]), delay=float(sys.argv[3]))
io = dict(line.split(": ") for line in open("/proc/self/io").read().splitlines())
print(json.dumps({"seconds": time.monotonic() - started, "disk": int(io["write_bytes"]),
                  "unchanged": summary.unchanged, "failed": summary.failed}))
"""


def state_writes(name: str, seconds: float, trees: dict[str, Path]) -> dict:
    """Bytes written to disk per minute by a crawl whose sitemap gave every page a new
    <lastmod> while no page changed (a regenerated sitemap): all that changes is fetch state."""
    pages = corpus_pages(CORPUS, name)
    if not pages:
        raise SystemExit(f"no pages in {CORPUS / name} (set NEWSDESK_CORPUS)")
    site = Site.from_pages(pages).start()
    row: dict = {"set": name, "pages": len(pages)}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            first = Path(tmp) / "first"
            crawl([f"{site.base}/sitemap.xml"], first, delay=0)
            row["state_kb"] = sum(p.stat().st_size for p in first.glob("fetch-state.*")) / 1e3
            for path in site.listed:
                site.update(path, site.pages[path].body)  # same bytes, a month newer
            for label, tree in trees.items():
                crawl_dir = Path(tmp) / label
                shutil.copytree(first, crawl_dir)
                out = subprocess.run([sys.executable, "-c", _STATE_CHILD, f"{site.base}/sitemap.xml",
                                      str(crawl_dir), str(seconds / len(site.listed))],
                                     cwd=tree, capture_output=True, text=True, check=True,
                                     env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}).stdout
                got = json.loads(out)
                row[label] = {**got, "per_minute": got["disk"] / got["seconds"] * 60}
    finally:
        site.stop()
    return row


def corrected(page: bytes, word: str) -> bytes:
    """The page with a correction written into a paragraph of its article text (the longest
    the HTML parser keeps), where an editor's correction lands."""
    try:
        body = " ".join(parse_html(page).body.split())
    except ParseError:
        body = ""
    paragraphs = sorted(re.finditer(rb"<p(?:\s[^>]*)?>([^<]{40,})</p>", page, re.I),
                        key=lambda m: -len(m.group(1)))
    for paragraph in paragraphs:
        text = " ".join(html.unescape(paragraph.group(1).decode("utf-8", "replace")).split())
        if text[:60] in body:
            at = paragraph.start(1)
            return page[:at] + f"Correction: the {word} figure was revised on Tuesday. ".encode() + page[at:]
    return page.replace(b"</body>", f"<p>{word}</p></body>".encode(), 1)


def _found(ix: Path, word: str) -> int:
    out = subprocess.run([sys.executable, "-m", "web.cli", "search", word, "--index", str(ix), "--json"],
                         capture_output=True, text=True).stdout
    return 1 if out and json.loads(out)["total"] == 1 else 0


def call(method: str, url: str, body: object | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def bbc_articles(count: int, rng: random.Random) -> list[dict]:
    files = sorted((CORPUS / "bbc-news").glob("*/*.txt"))
    chosen = rng.sample(files, count)
    items = []
    for n, path in enumerate(chosen):
        lines = path.read_bytes().decode("latin-1").splitlines()
        items.append({"id": f"bbc/{path.parent.name}/{path.stem}", "headline": lines[0].strip(),
                      "section": path.parent.name, "date": "2026-01-08",
                      "body": "\n".join(lines[1:]).strip() + f" (ref pushmark{n}q)"})
    return items


def start_server(ix: Path, tmp: Path) -> tuple[subprocess.Popen, str]:
    """`newsdesk serve --ingest-token-file` (its push writer on), once it answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = newsdesk("serve", "--index", str(ix), "--port", str(port), "--threads", "4",
                      "--ingest-token-file", str(tmp / "token"))
    for _ in range(600):
        try:
            urllib.request.urlopen(f"{base}/api/search?q=x", timeout=2)
            return server, base
        except OSError:
            time.sleep(0.1)
    raise SystemExit("newsdesk serve did not start")


def push(pushes: int, kills: int, rng: random.Random) -> dict:
    row: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ix = tmp / "ix"
        subprocess.run([sys.executable, "-m", "web.cli", "index", str(CORPUS / "seed"), "--index", str(ix)],
                       check=True, capture_output=True)
        (tmp / "token").write_text(TOKEN)
        server, base = start_server(ix, tmp)  # alone: no indexer beside it
        items = bbc_articles(pushes + 3 * kills, rng)
        time.sleep(5)  # its writer's model loaded
        def search(query: str) -> tuple[int, float]:
            asked = time.monotonic()
            with urllib.request.urlopen(f"{base}/api/search?q={query}", timeout=10) as resp:
                return json.loads(resp.read())["total"], time.monotonic() - asked

        # The writer parses in the server's process: what a reader's search costs while it
        # commits, beside the same searches with nothing pushed.
        idle = [search(f"pushmark{n}q")[1] for n in range(pushes)]
        latencies, busy = [], []
        for n, item in enumerate(items[:pushes]):
            started = time.monotonic()
            status, _ = call("POST", f"{base}/api/articles", item)
            assert status == 202, status
            while time.monotonic() - started < 60:
                total, seconds = search(f"pushmark{n}q")
                busy.append(seconds)
                if total:
                    break
                time.sleep(0.05)
            latencies.append(time.monotonic() - started)
        row.update(pushes=pushes, p50=statistics.median(latencies), max=max(latencies),
                   within_5s=sum(x <= 5 for x in latencies), search_idle=statistics.median(idle),
                   search_busy=statistics.median(busy), searches_busy=len(busy))

        acked, uncommitted = [], 0
        rest = items[pushes:]
        for k in range(kills):  # kill -9 of the server's tree between its 202s and its commit
            for item in rest[3 * k:3 * k + 3]:
                status, _ = call("POST", f"{base}/api/articles", item)
                assert status == 202, status
                acked.append(item["id"])
            time.sleep(rng.uniform(0, 1))
            kill_tree(server)
            uncommitted += len(set(acked[-3:]) - set(live_ids(ix)))
            server, base = start_server(ix, tmp)
        started = time.monotonic()  # the restarted server's writer applies what was left
        while set(acked) - set(live_ids(ix)) and time.monotonic() - started < 120:
            time.sleep(0.2)
        kill_tree(server)
        ids = set(live_ids(ix))
        row.update(acked=len(acked), uncommitted_at_kill=uncommitted, lost=len(set(acked) - ids))
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="html-news-meta,html-readability,html-aeb",
                    help="html sets to crawl (empty: the push part only)")
    ap.add_argument("--pushes", type=int, default=20)
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--state-seconds", type=float, default=60,
                    help="length of the crawl whose fetch-state writes are measured (0: skip)")
    ap.add_argument("--baseline", type=Path,
                    help="a checkout of an older newsdesk: its fetch-state writes are measured beside these")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    trees = {"this tree": Path(__file__).resolve().parents[1]}
    if args.baseline:
        trees["baseline"] = args.baseline.resolve()
    sets = [name for name in args.sets.split(",") if name]
    states = [state_writes(name, args.state_seconds, trees) for name in sets] if args.state_seconds else []
    if states:
        print("\nFetch state written to disk by a crawl of about a minute after a sitemap gave every page a "
              "new <lastmod> (pages unchanged: 304s), /proc/self/io write_bytes\n")
        print("| | " + " | ".join(r["set"] for r in states) + " |")
        print("|---|" + "---|" * len(states))
        print("| pages; fetch state on disk, kB | " + " | ".join(f"{r['pages']}; {r['state_kb']:.0f}" for r in states) + " |")
        for label in trees:
            print(f"| {label}: kB written per minute (crawl s, pages 304) | " + " | ".join(
                f"{r[label]['per_minute'] / 1e3:.1f} ({r[label]['seconds']:.0f}, {r[label]['unchanged']})"
                for r in states) + " |")
    rows = [crawl_set(name, args.kills, rng) for name in sets]
    if rows:  # --sets '' measures the push part alone
        print("\nCrawl through `newsdesk index URL` (loopback site, entities on, --delay 0, 2 workers)\n")
        print("| | " + " | ".join(r["set"] for r in rows) + " |")
        print("|---|" + "---|" * len(rows))

        def line(label: str, fmt) -> None:
            print(f"| {label} | " + " | ".join(fmt(r) for r in rows) + " |")

        line("pages listed (+5 faults)", lambda r: str(r["pages"]))
        line("first run, s: fetching (pages/s), whole run with indexing", lambda r: f"{r['crawl_s']:.1f} "
             f"({r['first_gets'] / r['crawl_s']:.0f}), {r['first_s']:.1f}")
        line("first crawl: page GETs, requests, MB", lambda r: f"{r['first_gets']}, {r['requests']}, {r['mb']:.1f}")
        line("articles indexed (pages the parser refused)", lambda r: f"{r['indexed']} ({r['parse_failed']})")
        for label in FAULTS.values():
            line(f"fault: {label}", lambda r, label=label: r["faults"][label])
        line("slow page's own time / whole crawl, s", lambda r: f"{r['slow_s']:.1f} / {r['first_s']:.1f}")
        line("rerun: page requests, all requests, s", lambda r: f"{r['rerun_page_requests']}, {r['rerun_requests']}, {r['rerun_s']:.1f}"
             + (" (nothing to do)" if r["rerun_nothing"] else ""))
        line("update 5%: pages changed, page GETs, files updated, new word found, s",
             lambda r: f"{r['update_changed']}, {r['update_gets']}, {r['update_indexed']}, {r['update_found']}, "
             f"{r['update_s']:.1f}")
        line("url left sitemap: kept without --prune, deleted with", lambda r: f"{'yes' if r['unlisted_kept'] else 'NO'}, {r['pruned']}")
        line("kill -9 of crawl at", lambda r: r["kills"])
        line("after kills + 1 run: articles, duplicates, complete", lambda r: f"{r['after_kills']}, {r['duplicates']}, "
             f"{'yes' if r['kill_ok'] else 'NO'}")
    p = push(args.pushes, args.kills, rng)
    print("\nPush through POST /api/articles to `serve --ingest-token-file` alone (its writer thread, entities on)\n")
    print("| | |\n|---|---|")
    print(f"| 202 → searchable over HTTP, median / worst, s ({p['pushes']} BBC articles) | {p['p50']:.2f} / {p['max']:.2f} |")
    print(f"| searchable within 5 s | {p['within_5s']} of {p['pushes']} |")
    print(f"| a search's median, ms: nothing pushed / while pushes are committed ({p['searches_busy']} searches) | "
          f"{p['search_idle'] * 1000:.0f} / {p['search_busy'] * 1000:.0f} |")
    print(f"| kill -9 of the server after 202s: acknowledged, not yet committed at the kill | {p['acked']}, {p['uncommitted_at_kill']} |")
    print(f"| lost once the server is started again | {p['lost']} |")
    ok = (all(r["kill_ok"] and r["rerun_page_requests"] == 0 for r in rows) and p["lost"] == 0
          and p["within_5s"] == p["pushes"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

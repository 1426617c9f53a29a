"""newsdesk beside SQLite FTS5 on the same real articles, side by side in one run.

Corpus: Reuters-21578 (20,841 dated wires with their own people/org/place tags) plus the
2,225 BBC articles; for sizes beyond that the set is replicated with distinct ids and dates
shifted by whole years (bench.reuters.replicate). Both engines get the same documents and the
same ≥300 queries (1–3 words, phrases, entity filter, date range, newest first).

newsdesk is measured end to end through searcher.Archive.search — the API the web uses:
parse, rank, facets over every match, 10 snippets. FTS5 runs bm25() + snippet() with the
same field weights. Each engine runs the mix twice, in turns (query_turns); the query
percentiles are over both. Stock Whoosh answers the same queries with what a results page needs,
its defaults: MultifieldParser, search with groupedby facet counts, highlights of 10 hits.
--http serves /api/search with 1 and 2 processes side by side. Index builds run `newsdesk index` (parsing and segment-writing processes on both cores) and
stock Whoosh (a plain two-field schema, one writer) on the same documents.

    python -m bench.perf [--sizes 10000,100000] [--queries 300] [--http] [--no-stock]
    python -m bench.perf --sizes 1000000 --no-stock     # the long run, not in CI
    python -m bench.perf --growth                       # cost growth over saved runs (build-only too)
    python -m bench.perf --sizes 100000 --merge         # query times before and after index --merge
    python -m bench.perf --sizes 10000,100000 --build-only   # the write side alone
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable

from .reuters import articles, replicate, write_jsonl_files

SHARED = Path(os.environ.get("NEWSDESK_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus")
# Every run's rows, appended: the cost-growth table reads the newest row of each size.
ROWS = Path(__file__).resolve().parent / "out" / "perf.jsonl"
FTS_WEIGHTS = (1.25, 1.0, 1.5)  # headline, body, entities: newsdesk's field boosts
STOCK_CPU: list[float] = []  # CPU seconds of each stock Whoosh build, as measured


def corpus() -> list[dict]:
    items = list(articles(SHARED / "reuters21578"))
    for path in sorted((SHARED / "bbc-news").glob("*/*.txt")):
        lines = path.read_bytes().decode("utf-8", "replace").splitlines()
        items.append({"id": f"bbc-{path.parent.name}-{path.stem}", "headline": lines[0].strip(),
                      "body": "\n".join(lines[1:]).strip(), "section": path.parent.name,
                      "date": "2005-01-01", "entities": {"people": [], "organisations": [], "places": []}})
    return items


def query_mix(docs: list[dict], n: int, seed: int = 3) -> list[dict]:
    """Deterministic queries drawn from the documents' own headlines and tags."""
    rng = random.Random(seed)
    words = [w.lower() for d in docs[:5000] for w in re.findall(r"[A-Za-z]{4,}", d["headline"])]
    places = [p for d in docs[:5000] for p in d["entities"]["places"]] or ["Usa"]
    out = []
    for i in range(n):
        kind = i % 6
        if kind in (0, 1, 2):
            out.append({"q": " ".join(rng.sample(words, kind + 1))})
        elif kind == 3:
            d = rng.choice(docs[:5000])
            pair = re.findall(r"[A-Za-z]{3,}", d["headline"])
            out.append({"q": f'"{" ".join(pair[:2]).lower()}"' if len(pair) >= 2 else rng.choice(words)})
        elif kind == 4:
            out.append({"q": rng.choice(words), "entity": rng.choice(places)})
        else:
            month = rng.randint(3, 9)
            out.append({"q": rng.choice(words), "since": f"1987-{month:02d}-01",
                        "until": f"1987-{month:02d}-28", "sort": "newest"})
    return out


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p))] * 1000


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and all its descendants (worker processes included), from /proc."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            total += _status_kb(p, "VmRSS")
            for task in os.listdir(f"/proc/{p}/task"):
                stack += [int(c) for c in Path(f"/proc/{p}/task/{task}/children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total / 1024


def _status_kb(pid: int | str, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def run_measured(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS in MB summed over the command's process tree, sampled every
    0.1 s. (ru_maxrss would report the benchmark's own size: exec records the forking
    process's high-water mark as the child's.)"""
    t0 = time.perf_counter()
    peak = 0.0
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        while proc.poll() is None:
            peak = max(peak, tree_rss_mb(proc.pid))
            time.sleep(0.1)
        if proc.returncode:
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd[2:4])} failed: {err.read().decode()[-500:]}")
    return time.perf_counter() - t0, peak


def run_child(code: str) -> dict:
    """Run Python in a child process; return its JSON answer."""
    out = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def children_cpu() -> float:
    """CPU seconds of the finished child processes (and the workers they reaped): on a
    loaded machine a run's CPU share is its session's, not its process count's, so the
    build's CPU time says what its wall time cannot."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def newsdesk_build(src: Path, ix: Path, entities: bool) -> tuple[float, float]:
    cmd = [sys.executable, "-m", "web.cli", "index", str(src), "--index", str(ix)]
    return run_measured(cmd if entities else cmd + ["--no-entities"])


def stock_whoosh_build(docs: list[dict], folder: Path) -> float:
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.index import create_in

    folder.mkdir()
    ix = create_in(str(folder), Schema(id=ID(stored=True, unique=True), headline=TEXT(stored=True),
                                       body=TEXT(stored=True)))
    t0, cpu = time.perf_counter(), time.process_time()
    with ix.writer(limitmb=256) as w:
        for d in docs:
            w.add_document(id=d["id"], headline=d["headline"], body=d["body"])
    STOCK_CPU.append(time.process_time() - cpu)
    return time.perf_counter() - t0


def stock_whoosh_page_index(docs: list[dict], folder: Path) -> None:
    """Stock Whoosh with what a results page reads besides the text: the date to filter and
    sort by, the section and the entity names to count, as Whoosh's docs advise for sorting
    and faceting (sortable fields: a column per field; without one, every search un-inverts
    the names' postings: twice as slow at 10k). Built apart from the timed two-field index so the write
    comparison stays what it was."""
    from whoosh.fields import DATETIME, ID, KEYWORD, TEXT, Schema
    from whoosh.index import create_in

    folder.mkdir()
    names = {k: KEYWORD(stored=True, commas=True, lowercase=True, sortable=True)
             for k in ("people", "organisations", "places")}
    ix = create_in(str(folder), Schema(id=ID(stored=True, unique=True), headline=TEXT(stored=True),
                                       body=TEXT(stored=True), date=DATETIME(stored=True, sortable=True),
                                       section=KEYWORD(stored=True, commas=True, lowercase=True, sortable=True), **names))
    with ix.writer(limitmb=256) as w:
        for d in docs:
            w.add_document(id=d["id"], headline=d["headline"], body=d["body"], date=_date(d["date"]),
                           section=d.get("section") or "",
                           **{k: ",".join(n.replace(",", " ") for n in d["entities"][k]) for k in names})


def _date(text: str):
    import datetime as dt
    return dt.datetime.fromisoformat(text[:19]) if text else None


STOCK_QUERIES = """
import datetime as dt, json, time
from whoosh import index, query, sorting
from whoosh.qparser import MultifieldParser
ix = index.open_dir({ix!r})
searcher = ix.searcher()
parser = MultifieldParser(["headline", "body"], ix.schema)
facets = sorting.Facets()
for name in ("section", "people", "organisations", "places"):
    facets.add_field(name, allow_overlap=True)
queries = json.loads(open({qfile!r}).read())
def page(q):
    mask = []
    if q.get("entity"):
        mask.append(query.Term("places", q["entity"].lower()))
    if q.get("since"):
        mask.append(query.DateRange("date", dt.datetime.fromisoformat(q["since"]),
                                    dt.datetime.fromisoformat(q["until"]) + dt.timedelta(days=1)))
    results = searcher.search(parser.parse(q["q"]), limit=10, groupedby=facets, maptype=sorting.Count,
                              filter=query.And(mask) if mask else None,
                              sortedby="date" if q.get("sort") == "newest" else None,
                              reverse=q.get("sort") == "newest")
    counts = {{name: results.groups(name) for name in facets.names()}}
    return len(results), counts, [(hit["headline"], hit.highlights("body")) for hit in results]
page({{"q": "warm"}})
times = []
for q in queries:
    t0 = time.perf_counter(); page(q); times.append(time.perf_counter() - t0)
print(json.dumps({{"times": times}}))
"""


def fts_build(docs: list[dict], path: Path) -> float:
    t0 = time.perf_counter()
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(headline, body, entities, date UNINDEXED, "
               "tokenize='porter')")
    db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)", (
        (d["headline"], d["body"], " | ".join(sum(d["entities"].values(), [])), d["date"]) for d in docs))
    db.commit()
    db.close()
    return time.perf_counter() - t0


def fts_query(db: sqlite3.Connection, q: dict) -> int:
    text = q["q"] if q["q"].startswith('"') else " ".join(f'"{w}"' for w in q["q"].split())
    if q.get("entity"):
        text = f'({text}) AND entities:"{q["entity"]}"'
    where, args = "docs MATCH ?", [text]
    if q.get("since"):
        where += " AND date >= ? AND date < ?"
        args += [q["since"], q["until"] + "T23:59:59"]
    order = "date DESC" if q.get("sort") == "newest" else f"bm25(docs, {', '.join(map(str, FTS_WEIGHTS))}, 0)"
    rows = db.execute(f"SELECT rowid, headline, snippet(docs, 1, '<mark>', '</mark>', '…', 20) FROM docs "
                      f"WHERE {where} ORDER BY {order} LIMIT 10", args).fetchall()
    return len(rows)


NEWSDESK_QUERIES = """
import json, sys, time
from searcher import Archive, SearchRequest
from searcher.request import parse_date
archive = Archive({ix!r})
queries = json.loads(open({qfile!r}).read())
archive.search(SearchRequest(query="warm"))
times = []
for q in queries:
    req = SearchRequest(query=q["q"], entities=[q["entity"]] if q.get("entity") else [],
                        since=parse_date(q["since"]) if q.get("since") else None,
                        until=parse_date(q["until"]) if q.get("until") else None,
                        sort=q.get("sort", "relevance"))
    t0 = time.perf_counter(); archive.search(req); times.append(time.perf_counter() - t0)
status = {{l.split(":")[0]: int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(("VmHWM:", "RssAnon:"))}}
print(json.dumps({{"times": times, "rss": status["VmHWM"] / 1024, "anon": status["RssAnon"] / 1024}}))
"""


def query_turns(ix: Path, qfile: Path, fts_db: Path, queries: list[dict]) -> tuple[list, list, dict]:
    """The query mix's times on newsdesk and FTS5, each engine twice, in turns newsdesk,
    FTS5, FTS5, newsdesk, so that a change in the machine's speed falls on both alike (one
    10k run measured 2.6, 3.7 and 2.8 ms p50 in three passes a minute apart, FTS5 0.55,
    0.40, 0.46). Each newsdesk turn is a fresh process, as cold as the first; each FTS5
    turn a fresh connection. Also the last newsdesk process's memory."""
    nd: list[float] = []
    fts: list[float] = []
    result: dict = {}
    for engine in ("newsdesk", "fts5", "fts5", "newsdesk"):
        if engine == "newsdesk":
            result = run_child(NEWSDESK_QUERIES.format(ix=str(ix), qfile=str(qfile)))
            nd += result["times"]
            continue
        db = sqlite3.connect(fts_db)
        for q in queries:
            t0 = time.perf_counter()
            fts_query(db, q)
            fts.append(time.perf_counter() - t0)
        db.close()
    return nd, fts, result


def fresh_articles_visible(src: Path, ix: Path, docs: list[dict]) -> float:
    """Seconds for `newsdesk index` (with entities) to commit 100 new articles."""
    new = [dict(d, id=f"fresh-{i}", url=None, entities=None) for i, d in enumerate(docs[:100])]
    for d in new:
        d.pop("url"), d.pop("entities")
    (src / "fresh.jsonl").write_text("".join(json.dumps(d) + "\n" for d in new))
    return run_measured([sys.executable, "-m", "web.cli", "index", str(src), "--index", str(ix)])[0]


def http_load(ix: Path, queries: list[dict], seconds: float = 10.0, clients: int = 8) -> dict:
    """/api/search through HTTP on `newsdesk serve --threads 2` with 1 and with 2 processes,
    taking turns 1, 2, 2, 1 (`seconds` each) so a change in the machine's load falls on
    both alike; `clients` loopback client processes each send one request after another."""
    rounds = {1: [], 2: []}
    for processes in (1, 2, 2, 1):
        rounds[processes].append(_http_round(ix, queries, processes, seconds, clients))
    out = {}
    for processes, runs in rounds.items():
        times = [t for r in runs for t in r["times"]]
        biggest = max(runs, key=lambda r: sum(r["rss"]))
        out[processes] = {"rps": len(times) / (seconds * len(runs)), "p50": pct(times, .5),
                          "p99": pct(times, .99), "errors": sum(r["errors"] for r in runs),
                          "cores": sum(r["cpu"] for r in runs) / (seconds * len(runs)),
                          "rss": biggest["rss"], "anon": biggest["anon"]}
    return out


def _http_round(ix: Path, queries: list[dict], processes: int, seconds: float, clients: int) -> dict:
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "web.cli", "serve", "--index", str(ix), "--port", str(port),
                               "--threads", "2", "--processes", str(processes)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api/search?"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "q=oil", timeout=5).read()
            break
        except OSError:
            time.sleep(0.1)
    # Every worker warmed (its first search opens the index): a round of the mix first.
    warm = time.monotonic() + 2
    while time.monotonic() < warm:
        urllib.request.urlopen(base + "q=market", timeout=30).read()
    tree = [server.pid, *_children(server.pid)]
    cpu_before = sum(map(_cpu_seconds, tree))
    stop = time.time() + seconds
    # Client processes, not threads: one process's threads would share one core's worth of
    # the machine (and the GIL) with every request they send.
    with ProcessPoolExecutor(clients, mp_context=multiprocessing.get_context("fork")) as pool:
        answers = list(pool.map(_client, [base] * clients, [queries] * clients,
                                [i * 37 for i in range(clients)], [stop] * clients))
    times = [t for got, _ in answers for t in got]
    errors = [sum(n for _, n in answers)]
    # CPU the server's processes got: under other people's load, what req/s cannot show.
    cpu = sum(map(_cpu_seconds, tree)) - cpu_before
    # Peak RSS of each serving process (the master's too when it forks workers).
    rss = [_status_kb(pid, "VmHWM") / 1024 for pid in tree]
    # Of it, each process's own memory now (the rest is index pages mapped from the page cache).
    anon = [_status_kb(pid, "RssAnon") / 1024 for pid in tree]
    server.terminate()
    server.wait(timeout=30)
    return {"times": times, "errors": errors[0], "rss": rss, "anon": anon, "cpu": cpu}


def _client(base: str, queries: list[dict], offset: int, stop: float) -> tuple[list[float], int]:
    """One loopback client: requests one after another until `stop` (time.time()); the
    seconds each took and the number that failed."""
    import urllib.parse

    url = urllib.parse.urlsplit(base)
    times: list[float] = []
    errors = 0
    for i in range(offset, offset + 100_000):
        if time.time() > stop:
            break
        q = queries[i % len(queries)]
        params = {"q": q["q"], **({"entity": q["entity"]} if q.get("entity") else {}),
                  **({"since": q["since"], "until": q["until"], "sort": "newest"} if q.get("since") else {})}
        t0 = time.perf_counter()
        try:
            http_get(url.hostname, url.port, f"{url.path}?{urllib.parse.urlencode(params)}")
            times.append(time.perf_counter() - t0)
        except OSError:
            errors += 1
    return times, errors


def http_get(host: str, port: int, target: str, timeout: float = 30) -> bytes:
    """One HTTP/1.1 GET on a new connection, as urllib sends it (Connection: close), its
    whole response read; OSError unless it is a 200. Its own CPU is less than half
    urllib's (0.36 against 0.8 ms a request, measured), which on 2 cores is CPU the server
    under test does not get: at 300 req/s, 8 urllib clients held a quarter of a core."""
    with socket.create_connection((host, port), timeout=timeout) as conn:
        conn.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept-Encoding: identity\r\n"
                     f"Connection: close\r\n\r\n".encode("ascii"))
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    response = b"".join(chunks)
    status = response[:response.find(b"\r\n")].split()
    if len(status) < 2 or status[1] != b"200":
        raise OSError(f"HTTP {b' '.join(status[1:]).decode('latin-1') or 'no status'}")
    return response


def _children(pid: int) -> list[int]:
    return [int(c) for task in os.listdir(f"/proc/{pid}/task")
            for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def du(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# The growth table's columns: these sizes always (a size never measured says so), and any
# other size a run measured.
GROWTH_SIZES = (10_000, 100_000, 1_000_000)
NOT_MEASURED = "not measured"
# (row name, the figure from a saved row or None when that run did not measure it, why it
# grows as it does). The reasons are ours; every figure printed is a saved run's.
GROWTH_METRICS: list[tuple[str, Callable[[dict], float | None], str]] = [
    ("body characters per doc", lambda r: r.get("body_chars"),
     "the documents themselves: 10k is Reuters alone; past 20,841 BBC's longer articles join the mix"),
    ("build s per 1k docs", lambda r: 1000 / r["nd_docs_s"],
     "near flat: each commit's segments are written in the workers, never merged again; what grows is the text per doc"),
    ("build CPU s per 1k docs", lambda r: r.get("nd_cpu_1k"),
     "all processes; parsing, analysis and segment writing are per article, so it follows the text per doc"),
    ("stock Whoosh build s per 1k docs", lambda r: 1000 / r["stock_docs_s"] if r.get("stock_docs_s") else None,
     "one writer, one segment: past its 256 MB pool, sorted runs go to disk and are merged at commit"),
    ("stock Whoosh CPU s per 1k docs", lambda r: r.get("stock_cpu_1k"),
     "as its wall time, on one core: the runs' pickling and merging grow faster than the documents"),
    ("newsdesk/stock Whoosh docs/s", lambda r: r["nd_docs_s"] / r["stock_docs_s"] if r.get("stock_docs_s") else None,
     "stock Whoosh's cost per doc grows with the size of its one segment, newsdesk's stays that of one batch"),
    ("FTS5 build s per 1k docs", lambda r: 1000 / r["fts_docs_s"],
     "b-tree inserts of each term (log n) and FTS5's automatic segment merges"),
    ("index MB per 1k docs", lambda r: r["nd_mb"] * 1000 / r["size"],
     "stored text and postings are per article (following the text per doc); the term dictionary grows sublinearly"),
    ("query p50 ms", lambda r: r["nd_p"][0] if r.get("nd_p") else None,
     "linear: a word's postings grow with the archive, and every match is scored and counted in facets"),
    ("query p95 ms", lambda r: r["nd_p"][1] if r.get("nd_p") else None,
     "linear: the common words' postings (lean arrays scored; phrases from lean positions) over more segments"),
    ("FTS5 query p95 ms", lambda r: r["fts_p"][1] if r.get("fts_p") else None,
     "linear: bm25() ranks every match of the query's doclists"),
    ("stock Whoosh page p95 ms", lambda r: r["stock_p"][1] if r.get("stock_p") else None,
     "linear: its matcher scores and groupedby counts every match"),
    ("query process RSS MB", lambda r: r.get("web_rss"),
     "its own memory and the index pages the queries read through the map: near the index size"),
    ("query process own memory MB", lambda r: r.get("web_anon"),
     "per-segment readers and facet tables: grow with segments and the names' vocabulary"),
    ("indexer peak RSS MB", lambda r: r.get("indexer_rss"),
     "bounded by one batch (BATCH_ARTICLES) and the posting pool (WRITER_MB): flat past one batch"),
    ("100 new articles s", lambda r: r.get("fresh_s"),
     "process start and NER of 100 articles, plus one commit that opens every segment: slow growth"),
]


def saved_rows() -> list[dict]:
    """Every saved run's rows, oldest first."""
    if not ROWS.exists():
        return []
    return [json.loads(line) for line in ROWS.read_text().splitlines() if line.strip()]


def save_row(row: dict) -> None:
    ROWS.parent.mkdir(exist_ok=True)
    with ROWS.open("a") as out:
        out.write(json.dumps({**row, "at": time.strftime("%Y-%m-%dT%H:%M:%S")}) + "\n")


def growth_table(rows: list[dict]) -> None:
    """How each cost grows from 10k to 100k to 1M documents: per size, the newest saved run
    that measured the figure (a --build-only run measures the builds alone)."""
    sizes = sorted(set(GROWTH_SIZES) | {r["size"] for r in rows})
    print("\n== cost growth (per size the newest run that measured it; flat per-doc cost = linear) ==")
    print(f"{'':34}" + "".join(f"{s:>14,}" for s in sizes))
    used: dict[int, set[str]] = {s: set() for s in sizes}
    for name, get, why in GROWTH_METRICS:
        cells = []
        for size in sizes:
            value = None
            for row in reversed(rows):
                if row["size"] == size:
                    value = get(row)
                    if value is not None:
                        used[size].add(row.get("at", "?"))
                        break
            cells.append(f"{value:14.2f}" if value is not None else f"{NOT_MEASURED:>14}")
        print(f"{name:34}" + "".join(cells))
        print(f"{'':4}why: {why}")
    for size in sizes:
        runs = ", ".join(sorted(used[size])) or NOT_MEASURED
        print(f"  {size:>9,} documents: runs of {runs}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--http", action="store_true",
                    help="also load /api/search over loopback with 1 and 2 server processes (40 s)")
    ap.add_argument("--growth", action="store_true", help="only print the cost-growth table of saved runs")
    ap.add_argument("--merge", action="store_true",
                    help="also run `newsdesk index --merge` and time the query mix again")
    ap.add_argument("--build-only", action="store_true",
                    help="only the index builds (newsdesk, stock Whoosh, FTS5): write figures in minutes")
    ap.add_argument("--no-stock", action="store_true",
                    help="skip the stock Whoosh build (it takes ~25 min at 1M documents)")
    args = ap.parse_args()
    if args.growth:
        growth_table(saved_rows())
        return 0
    base = corpus()
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        docs = list(replicate(base, size))
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            src, ix = tmp / "src", tmp / "ix"
            write_jsonl_files(iter(docs), src, per_file=1000)
            cpu = children_cpu()
            build_s, build_rss = newsdesk_build(src, ix, entities=False)
            build_cpu = children_cpu() - cpu
            stock_s = None if args.no_stock else stock_whoosh_build(docs, tmp / "stock")
            fts_s = fts_build(docs, tmp / "fts.db")
            build = {"size": size, "body_chars": sum(len(d["body"]) for d in docs) / size,
                     "nd_docs_s": size / build_s, "nd_cpu_1k": build_cpu * 1000 / size,
                     "stock_docs_s": size / stock_s if stock_s else None,
                     "stock_cpu_1k": STOCK_CPU[-1] * 1000 / size if stock_s else None,
                     "fts_docs_s": size / fts_s, "nd_mb": du(ix) / 1e6,
                     "stock_mb": du(tmp / "stock") / 1e6 if stock_s else None,
                     "fts_mb": du(tmp / "fts.db") / 1e6, "indexer_rss": build_rss}
            if args.build_only:
                save_row({**build, "build_only": True, "load": os.getloadavg()[0]})
                print(f"\n== {size:,} documents: builds ==\n{'newsdesk (no NER), docs/s':34} {size / build_s:12.0f}"
                      f"   CPU {build_cpu * 1000 / size:.2f} s per 1k docs (all processes)")
                if stock_s:
                    print(f"{'stock Whoosh, docs/s':34} {size / stock_s:12.0f}   "
                          f"CPU {STOCK_CPU[-1] * 1000 / size:.2f} s per 1k docs; "
                          f"{stock_s / build_s:.2f}× newsdesk/stock docs/s, "
                          f"{STOCK_CPU[-1] / build_cpu:.2f}× stock/newsdesk CPU")
                print(f"{'FTS5, docs/s':34} {size / fts_s:12.0f}")
                print(f"{'index size, MB':34} {du(ix) / 1e6:12.1f}   (stock Whoosh {du(tmp / 'stock') / 1e6:.1f})")
                continue
            sample = tmp / "ner-sample"
            write_jsonl_files(iter([dict(d, id=f"s{i}", entities=None) for i, d in enumerate(docs[:500])]),
                              sample, per_file=50)
            ner_s, _ = newsdesk_build(sample, tmp / "ner-ix", entities=True)
            queries = query_mix(docs, args.queries)
            qfile = tmp / "queries.json"
            qfile.write_text(json.dumps(queries))
            nd, fts, result = query_turns(ix, qfile, tmp / "fts.db", queries)
            merged = None
            if args.merge:  # the same queries again once `newsdesk index --merge` has run
                merge_s = run_measured([sys.executable, "-m", "web.cli", "index", "--merge", "--index", str(ix)])[0]
                times = run_child(NEWSDESK_QUERIES.format(ix=str(ix), qfile=str(qfile)))["times"]
                merged = {"seconds": merge_s, "p": [pct(times, p) for p in (.5, .95, .99)]}
            stock_p = None
            if not args.no_stock:
                stock_whoosh_page_index(docs, tmp / "stock-page")
                stock_p = [pct(run_child(STOCK_QUERIES.format(ix=str(tmp / "stock-page"), qfile=str(qfile)))["times"], p)
                           for p in (.5, .95, .99)]
            http = http_load(ix, queries) if args.http else None
            fresh_s = fresh_articles_visible(src, ix, docs)
            rows.append({
                **build, "ner_docs_s": 500 / ner_s,
                "nd_p": [pct(nd, p) for p in (.5, .95, .99)], "fts_p": [pct(fts, p) for p in (.5, .95, .99)],
                "stock_p": stock_p, "load": os.getloadavg()[0],
                "web_rss": result["rss"], "web_anon": result["anon"], "fresh_s": fresh_s, "http": http, "merged": merged})
        r = rows[-1]
        save_row(r)
        print(f"\n== {size:,} documents ==")
        print(f"{'':34} {'newsdesk':>12} {'FTS5':>10} {'ratio':>8}")
        print(f"{'index build, docs/s (no NER)':34} {r['nd_docs_s']:12.0f} {r['fts_docs_s']:10.0f} "
              f"{r['fts_docs_s'] / r['nd_docs_s']:7.1f}×")
        if r["stock_docs_s"]:
            print(f"{'stock Whoosh build, docs/s':34} {r['stock_docs_s']:12.0f} {'':>10} "
                  f"{r['nd_docs_s'] / r['stock_docs_s']:7.2f}× newsdesk/stock")
        print(f"{'build with NER, docs/s (500 docs)':34} {r['ner_docs_s']:12.0f}")
        stock_mb = f"  (stock Whoosh {r['stock_mb']:.1f})" if r["stock_docs_s"] else ""
        print(f"{'index size, MB':34} {r['nd_mb']:12.1f} {r['fts_mb']:10.1f}{stock_mb}")
        for i, name in enumerate(("p50", "p95", "p99")):
            print(f"{'query ' + name + ', ms':34} {r['nd_p'][i]:12.1f} {r['fts_p'][i]:10.2f} "
                  f"{r['nd_p'][i] / max(r['fts_p'][i], 1e-6):7.1f}×")
        if r["merged"]:
            m = r["merged"]
            print(f"{'after index --merge (' + format(m['seconds'], '.0f') + ' s)':34} p50/p95/p99 "
                  + " / ".join(f"{v:.1f}" for v in m["p"]) + " ms, p95 "
                  f"{m['p'][1] / max(r['fts_p'][1], 1e-6):.1f}× FTS5")
        if r["stock_p"]:
            print(f"{'':34} {'newsdesk':>12} {'stock':>10} {'ratio':>8}   (a results page: search, facet counts,")
            for i, name in enumerate(("p50", "p95", "p99")):
                print(f"{'query ' + name + ' vs stock Whoosh, ms':34} {r['nd_p'][i]:12.1f} {r['stock_p'][i]:10.1f} "
                      f"{r['nd_p'][i] / max(r['stock_p'][i], 1e-6):7.2f}×" + ("   10 highlights; target ≤ 0.5×)" if i == 0 else ""))
        print(f"{'peak RSS indexer (all processes), MB':34} {r['indexer_rss']:12.0f}")
        print(f"{'peak RSS query process, MB':34} {r['web_rss']:12.0f}   (one searcher, after the query mix; "
              f"{r['web_anon']:.0f} its own memory, RssAnon, the rest index pages mapped from the page cache)")
        print(f"{'100 new articles searchable, s':34} {r['fresh_s']:12.1f}   (incl. NER and process start)")
        if r["http"]:
            for processes, h in r["http"].items():
                print(f"{f'HTTP /api/search, {processes} process(es)':34} {h['rps']:8.1f} req/s, p50 {h['p50']:.0f} ms, "
                      f"p99 {h['p99']:.0f} ms, {h['errors']} errors, {h['cores']:.2f} cores busy; "
                      "peak RSS MB per process " + " ".join(f"{mb:.0f}" for mb in h["rss"])
                      + " (own memory, RssAnon: " + " ".join(f"{mb:.0f}" for mb in h["anon"]) + ")")
            h1, h2 = r["http"][1], r["http"][2]
            print(f"{'HTTP scaling, 2 processes / 1':34} {h2['rps'] / max(h1['rps'], 1e-6):8.2f}×   (target ≥ 1.7×; "
                  f"2 threads each, 8 loopback client processes, 1-2-2-1 turns of 10 s)")
            print(f"{'  req per server CPU second, 1 / 2':34} {h1['rps'] / max(h1['cores'], 1e-6):8.1f} / "
                  f"{h2['rps'] / max(h2['cores'], 1e-6):.1f}   (the cores busy are what the machine's load left)")
        print(f"{'load average during the run':34} {r['load']:8.1f}   (2 cores)")
    growth_table(saved_rows())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The `newsdesk` command: index, update, search, serve and inspect from a terminal."""
from __future__ import annotations

import itertools
import json
import os
import shlex
import signal
import sys
import threading
import time
from contextlib import nullcontext
from pathlib import Path
from urllib.parse import urlsplit

import click

from indexer.errors import ParseError
from indexer.given_sources import GivenSources, remember
from indexer.merging import merge_index
from indexer.parse import parse_file, printable
from indexer.durable import READ_ERRORS
from indexer.store import IndexDir, IndexerBusy, IndexProblem, default_index_dir
from indexer.writing import BATCH_ARTICLES, update_index

from .cli_ingest import LOCK_WAIT_SECONDS, PathOrUrl, fetch_sources

index_option = click.option(
    "--index", "index_path", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Index directory [default: $NEWSDESK_INDEX or ./newsdesk-index].")


def _index_dir(index_path: Path | None) -> IndexDir:
    return IndexDir(index_path or default_index_dir())


def _error(message: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)


def _unreadable(ix_dir: IndexDir, exc: Exception) -> None:
    """What damage the index checks missed looks like: one line that says what to run."""
    _error(f"the index at {ix_dir.root} could not be read ({type(exc).__name__}: {exc}): run "
           f"newsdesk check --index {ix_dir.root} to find the damaged file")
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsdesk")
def main() -> None:
    """newsdesk: search a news site's article archive.

    Index article files (site text pages, HTML pages, JSON Lines exports), then search them
    from the terminal or serve the search page and JSON API.
    """


follow_symlinks_option = click.option(
    "--follow-symlinks", is_flag=True,
    help="Follow symlinks that lead outside the PATH they are found in (skipped and named "
         "otherwise).")

# Options that `index` and `update` share (`parse` too takes --no-entities).
no_entities_option = click.option("--no-entities", is_flag=True, help="Skip named-entity extraction (faster).")
dry_run_option = click.option("--dry-run", is_flag=True,
                              help="Say what would be added, updated and deleted; write nothing.")
workers_option = click.option("--workers", type=click.IntRange(1, 64), default=None,
                              help="Worker processes that parse files and write segments [default: one per CPU].")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, required=True,
              help="Print JSON Lines: one object per article (the only output format).")
@no_entities_option
@follow_symlinks_option
def parse(paths: tuple[Path, ...], as_json: bool, no_entities: bool, follow_symlinks: bool) -> None:
    """Parse article files and print what the indexer would store. No index is touched.

    PATHS are files or directories (walked recursively). Exit status 1 if anything was
    reported.
    """
    from indexer.sources import Walk

    problems = 0
    files = Walk(paths, follow_symlinks)
    for src in files:
        shown = printable(src.path.as_posix())
        try:
            result = parse_file(src.path, src.root, with_entities=not no_entities)
        except ParseError as exc:
            _error(f"{shown}: {exc}")
            problems += 1
            continue
        for problem in result.errors:
            _error(f"{shown}: {problem}")
        problems += len(result.errors)
        for article in result.articles:
            click.echo(json.dumps(article.as_json(), ensure_ascii=False))
    for path, reason in files.problems:
        _error(f"{path}: {reason}")
    sys.exit(1 if problems or files.problems else 0)


@main.command()
@click.argument("paths", nargs=-1, type=PathOrUrl())
@index_option
@click.option("--rebuild", is_flag=True,
              help="Build a fresh index beside the live one and swap it in when complete.")
@dry_run_option
@click.option("--verify", is_flag=True,
              help="Hash every segment file first and repair any whose bytes changed since they "
                   "were written (what newsdesk check asks for); ordinary runs compare sizes only.")
@no_entities_option
@workers_option
@click.option("--batch", type=click.IntRange(1), default=BATCH_ARTICLES, show_default=True,
              help="Articles per commit; each commit becomes visible to searches on its own.")
@click.option("--watch", is_flag=True,
              help="Keep running: index files as they appear, change or disappear. Ctrl-C stops "
                   "after the current commit.")
@click.option("--interval", type=click.FloatRange(0.2, 3600), default=2.0, show_default=True,
              help="With --watch: seconds between looks at PATHS (a burst of new files is indexed "
                   "as one batch).")
@click.option("--prune", is_flag=True,
              help="With sitemap URLs: delete the articles of urls no longer listed (or 404/410).")
@click.option("--delay", type=click.FloatRange(0, 60), default=0.5, show_default=True,
              help="With URLs: seconds between requests to one host (robots.txt Crawl-delay wins).")
@click.option("--fetchers", type=click.IntRange(1, 32), default=4, show_default=True,
              help="With URLs: pages fetched at the same time.")
@click.option("--merge", is_flag=True,
              help="Then merge the index's segments into a few large ones (one per worker, of at "
                   "most 250,000 articles): faster searches. Searches go on meanwhile; a kill "
                   "loses nothing.")
@follow_symlinks_option
def index(paths: tuple[Path | str, ...], index_path: Path | None, rebuild: bool, dry_run: bool,
          verify: bool, no_entities: bool, workers: int | None, batch: int, watch: bool, interval: float,
          prune: bool, delay: float, fetchers: int, merge: bool, follow_symlinks: bool) -> None:
    """Index article files, incrementally.

    A PATH may be the http(s) url of a sitemap (index, .xml.gz, Google News) or a feed (RSS,
    Atom, JSON Feed): its articles are fetched politely into the index directory and indexed
    like files; a rerun fetches only new or changed urls. Articles pushed to the ingest API
    (serve --ingest-token-file) are indexed by every run; with no PATH, only those.

    Only new and changed files are parsed; articles of files that disappeared from PATHS are
    deleted; a rerun with nothing changed does nothing. Bad files and lines, and files or
    folders that cannot be read (their articles are kept), are named on stderr and skipped;
    the exit status is 1 if anything was named.
    """
    if merge and (watch or dry_run):
        raise click.UsageError("--merge is a run of its own: not with --watch or --dry-run")
    from indexer.remote import ingest_lock  # (with the crawler: urllib3, lxml)

    ix_dir = _index_dir(index_path)
    stop = threading.Event()
    _stop_on_signals(stop)
    failed = False
    first = True
    urls = [p for p in paths if isinstance(p, str)]
    # With --watch, a problem that stays (an unreadable file, a url that keeps failing) is
    # named once, not every pass.
    named: set[str] = set()
    named_urls: set[str] = set()
    while True:
        try:
            # Held for the whole pass: serve's push writer never applies the queue while this
            # run crawls, applies or indexes the mirror folders.
            with nullcontext() if dry_run else ingest_lock(ix_dir.root, LOCK_WAIT_SECONDS):
                mirrors, crawl_failed, named_urls = fetch_sources(
                    urls, ix_dir, prune=prune, delay=delay, concurrency=fetchers, dry_run=dry_run,
                    stop=stop, quiet=watch and not first, tidy=first, error=_error,
                    named_before=named_urls)
                files = [p for p in paths if isinstance(p, Path)] + mirrors
                summary = _index_once(files, ix_dir, rebuild=rebuild and first, dry_run=dry_run,
                                      verify=verify and first, with_entities=not no_entities,
                                      workers=workers, batch=batch, stop=stop,
                                      quiet=watch and not first, follow_symlinks=follow_symlinks,
                                      named_before=named)
        except IndexerBusy as exc:
            if not watch or first:
                _error(str(exc))
                sys.exit(2)
            # A long pass of serve's push writer, or a one-off run: this pass is theirs.
            summary = None
        except IndexProblem as exc:
            _error(str(exc))
            sys.exit(2)
        if summary is not None:
            failed |= crawl_failed or bool(summary.failures)
            named = {f"{path}: {reason}" for path, reason in summary.failures}
            if first and not dry_run:  # what `newsdesk update` runs again
                remember(ix_dir.root, [p for p in paths if isinstance(p, Path)], urls, replace=rebuild)
        first = False
        if not watch or dry_run or stop.wait(interval):
            break
    if watch:
        click.echo("Stopped.")
    if merge and not stop.is_set():
        _merge(ix_dir, workers, stop)
    sys.exit(1 if failed else 0)


@main.command()
@index_option
@dry_run_option
@no_entities_option
@workers_option
@click.pass_context
def update(ctx: click.Context, index_path: Path | None, dry_run: bool, no_entities: bool,
           workers: int | None) -> None:
    """Index what changed in the PATHS and urls the index was built from.

    The run `newsdesk index` makes when given every PATH and url its earlier runs were
    given (since the last --rebuild): new and changed files are parsed, articles of removed
    files deleted, sitemaps and feeds fetched again. A PATH that is gone is named on stderr
    and its articles are kept (the exit status is then 1).
    """
    ix_dir = _index_dir(index_path)
    given = GivenSources.load(ix_dir.root)
    if not given.paths and not given.urls:
        _error(f"the index at {ix_dir.root} was never given a PATH to update from: run "
               f"newsdesk index PATH... --index {ix_dir.root} first")
        sys.exit(2)
    present = [Path(p) for p in given.paths if os.path.exists(p)]
    gone = [p for p in given.paths if not os.path.exists(p)]
    for path in gone:
        _error(f"{printable(path)}: gone; its articles are kept (newsdesk index --rebuild PATH... "
               "builds the index without it)")
    try:
        ctx.invoke(index, paths=(*present, *given.urls), index_path=index_path, dry_run=dry_run,
                   no_entities=no_entities, workers=workers)
    except SystemExit as exc:
        sys.exit(max(exc.code or 0, 1 if gone else 0))


def _merge(ix_dir: IndexDir, workers: int | None, stop: threading.Event) -> None:
    try:
        summary = merge_index(ix_dir, workers=workers or os.cpu_count() or 1, should_stop=stop.is_set)
    except IndexProblem as exc:
        _error(str(exc))
        sys.exit(2)
    for repair in summary.repaired:
        click.echo(f"repaired: {repair}", err=True)
    if not summary.articles:
        click.echo(f"Nothing to merge: {summary.segments_before} segments.")
        return
    click.echo(f"merged {summary.articles} articles: {summary.segments_before} segments, now "
               f"{summary.segments_after}, in {summary.seconds:.1f}s"
               + (" (stopped early; run --merge again to go on)" if summary.stopped else ""))


def _stop_on_signals(stop: threading.Event) -> None:
    """Ctrl-C or SIGTERM (systemd, a cron timeout) stops the run after committing what is
    parsed; a second one stops it at once (what is committed stays)."""
    parent = os.getpid()

    def handler(sig: int, frame) -> None:
        if stop.is_set() or os.getpid() != parent:  # (a worker forked before it reset this)
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
            return
        stop.set()
        click.echo("Stopping after the current commit (once more to stop at once).", err=True)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)


def _index_once(paths: list[Path], ix_dir: IndexDir, *, rebuild: bool, dry_run: bool, verify: bool,
                with_entities: bool, workers: int | None, batch: int, stop: threading.Event,
                quiet: bool, follow_symlinks: bool, named_before: set[str]):
    bar = None
    show_bar = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if not show_bar:
            return
        if bar is None:
            bar = click.progressbar(length=total, label="Parsing", file=sys.stderr)
            bar.__enter__()
        bar.update(1)

    def named(path: str, reason: str) -> None:
        if f"{path}: {reason}" not in named_before:
            _error(f"{path}: {reason}")

    try:
        summary = update_index(
            paths, ix_dir, rebuild=rebuild, dry_run=dry_run, with_entities=with_entities,
            workers=workers, batch_articles=batch, on_error=named, on_progress=progress,
            should_stop=stop.is_set, follow_symlinks=follow_symlinks, verify=verify,
            lock_wait=LOCK_WAIT_SECONDS)
    except IndexerBusy:
        raise
    except IndexProblem as exc:
        _error(str(exc))
        sys.exit(2)
    except READ_ERRORS as exc:
        _unreadable(ix_dir, exc)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for repair in summary.repaired:
        click.echo(f"repaired: {repair}", err=True)
    verb = "would be " if dry_run else ""
    if not dry_run and summary.changed == 0 and summary.failed == 0:
        if not quiet:
            click.echo(f"Nothing to do: {summary.unchanged} files unchanged ({summary.seconds:.1f}s).")
    else:
        stamp = f"[{time.strftime('%H:%M:%S')}] " if quiet else ""
        click.echo(
            f"{stamp}{verb}added {summary.added}, {verb}updated {summary.updated}, {verb}deleted "
            f"{summary.deleted}, unchanged {summary.unchanged}, failed {summary.failed} files; "
            f"{summary.articles} articles indexed"
            + (f", {summary.taken_down} taken down" if summary.taken_down else "")
            + f" in {summary.seconds:.1f}s"
            + (" (stopped early; the rest on the next run)" if summary.stopped else ""))
    return summary


@main.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts).")
def check(index_path: Path | None, as_json: bool) -> None:
    """Verify the index: read every segment, compare the stored articles with the manifest.

    Exit status 1 when a problem is found.
    """
    from dataclasses import asdict

    from indexer.check import check_index

    try:
        report = check_index(_index_dir(index_path))
    except IndexProblem as exc:
        _error(str(exc))
        sys.exit(2)
    except READ_ERRORS as exc:
        _error(f"the index could not be read ({type(exc).__name__}: {exc}): run newsdesk index "
               "--rebuild PATH... to build it again from your files")
        sys.exit(2)
    if as_json:
        click.echo(json.dumps({**asdict(report), "ok": report.ok}))
    else:
        click.echo(f"{report.articles} articles in {report.segments} segment(s), generation "
                   f"{report.generation}; manifest lists {report.files} files")
        for problem in report.problems:
            click.echo(f"problem: {problem}")
        click.echo("OK" if report.ok else f"{len(report.problems)} problem(s)")
    sys.exit(0 if report.ok else 1)


def _archive(index_path: Path | None):
    from searcher import Archive

    return Archive(_index_dir(index_path))


def _date(ctx, param, value: str | None):
    from searcher.request import QueryError, parse_date

    if value is None:
        return None
    try:
        return parse_date(value)
    except QueryError as exc:
        raise click.BadParameter(str(exc)) from None


class _QueryCommand(click.Command):
    """`newsdesk search -drone` or `newsdesk search drone -strike`: a word starting with one
    dash that names none of the command's options is a query word (NOT strike), not an
    unknown option. Options may stand anywhere; after `--` everything is the query."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        with_value: set[str] = set()
        names: set[str] = set()
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                opts = {*param.opts, *param.secondary_opts}
                names |= opts
                if not (param.is_flag or param.count):
                    with_value |= opts
        options: list[str] = []
        words: list[str] = []
        rest = iter(args)
        for arg in rest:
            name = arg.split("=", 1)[0]
            if arg == "--":
                words.extend(rest)
            elif name in with_value:
                options.append(arg)
                if "=" not in arg:
                    options.extend(itertools.islice(rest, 1))
            elif name in names or arg.startswith("--"):
                options.append(arg)  # a known flag, or a misspelt long option: click says so
            else:
                words.append(arg)
        return super().parse_args(ctx, [*options, "--", *words])


@main.command(cls=_QueryCommand)
@click.argument("query", nargs=-1)
@index_option
@click.option("--limit", "per_page", type=click.IntRange(1, 100), default=10, show_default=True,
              help="Hits per page.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True, help="Page number.")
@click.option("--match", type=click.Choice(["all", "any"]), default="all", show_default=True,
              help="all: every word must appear (falls back to any when nothing matches); "
                   "any: articles with more of the words rank first.")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance",
              show_default=True, help="Order of hits; relevance includes a mild recency boost.")
@click.option("--since", callback=_date, help="Only articles on or after this date (YYYY-MM-DD).")
@click.option("--until", callback=_date, help="Only articles on or before this date (YYYY-MM-DD).")
@click.option("--entity", "entities", multiple=True, help="Only articles naming this person, "
              "organisation or place (repeat for several).")
@click.option("--section", help="Only articles of this section.")
@click.option("--no-recency", is_flag=True, help="Rank by text relevance alone.")
@click.option("--as-typed", is_flag=True, help="Search the words as typed, never their spelling "
              "correction.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (for scripts).")
def search(query: tuple[str, ...], index_path: Path | None, per_page: int, page: int, match: str,
           sort: str, since, until, entities: tuple[str, ...], section: str | None,
           no_recency: bool, as_typed: bool, as_json: bool) -> None:
    """Search the archive.

    QUERY supports "phrases", AND/OR/NOT, -word (newsdesk search drone -strike, or -drone
    alone), headline:/byline:/section:/entity:/person:/org:/place: fields, prefixes
    (drone*), fuzzy words (dron~) and dates (date:2026-01, date:[2025-12-01 TO 2026-01-31],
    date:yesterday, date:"last week"). A hyphen inside a word joins it (no-confidence); stop
    words are not searched; an all-capital query is words only (no operators).
    """
    from searcher import QueryError, SearchRequest
    from searcher.snippets import html_to_terminal

    request = SearchRequest(query=" ".join(query), page=page, per_page=per_page, match=match,
                            sort=sort, since=since, until=until, entities=list(entities),
                            section=section, recency=not no_recency, as_typed=as_typed)
    try:
        result = _archive(index_path).search(request)
    except (QueryError, IndexProblem) as exc:
        _error(str(exc))
        sys.exit(2)
    except READ_ERRORS as exc:
        _unreadable(_index_dir(index_path), exc)
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        return
    bold = sys.stdout.isatty()
    if result.corrected:
        click.echo(f"Showing results for {result.corrected} — search instead for {result.query}: "
                   f"newsdesk search --as-typed {shlex.join(query)}")
    if result.notice:
        click.echo(result.notice)
    first = (result.page - 1) * result.per_page + 1
    shown = f"{first}–{first + len(result.hits) - 1} of " if result.hits else ""
    click.echo(f"{shown}{result.total} articles ({result.seconds * 1000:.0f} ms)")
    for hit in result.hits:
        click.echo("")
        click.secho(hit.headline or "(no headline)", bold=True)
        meta = " · ".join(x for x in [hit.date, hit.byline, hit.section, hit.url or hit.path] if x)
        click.echo(f"  {meta}")
        click.echo("  " + html_to_terminal(hit.snippet, bold).replace("\n", " "))
    if result.suggestion:
        click.echo(f"\nDid you mean: {result.suggestion}")
    if result.hits and result.page < result.pages:
        click.echo(f"\nMore: --page {result.page + 1} (of {result.pages})")


@main.command()
@click.argument("article_id")
@index_option
@click.option("--limit", type=click.IntRange(1, 50), default=5, show_default=True, help="How many.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts).")
def related(article_id: str, index_path: Path | None, limit: int, as_json: bool) -> None:
    """Articles most like ARTICLE_ID (its id as shown by search --json)."""
    from dataclasses import asdict

    try:
        hits = _archive(index_path).related(article_id, limit=limit)
    except KeyError:
        _error(f"no article with id {article_id!r}")
        sys.exit(2)
    except IndexProblem as exc:
        _error(str(exc))
        sys.exit(2)
    if as_json:
        click.echo(json.dumps({"id": article_id, "related": [asdict(h) for h in hits]}, ensure_ascii=False))
        return
    for hit in hits:
        click.echo(f"{hit.date or '':10}  {hit.headline}  [{hit.id}]")


@main.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts).")
def stats(index_path: Path | None, as_json: bool) -> None:
    """Article count, date range, top entities, index size and last update."""
    try:
        figures = _archive(index_path).stats()
    except IndexProblem as exc:
        _error(str(exc))
        sys.exit(2)
    except READ_ERRORS as exc:
        _unreadable(_index_dir(index_path), exc)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
        return
    click.echo(f"Index:        {figures['index']} (schema {figures['schema_version']})")
    click.echo(f"Articles:     {figures['articles']} ({figures['undated']} undated)")
    click.echo(f"Dates:        {figures['first_date'] or '-'} to {figures['last_date'] or '-'}")
    click.echo(f"Size:         {figures['index_bytes'] / 1e6:.1f} MB in {figures['segments']} segment(s)")
    click.echo(f"Last update:  {figures['last_update'] or '-'}")
    for kind, top in figures["top_entities"].items():
        names = ", ".join(f"{t['value']} ({t['count']})" for t in top[:8]) or "-"
        click.echo(f"Top {kind + ':':14}{names}")


def _base_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--base-url: an absolute http(s) address, without a trailing slash."""
    if value is None:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise click.BadParameter("give the public address as http(s)://host[:port][/path]")
    return value.strip().rstrip("/")


def _url_template(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--url-template: an absolute http(s) url with {path} in it."""
    if value is None:
        return None
    parts = urlsplit(value.strip().replace("{path}", "x"))
    if "{path}" not in value or parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.BadParameter("give an http(s) url with {path} in it, e.g. 'https://news.example/{path}'")
    return value.strip()


@main.command()
@index_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port.")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Worker threads (each keeps its own index searcher); per process with --processes.")
@click.option("--processes", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Server processes sharing the port: threads of one process share one core "
                   "(Python's GIL), so searches scale with cores only across processes.")
@click.option("--cors-origin", "cors_origins", multiple=True,
              help="An origin allowed to call /api/* from a browser (repeatable; none by default).")
@click.option("--ingest-token-file", type=click.File("r"), default=None,
              help="Turn on POST/DELETE /api/articles for a CMS; the file holds the bearer token.")
@click.option("--base-url", callback=_base_url,
              help="The site's public address (https://news.example): absolute urls in the Atom "
                   "feed and the OpenSearch description start with it [default: the address each "
                   "request was sent to, from its Host header].")
@click.option("--url-template", callback=_url_template,
              help="A public url made of an article's file path, for articles without a url of their "
                   "own: 'https://www.londondaily.example/{path}' ({path} is the path relative to the "
                   "indexed folder) [default: the article's page on this site, /article/<id>].")
@click.option("--article-noindex", is_flag=True,
              help="Article pages ask search engines not to index them (robots noindex).")
def serve(index_path: Path | None, host: str, port: int, threads: int, processes: int,
          cors_origins: tuple[str, ...], ingest_token_file, base_url: str | None,
          url_template: str | None, article_noindex: bool) -> None:
    """Serve the search page and JSON API with waitress (a production WSGI server).

    New commits to the index become visible between requests, without a restart. With
    --ingest-token-file a writer thread also commits what is pushed (within a second or two),
    leaving it to another indexer (index --watch) whenever that one holds the index. With
    --processes N, N waitress processes answer on the one port (web/prefork.py) and the writer
    runs in a process of its own; a process that dies is replaced, and SIGTERM or Ctrl-C to
    the first process stops them all.
    """
    import waitress

    from web import create_app, prefork

    ix_dir = _index_dir(index_path)
    try:
        ix_dir.open().close()
    except IndexProblem as exc:
        _error(str(exc))
        sys.exit(2)
    token = ingest_token_file.read().strip() if ingest_token_file else ""
    if ingest_token_file and len(token) < 16:
        _error(f"{ingest_token_file.name}: the ingest token must be at least 16 characters")
        sys.exit(2)
    app = create_app({"INDEX": str(ix_dir.root), "CORS_ORIGINS": list(cors_origins),
                      "INGEST_TOKEN": token, "BASE_URL": base_url, "URL_TEMPLATE": url_template,
                      "ARTICLE_NOINDEX": article_noindex})
    try:
        if processes == 1:
            server = waitress.create_server(app, host=host, port=port, threads=threads, ident="newsdesk")
        else:
            sock = prefork.listen(host, port)
    except OSError as exc:
        _error(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
        sys.exit(1)
    from .writer import start_writer

    def report(line: str) -> None:
        click.echo(line, err=True)

    workers = f" ({processes} processes)" if processes > 1 else ""
    click.echo(f"Serving {ix_dir.root} on http://{host}:{port}/{workers} (Ctrl-C to stop)")
    # Each answering process warms its archive once its socket listens (the first requests
    # wait in the queue); not the master before it forks, which would keep a copy of the
    # tables it never reads (at 100,000 articles 225 MB more in the master).
    archive = app.extensions["newsdesk.archive"]
    if processes == 1:
        if token:
            start_writer(ix_dir, report=report)
        archive.warm()
        server.run()
        return

    def run_worker(sock) -> None:
        archive.warm()
        waitress.create_server(app, sockets=[sock], threads=threads, ident="newsdesk").run()

    def run_writer(sock) -> None:
        sock.close()
        start_writer(ix_dir, report=report)
        threading.Event().wait()

    sys.exit(prefork.serve(run_worker, sock, processes, say=report, run_alone=run_writer if token else None))


if __name__ == "__main__":
    main()

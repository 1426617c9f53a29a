"""The part of `newsdesk index` that takes urls: apply what was pushed to the ingest API,
crawl sitemaps and feeds, and hand the mirror folders to the file run."""
from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Callable

import click

from indexer.store import IndexDir

# How long a run waits for the locks held by another indexer before it says who: long
# enough for a pass of serve's push writer (a few articles), short for a real second indexer.
LOCK_WAIT_SECONDS = 10.0


class PathOrUrl(click.ParamType):
    """An existing file or directory, or an http(s) url of a sitemap or feed."""

    name = "path_or_url"

    def convert(self, value, param, ctx):
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
        path = Path(value)
        if not path.exists():
            self.fail(f"{value!r} is neither an existing path nor an http(s) url", param, ctx)
        return path


def fetch_sources(urls: list[str], ix_dir: IndexDir, *, prune: bool, delay: float,
                  concurrency: int, dry_run: bool, stop: threading.Event, quiet: bool,
                  tidy: bool, error: Callable[[str], None],
                  named_before: set[str]) -> tuple[list[Path], bool, set[str]]:
    """Bring the mirror folders up to date (the caller holds the ingest lock, see
    `ingest_lock`); returns them (to index), whether a url failed and every problem line of
    this run. A line in `named_before` (the previous --watch pass's) is not shown again: a
    url that keeps failing is named once, until its reason changes.
    `tidy` first removes what killed runs left half-written."""
    from indexer.crawl import crawl  # urllib3, feedparser: only for runs that use them
    from indexer.remote import crawl_dir, mirror_paths, remove_leftovers
    from indexer.spool import drain

    root = ix_dir.root
    if dry_run:
        if urls:
            click.echo("Dry run: urls are not fetched; the pages fetched before are counted.")
        return mirror_paths(root), False, set()
    failed = False
    problems: set[str] = set()

    def named(line: str) -> None:
        if line not in named_before:
            error(line)
        problems.add(line)

    if tidy:
        remove_leftovers(root)
    applied = drain(ix_dir, on_error=lambda name, reason: named(f"{name}: {reason}"))
    if applied.files:
        click.echo(f"Applied {applied.files} queued push requests: {applied.put} articles, "
                   f"{applied.deleted} deletions ({applied.taken_down} of files' or crawled "
                   "articles, recorded as takedowns).")
    if urls:
        bar = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if not sys.stderr.isatty():
                return
            if bar is None:
                bar = click.progressbar(length=total, label="Fetching", file=sys.stderr)
                bar.__enter__()
            bar.update(1)

        try:
            summary = crawl(urls, crawl_dir(root), prune=prune, delay=delay,
                            concurrency=concurrency, on_progress=progress,
                            on_error=lambda url, reason: named(f"{url}: {reason}"),
                            should_stop=stop.is_set)
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
        failed = summary.failed > 0
        if not quiet or summary.changed or summary.pruned or not problems <= named_before:
            click.echo(
                f"Crawled {summary.listed} urls: fetched {summary.fetched} ({summary.changed} new "
                f"or changed), unchanged {summary.unchanged}, failed {summary.failed}, skipped "
                f"{summary.skipped}, pruned {summary.pruned}; {summary.requests} requests, "
                f"{summary.bytes / 1e6:.1f} MB in {summary.seconds:.1f}s")
    return mirror_paths(root), failed, problems

"""The `newsdesk` command: index, update, search, serve and inspect from a terminal."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from indexer.errors import ParseError
from indexer.parse import parse_file
from indexer.store import IndexDir, IndexProblem, default_index_dir
from indexer.writing import update_index

index_option = click.option(
    "--index", "index_path", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Index directory [default: $NEWSDESK_INDEX or ./newsdesk-index].")


def _index_dir(index_path: Path | None) -> IndexDir:
    return IndexDir(index_path or default_index_dir())


def _error(message: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsdesk")
def main() -> None:
    """newsdesk: search a news site's article archive.

    Index article files (site text pages, HTML pages, JSON Lines exports), then search them
    from the terminal or serve the search page and JSON API.
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, required=True,
              help="Print JSON Lines: one object per article (the only output format).")
@click.option("--no-entities", is_flag=True, help="Skip named-entity extraction (faster).")
def parse(paths: tuple[Path, ...], as_json: bool, no_entities: bool) -> None:
    """Parse article files and print what the indexer would store. No index is touched.

    PATHS are files or directories (walked recursively). Exit status 1 if any file failed.
    """
    from indexer.writing import walk

    failed = 0
    for src in walk(list(paths)):
        try:
            result = parse_file(src.path, src.root, with_entities=not no_entities)
        except (ParseError, OSError) as exc:
            _error(f"{src.path}: {exc}")
            failed += 1
            continue
        for problem in result.errors:
            _error(f"{src.path}: {problem}")
        for article in result.articles:
            click.echo(json.dumps(article.as_json(), ensure_ascii=False))
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@index_option
@click.option("--rebuild", is_flag=True,
              help="Build a fresh index beside the live one and swap it in when complete.")
@click.option("--dry-run", is_flag=True, help="Say what would be added, updated and deleted; write nothing.")
@click.option("--no-entities", is_flag=True, help="Skip named-entity extraction (faster).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Parser processes [default: one per CPU].")
def index(paths: tuple[Path, ...], index_path: Path | None, rebuild: bool, dry_run: bool,
          no_entities: bool, workers: int | None) -> None:
    """Index article files, incrementally.

    Only new and changed files are parsed; articles of files that disappeared from PATHS are
    deleted; a rerun with nothing changed does nothing. Bad files are named on stderr and
    skipped; the exit status is 1 if any file failed.
    """
    ix_dir = _index_dir(index_path)
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

    try:
        summary = update_index(
            list(paths), ix_dir, rebuild=rebuild, dry_run=dry_run, with_entities=not no_entities,
            workers=workers, on_error=lambda path, reason: _error(f"{path}: {reason}"),
            on_progress=progress)
    except IndexProblem as exc:
        _error(str(exc))
        sys.exit(2)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    verb = "would be " if dry_run else ""
    if not dry_run and summary.changed == 0 and summary.failed == 0:
        click.echo(f"Nothing to do: {summary.unchanged} files unchanged ({summary.seconds:.1f}s).")
    else:
        click.echo(
            f"{verb}added {summary.added}, {verb}updated {summary.updated}, {verb}deleted "
            f"{summary.deleted}, unchanged {summary.unchanged}, failed {summary.failed} files; "
            f"{summary.articles} articles parsed in {summary.seconds:.1f}s")
    sys.exit(1 if summary.failed else 0)

"""The files under the PATH arguments of a run: what the change scan compares with the manifest."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .manifest import Manifest, file_sha1
from .parse import is_article_file


@dataclass
class Source:
    """A file found under a PATH argument, with the root its relative id is taken from."""

    path: Path
    root: Path
    key: str
    size: int
    mtime_ns: int


def walk(paths: Iterable[Path]) -> Iterator[Source]:
    for given in paths:
        if given.is_dir():
            root = given
            files = sorted(p for p in given.rglob("*") if p.is_file() and is_article_file(p)
                           and not any(part.startswith(".") for part in p.relative_to(given).parts))
        else:
            root, files = given.parent, [given]
        for path in files:
            st = path.stat()
            yield Source(path, root, str(path.resolve()), st.st_size, st.st_mtime_ns)


def under(key: str, roots: list[Path]) -> bool:
    return any(key == str(r) or key.startswith(str(r) + os.sep) for r in roots)


@dataclass
class Changes:
    """What a run has to do: files to parse (with their hash), and sources whose files are gone."""

    todo: list[tuple[Source, str]] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    unchanged: int = 0


def scan(paths: list[Path], manifest: Manifest, unlisted: set[str]) -> Changes:
    """Compare the files under `paths` with the manifest. A file whose size and mtime match
    is not read; one whose content hash matches only has its size and mtime refreshed.
    `unlisted` are sources the index holds that the manifest does not list."""
    roots = [p.resolve() for p in paths]
    changes = Changes()
    seen: set[str] = set()
    for src in walk(paths):
        seen.add(src.key)
        old = manifest.files.get(src.key)
        if old and old.size == src.size and old.mtime_ns == src.mtime_ns:
            changes.unchanged += 1
            continue
        sha1 = file_sha1(src.path)
        if old and old.sha1 == sha1:
            old.size, old.mtime_ns = src.size, src.mtime_ns
            changes.unchanged += 1
            continue
        changes.todo.append((src, sha1))
    known = set(manifest.files) | unlisted
    changes.gone = sorted(key for key in known if key not in seen and under(key, roots))
    return changes

"""The files under the PATH arguments of a run, and the change scan that compares them with
the manifest: what to parse, what is gone, and what could not be looked at.

What cannot be looked at (an unreadable file or folder) is named and left as indexed: only a
file that is really absent deletes its articles."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .manifest import Manifest, file_sha1
from .parse import is_article_file, printable

VANISHED = "vanished while being indexed"


@dataclass
class Source:
    """A file found under a PATH argument, with the root its relative id is taken from."""

    path: Path
    root: Path
    key: str
    size: int
    mtime_ns: int


def source_key(path: Path, root: Path) -> str:
    """The manifest's and the index's name for a file: its absolute path as UTF-8 text, with
    the PATH it was found under resolved but not a followed symlink below it (removing the
    link removes the file's articles)."""
    return printable(str(root.resolve() / path.relative_to(root)))


def _root(given: Path) -> Path:
    """What a PATH's files are named relative to: a folder itself, a file's folder."""
    return given if given.is_dir() else given.parent


def under(key: str, roots: Iterable[str]) -> bool:
    return any(key == r or key.startswith(r + os.sep) for r in roots)


class Walk:
    """The article files under PATHs, each once, in path order. Hidden files and folders are
    skipped, and so are symlinks that lead outside the PATH they are found in, unless
    `follow_symlinks`. What cannot be looked at is collected in `problems` (path, reason)
    and, when it may hold indexed files, in `kept` (source keys whose articles must stay)."""

    def __init__(self, paths: Iterable[Path], follow_symlinks: bool = False) -> None:
        self.paths = list(paths)
        self.follow_symlinks = follow_symlinks
        self.problems: list[tuple[str, str]] = []
        self.kept: list[str] = []

    def __iter__(self) -> Iterator[Source]:
        keys: set[str] = set()
        for given in self.paths:
            root = _root(given)
            for path in self._files(given) if given.is_dir() else [given]:
                key = source_key(path, root)
                real = os.path.realpath(path) if self.follow_symlinks else key
                if key in keys or real in keys:  # under two PATHs, or two links to one file
                    continue
                try:
                    st = path.stat()
                except FileNotFoundError:
                    self.problem(path, VANISHED)
                    continue
                except OSError as exc:
                    self.cannot_read(path, root, exc)
                    continue
                keys.update((key, real))
                yield Source(path, root, key, st.st_size, st.st_mtime_ns)

    def problem(self, path: Path, reason: str) -> None:
        self.problems.append((printable(path.as_posix()), reason))

    def cannot_read(self, path: Path, root: Path, exc: OSError, what: str = "") -> None:
        self.problem(path, f"{what}cannot be read ({exc.strerror or exc}); "
                           "its articles already in the index are kept")
        self.kept.append(source_key(path, root))

    def _files(self, root: Path) -> list[Path]:
        inside = root.resolve()
        found: list[Path] = []
        visited: set[tuple[int, int]] = set()
        folders = [root]
        while folders:
            folder = folders.pop()
            try:
                st = folder.stat()
                if (st.st_dev, st.st_ino) in visited:  # a symlink loop, when following them
                    continue
                visited.add((st.st_dev, st.st_ino))
                with os.scandir(folder) as listing:
                    entries = list(listing)
            except FileNotFoundError:
                continue  # removed while we walked: its files are gone
            except OSError as exc:
                self.cannot_read(folder, root, exc, "folder ")
                continue
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                path = Path(entry.path)
                try:
                    if entry.is_symlink() and not self.follow_symlinks:
                        target = Path(os.path.realpath(path))  # a symlink loop is no error
                        if target != inside and inside not in target.parents:
                            self.problem(path, f"symlink to {printable(str(target))}, outside "
                                               f"{printable(str(root))}: not followed "
                                               "(--follow-symlinks follows it)")
                        continue  # one inside the PATH leads to what is walked anyway
                    if entry.is_dir():
                        folders.append(path)
                    elif entry.is_file() and is_article_file(path):
                        found.append(path)
                except OSError as exc:
                    self.cannot_read(path, root, exc)
        return sorted(found)


@dataclass
class Changes:
    """What a run has to do: files to parse (with their hash), sources whose files are gone,
    and the files and folders that could not be looked at (named, left as indexed)."""

    todo: list[tuple[Source, str]] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)


def scan(paths: list[Path], manifest: Manifest, unlisted: set[str],
         follow_symlinks: bool = False) -> Changes:
    """Compare the files under `paths` with the manifest. A file whose size and mtime match
    is not read; one whose content hash matches only has its size and mtime refreshed.
    `unlisted` are sources the index holds that the manifest does not list."""
    roots = [source_key(p, _root(p)) for p in paths]
    changes = Changes()
    seen: set[str] = set()
    files = Walk(paths, follow_symlinks)
    for src in files:
        old = manifest.files.get(src.key)
        if old and old.size == src.size and old.mtime_ns == src.mtime_ns:
            seen.add(src.key)
            changes.unchanged += 1
            continue
        try:
            sha1 = file_sha1(src.path)
        except FileNotFoundError:
            files.problem(src.path, VANISHED)
            continue
        except OSError as exc:
            files.cannot_read(src.path, src.root, exc)
            continue
        seen.add(src.key)
        if old and old.sha1 == sha1:
            old.size, old.mtime_ns = src.size, src.mtime_ns
            changes.unchanged += 1
            continue
        changes.todo.append((src, sha1))
    known = set(manifest.files) | unlisted
    changes.gone = sorted(key for key in known if key not in seen and under(key, roots)
                          and not under(key, files.kept))
    changes.problems = files.problems
    return changes

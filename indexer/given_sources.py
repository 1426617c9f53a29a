"""The PATHS and urls `newsdesk index` was given, kept in the index directory so that
`newsdesk update` brings the index up to date with them without being told them again.

Every run adds what it was given (an index built from two folders by two runs updates
both); a --rebuild, which builds the index from its own PATHS alone, replaces them."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .durable import write_atomic

SOURCES_FILE = "sources.json"


@dataclass
class GivenSources:
    paths: list[str] = field(default_factory=list)  # absolute, as given (symlinks kept)
    urls: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, index_root: Path) -> "GivenSources":
        try:
            raw = json.loads((index_root / SOURCES_FILE).read_text())
        except (OSError, json.JSONDecodeError):
            return cls()
        return cls([str(p) for p in raw.get("paths", [])], [str(u) for u in raw.get("urls", [])])


def remember(index_root: Path, paths: Iterable[Path], urls: Iterable[str], replace: bool) -> GivenSources:
    """Add this run's PATHS and urls to those kept (or keep only them: `replace`)."""
    given = GivenSources() if replace else GivenSources.load(index_root)
    for path in map(os.path.abspath, paths):
        if path not in given.paths:
            given.paths.append(path)
    for url in urls:
        if url not in given.urls:
            given.urls.append(url)
    write_atomic(index_root / SOURCES_FILE, json.dumps({"paths": given.paths, "urls": given.urls},
                                                       ensure_ascii=False).encode())
    return given

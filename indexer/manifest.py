"""What each indexed file looked like when its articles were last committed.

Saved only after the commit that holds those articles, so after a crash the manifest may lag
the index (those files are parsed again and their articles replaced by id) but never leads it."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .durable import file_sha1, write_atomic

MANIFEST_FILE = "manifest.json"


@dataclass
class FileState:
    sha1: str
    size: int
    mtime_ns: int
    articles: int = 0
    # Set when the file could not be parsed: it is not retried until it changes.
    error: str | None = None


@dataclass
class Manifest:
    files: dict[str, FileState] = field(default_factory=dict)
    # The Whoosh generation (TOC number) of the commit this manifest was saved after.
    generation: int = -1

    @classmethod
    def load(cls, gen: Path) -> "Manifest":
        try:
            raw = json.loads((gen / MANIFEST_FILE).read_text())
        except (OSError, json.JSONDecodeError):
            return cls()
        return cls({key: FileState(**state) for key, state in raw.get("files", {}).items()},
                   raw.get("generation", -1))

    def save(self, gen: Path) -> None:
        data = {"generation": self.generation,
                "files": {key: asdict(state) for key, state in sorted(self.files.items())}}
        write_atomic(gen / MANIFEST_FILE, json.dumps(data, separators=(",", ":")).encode())

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from indexer.store import IndexDir
from indexer.writing import update_index

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
CORPUS = Path(os.environ.get("NEWSDESK_CORPUS", REPO.parent / "shared" / "corpus"))
SEED = CORPUS / "seed" / "london-daily-us-russia-drone.txt"


def corpus(*parts: str) -> Path:
    """A path in ../shared/corpus, or skip: the real data is not in this repo."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not found: the shared test corpus (../shared/corpus) is absent")
    return path


@pytest.fixture(scope="session")
def examples_index(tmp_path_factory) -> Path:
    """The bundled examples, indexed once with entities (read-only for tests)."""
    root = tmp_path_factory.mktemp("examples-index") / "ix"
    summary = update_index([EXAMPLES], IndexDir(root), workers=1)
    assert summary.failed == 0
    return root


@pytest.fixture()
def articles_dir(tmp_path: Path) -> Path:
    """A writable copy of the examples to add, change and delete files in."""
    target = tmp_path / "articles"
    shutil.copytree(EXAMPLES, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


@pytest.fixture(scope="session")
def bbc(tmp_path_factory):
    """All 2,225 BBC articles (no entities): sections, duplicates-in-the-wild, real words."""
    from searcher import Archive

    root = tmp_path_factory.mktemp("bbc") / "ix"
    update_index([corpus("bbc-news")], IndexDir(root), with_entities=False)
    return Archive(root)

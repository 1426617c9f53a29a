"""One kind per name across the archive: the kind most articles give it.

An article gives each name one kind (indexer.entities), but the model may still call
"Chelsea" a person in one article and a club in forty others. Facets, stats and suggestions
count a name under the kind the whole archive votes for, so no name is listed twice. It is
decided when read, from the live articles' counts, so no old article keeps a stale choice."""
from __future__ import annotations

from collections import Counter
from itertools import combinations
from typing import Mapping

from .schema import ENTITY_FIELDS as KINDS


def archive_kinds(archive: Mapping[str, Counter]) -> dict[str, str]:
    """Names the live articles give more than one kind → the kind most of them give (the
    earlier in KINDS on a tie). `archive[kind]` counts the articles naming each name so."""
    shared = set().union(*(archive[a].keys() & archive[b].keys() for a, b in combinations(KINDS, 2)))
    return {name: max(KINDS, key=lambda k: (archive[k].get(name, 0), -KINDS.index(k))) for name in shared}


def regroup(counts: Mapping[str, Counter], kinds: Mapping[str, str]) -> dict[str, Counter]:
    """Per-kind name counts (of any set of articles) with each name of `kinds` (from
    archive_kinds) moved to its archive kind. The Counters given are never changed."""
    out = dict(counts)
    copied: set[str] = set()
    for name, best in kinds.items():
        for kind in KINDS:
            if kind == best or kind not in out or name not in out[kind]:
                continue
            for changed in (kind, best):
                if changed not in copied:
                    out[changed] = Counter(out[changed])
                    copied.add(changed)
            out[best][name] += out[kind].pop(name)
    return out

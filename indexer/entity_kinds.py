"""One kind per name across the archive: the kind most articles give it.

An article gives each name one kind (indexer.entities), but the model may still call
"Chelsea" a person in one article and a club in forty others. Facets, stats and suggestions
count a name under the kind the whole archive votes for, so no name is listed twice. It is
decided when read, from the live articles' counts, so no old article keeps a stale choice.

The same counts say which one-word names are common nouns: "Budget" is named in 22 BBC
articles (alone or in a longer name) while 126 have the word in their text, "House" 15
(with "White House", "House of Commons"...) of 198: the model reading the capital of a
sentence start or of "the Budget" as a name. Such a name is dropped (kind DROPPED); "Blair"
stays, as most articles with the word name "Tony Blair".
"""
from __future__ import annotations

from collections import Counter
from itertools import combinations
from typing import Callable, Mapping

from .schema import ENTITY_FIELDS as KINDS

# The kind of a name no facet lists.
DROPPED = ""
# A one-word name is a name when at least this share of the articles with the word name it.
MIN_NAMED_SHARE = 0.5
# ... of at least this many articles: in fewer, the model missing a name in a few (a county in
# cricket tables) reads as a common word (CoNLL: "Montreal" named in 2 of 5 stories).
MIN_WORD_ARTICLES = 20
# A one-word name is a countable thing, not a name, when articles write its plural in at least
# this share of as many articles as write the word: BBC "iPods" 11 of 36, "Baftas" 8 of 20,
# "banks" 65 of 143, against "Apples" 1 of 55, "Shells" 2 of 18, "Foxes" 6 of 42.
MAX_PLURAL_SHARE = 0.25


def archive_kinds(archive: Mapping[str, Counter],
                  articles_with_word: Callable[[str], int] | None = None,
                  articles_with_form: Callable[[str], int] | None = None) -> dict[str, str]:
    """Names the live articles give more than one kind → the kind most of them give (the
    earlier in KINDS on a tie); one-word names that fewer than MIN_NAMED_SHARE of the
    articles with the word (`articles_with_word`, the body's document frequency; at least
    MIN_WORD_ARTICLES) name, alone or in a longer name → DROPPED, and so are one-word names
    whose plural is written (`articles_with_form`: articles with exactly that word, any
    case) in MAX_PLURAL_SHARE of as many articles as the word itself, of at least
    MIN_WORD_ARTICLES. Not people: the frequency is of the body's stem, and a surname shares
    one with common words ("Browne", "brown"); a family is a plural ("the Blairs").
    `archive[kind]` counts the articles naming each name so."""
    shared = set().union(*(archive[a].keys() & archive[b].keys() for a, b in combinations(KINDS, 2)))
    kinds = {name: max(KINDS, key=lambda k: (archive[k].get(name, 0), -KINDS.index(k))) for name in shared}
    if articles_with_word is not None:
        named: Counter = Counter()
        for kind in KINDS:
            named.update(archive[kind])
        covered: Counter = Counter()  # per word, articles naming it alone or in a longer name
        for name, n in named.items():
            for word in set(name.split()):
                covered[word] += n
        for name in named:
            if " " not in name and kinds.get(name, _only_kind(archive, name)) != "people":
                with_word = articles_with_word(name)
                if with_word >= MIN_WORD_ARTICLES and covered[name] < MIN_NAMED_SHARE * with_word:
                    kinds[name] = DROPPED
                elif articles_with_form is not None and _countable(name, articles_with_form):
                    kinds[name] = DROPPED
    return kinds


def _countable(name: str, articles_with_form: Callable[[str], int]) -> bool:
    """The archive writes the name's plural ("iPods", "Baftas") often beside the word."""
    word = name.casefold()
    singular = articles_with_form(word)
    plural = max(articles_with_form(word + "s"), articles_with_form(word + "es"))
    return singular >= MIN_WORD_ARTICLES and plural >= MAX_PLURAL_SHARE * singular


def _only_kind(archive: Mapping[str, Counter], name: str) -> str:
    return next(kind for kind in KINDS if name in archive[kind])


def regroup(counts: Mapping[str, Counter], kinds: Mapping[str, str]) -> dict[str, Counter]:
    """Per-kind name counts (of any set of articles) with each name of `kinds` (from
    archive_kinds) moved to its archive kind, or dropped. The Counters given are never
    changed."""
    out = dict(counts)
    copied: set[str] = set()
    for name, best in kinds.items():
        for kind in KINDS:
            if kind == best or kind not in out or name not in out[kind]:
                continue
            for changed in (kind, best) if best != DROPPED else (kind,):
                if changed not in copied:
                    out[changed] = Counter(out[changed])
                    copied.add(changed)
            n = out[kind].pop(name)
            if best != DROPPED:
                out[best][name] += n
    return out


def shown(names: Mapping[str, list[str]], kinds: Mapping[str, str]) -> dict[str, list[str]]:
    """One article's names per kind as readers see them beside it (chips), by the rule the
    facets count them with: each name of `kinds` under its archive kind, or left out."""
    out: dict[str, list[str]] = {kind: [] for kind in names}
    for kind, listed in names.items():
        for name in listed:
            best = kinds.get(name, kind)
            if best != DROPPED and name not in out.setdefault(best, []):
                out[best].append(name)
    return out

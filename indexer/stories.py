"""The same story told twice: MinHash band keys of an article's body, so that exact and
near-duplicate articles (a wire story filed again with a line changed, one file indexed
under two names) can be listed once.

An article's body becomes its set of word 5-shingles; a MinHash signature of NUM_PERM
values estimates how much two such sets overlap (Jaccard similarity), and cut into BANDS
bands of ROWS values each, two articles that share any one band are candidates. With 16
bands of 8 rows two articles overlapping by 0.9 share a band with probability 0.9999, at
0.7 with 0.61, at 0.5 with 0.06 (1 − (1 − s^8)^16); bench/duplicates.py measures precision
and recall of the result on real sets. The searcher joins articles sharing a band key into
one story (searcher/stories.py)."""
from __future__ import annotations

import hashlib
import re

import numpy as np

SHINGLE_WORDS = 5
BANDS = 16
ROWS = 8
NUM_PERM = BANDS * ROWS
# Too little text to tell one story from another: "Scores in brief" is not a twin of every
# other results table with the same 20 words.
MIN_WORDS = 25
_WORD = re.compile(r"\w+")
# MinHash's universal hashing, (a·h + b) mod a Mersenne prime, with NUM_PERM pairs (a, b)
# drawn once from a fixed seed: the same for every article and every run.
_PRIME = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
_rng = np.random.RandomState(1)
_A = _rng.randint(1, int(_PRIME), size=NUM_PERM, dtype=np.uint64)
_B = _rng.randint(0, int(_PRIME), size=NUM_PERM, dtype=np.uint64)


def shingles(body: str) -> set[bytes]:
    words = _WORD.findall(body.casefold())
    return {" ".join(words[i:i + SHINGLE_WORDS]).encode("utf-8")
            for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}


def signature(items: set[bytes]) -> np.ndarray:
    """The MinHash signature of a set: per hash function, the least hash of any member."""
    hashes = np.fromiter((int.from_bytes(hashlib.blake2b(i, digest_size=4).digest(), "little") for i in items),
                         dtype=np.uint64, count=len(items))
    permuted = (np.outer(hashes, _A) + _B) % _PRIME & _MAX_HASH
    return permuted.min(axis=0)


def story_bands(body: str) -> str:
    """The article's band keys, comma-joined for a KEYWORD field; "" when the body is too
    short to compare."""
    if len(_WORD.findall(body)) < MIN_WORDS:
        return ""
    values = signature(shingles(body))
    keys = []
    for band in range(BANDS):
        chunk = values[band * ROWS:(band + 1) * ROWS].tobytes()
        keys.append(f"{band:x}{hashlib.blake2b(chunk, digest_size=6).hexdigest()}")
    return ",".join(keys)

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
import zlib

import numpy as np

SHINGLE_WORDS = 5
BANDS = 16
ROWS = 8
NUM_PERM = BANDS * ROWS
# Too little text to tell one story from another: "Scores in brief" is not a twin of every
# other results table with the same 20 words.
MIN_WORDS = 25
_WORD = re.compile(r"\w+")
# MinHash's universal hashing: multiply-add-shift, the top 32 bits of (a·h + b) mod 2^64
# for odd a (Dietzfelbinger), with NUM_PERM pairs (a, b) drawn once from a fixed seed, the
# same for every article and every run.
_MAX_HASH = np.uint64((1 << 32) - 1)
_SHIFT = np.uint64(32)
_rng = np.random.RandomState(1)
_A = _rng.randint(0, 1 << 64, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
_B = _rng.randint(0, 1 << 64, size=NUM_PERM, dtype=np.uint64)
# Combines the word hashes of a shingle (an odd 64-bit constant, the golden ratio's).
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def shingles(body: str) -> set[bytes]:
    """The body's word 5-shingles as text (what bench/duplicates.py measures overlap on)."""
    words = _WORD.findall(body.casefold())
    return {" ".join(words[i:i + SHINGLE_WORDS]).encode("utf-8")
            for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}


def shingle_hashes(words: list[str]) -> np.ndarray:
    """One 32-bit hash per distinct word 5-shingle: each word's CRC-32, five consecutive ones
    combined as a polynomial (numpy, wrapping at 64 bits), never the shingle's text. With
    blake2b of each shingle's text and a prime modulus, story keys cost 0.27 ms an article
    (Reuters, one core); this way 0.14 ms."""
    hashes = np.fromiter((zlib.crc32(w.encode("utf-8")) for w in words), dtype=np.uint64, count=len(words))
    count = max(1, len(words) - SHINGLE_WORDS + 1)
    combined = hashes[:count].copy()
    for k in range(1, min(SHINGLE_WORDS, len(words))):
        combined = combined * _MULTIPLIER + hashes[k:k + count]
    return np.unique(combined & _MAX_HASH)


def signature(hashes: np.ndarray) -> np.ndarray:
    """The MinHash signature of a set of hashes: per hash function, the least of any member."""
    return ((np.outer(hashes, _A) + _B) >> _SHIFT).min(axis=0)


def story_bands(body: str) -> str:
    """The article's band keys, comma-joined (the story column); "" when the body is too
    short to compare."""
    words = _WORD.findall(body.casefold())
    if len(words) < MIN_WORDS:
        return ""
    values = signature(shingle_hashes(words))
    keys = []
    for band in range(BANDS):
        chunk = values[band * ROWS:(band + 1) * ROWS].tobytes()
        keys.append(f"{band:x}{hashlib.blake2b(chunk, digest_size=6).hexdigest()}")
    return ",".join(keys)

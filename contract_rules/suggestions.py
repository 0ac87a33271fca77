""" "Did you mean ...?": the one place that suggests a declared name for a misspelt one.

Every message that names an unknown key, event type, field, party, norm, instance key, ...
builds its hint here, so the rule file's findings, the import mapping's findings and the CLI's
errors suggest alike. A leaf module: it imports nothing of the package.

>>> did_you_mean("respnse", ["request", "response"])
"; did you mean 'response'?"
>>> did_you_mean("zzz", ["request", "response"])
''
>>> suggest("zzz", ["b", "a"])
'; declared: a, b'
"""

from __future__ import annotations

import difflib
import heapq
from collections.abc import Callable, Iterable

__all__ = ["closest", "did_you_mean", "suggest"]

#: How alike two names must be (difflib's ratio) to be suggested.
CUTOFF = 0.6
#: Names longer than this are neither given a suggestion nor suggested: difflib's cost grows
#: with the square of the length, and no one misspells a name of a hundred characters.
MAX_NAME_CHARS = 100
#: At most this many candidates (those nearest in length to the name) are compared by difflib.
MAX_CANDIDATES = 500


def closest(
    name: str, candidates: Iterable[str], *, loose: Callable[[str], str] | None = None
) -> str | None:
    """The candidate closest to ``name``, or None when none is close enough.

    With ``loose``, a candidate equal to ``name`` once both pass through ``loose`` (e.g. case
    folded) wins first, in the order given. Otherwise difflib's best match above
    :data:`CUTOFF` among the :data:`MAX_CANDIDATES` candidates nearest in length;
    deterministic whatever the order or repeats of ``candidates``. Names (``name`` or a
    candidate) over :data:`MAX_NAME_CHARS` characters take no part, so the cost is bounded
    whatever the input; ``loose`` is never called on them.
    """
    if len(name) > MAX_NAME_CHARS:
        return None
    names = [n for n in candidates if len(n) <= MAX_NAME_CHARS]
    if loose is not None:
        key = loose(name)
        for n in names:
            if loose(n) == key:
                return n
    pool = sorted(set(names))
    if len(pool) > MAX_CANDIDATES:
        size = len(name)
        pool = sorted(heapq.nsmallest(MAX_CANDIDATES, pool, key=lambda n: (abs(len(n) - size), n)))
    match = difflib.get_close_matches(name, pool, n=1, cutoff=CUTOFF)
    return match[0] if match else None


def did_you_mean(
    name: str, candidates: Iterable[str], *, loose: Callable[[str], str] | None = None
) -> str:
    """``"; did you mean 'x'?"`` naming :func:`closest` candidate, or ``""`` if none is close."""
    match = closest(name, candidates, loose=loose)
    return "" if match is None else f"; did you mean {match!r}?"


def suggest(name: str, candidates: Iterable[str], *, shown: int = 12) -> str:
    """:func:`did_you_mean`, else the declared names (the first ``shown`` of them, sorted), else
    ``"; none are declared"``: a finding about an unknown name always says what is known."""
    names = sorted(set(candidates))
    hint = did_you_mean(name, names)
    if hint:
        return hint
    if not names:
        return "; none are declared"
    listed = ", ".join(names[:shown]) + (", ..." if len(names) > shown else "")
    return f"; declared: {listed}"

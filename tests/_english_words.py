"""Words that give an English text away in an Indonesian output or screen (issue 23).

Each is an English word (or a column code spelt in English) that has an Indonesian word the
reader should see instead. Words that are the same in both languages (``data``, ``target``,
``status``, ``total``) or are names (``OpenStreetMap``, ``HiGHS``) are not listed.
"""

from __future__ import annotations

import re

ENGLISH = frozenset(
    [
        "exact",
        "fuzzy",
        "unserved",
        "served",
        "matched",
        "unmatched",
        "swapped",
        "upload",
        "uploaded",
        "choose",
        "options",
        "empty",
        "username",
        "role",
        "created_by",
        "rank",
        "ranking",
        "score",
        "scores",
        "kind",
        "approximately",
        "village",
        "villages",
        "clients",
        "client",
        "agents",
        "coordinates",
        "outside",
        "missing",
        "ignored",
        "duplicate",
        "unknown",
        "file",
        "files",
        "rows",
        "read",
        "skipped",
        "header",
        "column",
        "value",
        "action",
        "problem",
        "reason",
        "reasons",
        "sites",
        "plan",
        "pilots",
        "district",
        "regency",
        "province",
        "the",
        "and",
        "of",
        "not",
        "with",
        "from",
        "found",
        "placed",
        "row",
    ]
)

_WORD = re.compile(r"[A-Za-z_]+")
#: what a text quotes rather than says: a template field ``{n}``, a quoted or backticked name
#: (a column the user's file must have, a command), a file name or dotted scenario key
#: (``ranking.csv``, ``plan.max_per_kab``), an option (``--groups``)
_QUOTED = re.compile(r"\{[^}]*\}|'[^'\n]*'|`[^`\n]*`|\S+\.[A-Za-z_{]\S*|--\S+")


def english_words(text: object) -> set[str]:
    """The listed English words in ``text`` (case-insensitive; ``created_by`` is one word),
    leaving out what the text quotes (see ``_QUOTED``)."""
    if text is None:
        return set()
    said = _QUOTED.sub(" ", str(text))
    return {w for w in (m.lower() for m in _WORD.findall(said)) if w in ENGLISH}

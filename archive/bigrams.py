"""Dictionary-free Chinese tokens for full-text search: overlapping character bigrams.

Text is NFKC-normalised and lower-cased, then cut into runs of Han characters
and runs of ASCII letters and digits; everything else (punctuation, spaces)
separates runs. A Han run becomes its overlapping bigrams followed by its last
character alone (流动人口 → 流动 动人 人口 口), so that

- a query of two or more characters is the phrase of its bigrams, found
  wherever those characters stand next to each other;
- a one-character query is a prefix search (口*), which matches both the
  bigrams that start with it and the run-final character;
- a query mixing letters or digits with Han (2025年) lines up with the index
  token for token, because both sides cut runs the same way.

A letter/digit run is one token (2025, pdf). The same tokens feed SQLite FTS5
and PostgreSQL's ``to_tsvector('simple', …)``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_RUN = re.compile(
    r"(?P<han>[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+)"
    r"|(?P<word>[0-9a-z]+)"
)


@dataclass(frozen=True)
class Term:
    """One query term: a phrase of tokens, the last one possibly a prefix."""

    text: str  # as the user typed it, for highlighting
    tokens: tuple[str, ...]
    prefix: bool  # the last token matches as a prefix


def _runs(text: str) -> list[tuple[str, str]]:
    normalized = unicodedata.normalize("NFKC", text).lower()
    return [(m.lastgroup or "", m.group()) for m in _RUN.finditer(normalized)]


def _han_tokens(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)] + [run[-1]]


def index_tokens(text: str) -> list[str]:
    """The tokens of a document's text, in order (positions matter for phrases)."""
    tokens: list[str] = []
    for kind, run in _runs(text):
        tokens.extend(_han_tokens(run) if kind == "han" else [run])
    return tokens


def parse_term(text: str) -> Term | None:
    """One whitespace-free query term as a phrase; None when it has no searchable characters."""
    runs = _runs(text)
    if not runs:
        return None
    tokens: list[str] = []
    for kind, run in runs[:-1]:
        # Inside the phrase a run is followed by another, as in the index.
        tokens.extend(_han_tokens(run) if kind == "han" else [run])
    kind, run = runs[-1]
    if kind == "han" and len(run) > 1:
        # The document's run may go on after the query ends: no run-final token.
        tokens.extend(run[i:i + 2] for i in range(len(run) - 1))
        return Term(text, tuple(tokens), prefix=False)
    tokens.append(run)
    return Term(text, tuple(tokens), prefix=kind == "han")


def parse_query(text: str) -> list[Term]:
    """Whitespace-separated terms, all of which a document must contain."""
    return [term for part in text.split() if (term := parse_term(part)) is not None]


def fts5_query(terms: list[Term]) -> str:
    """The terms as an SQLite FTS5 MATCH expression (phrases joined by AND)."""
    return " AND ".join(f'"{" ".join(t.tokens)}"' + (" *" if t.prefix else "") for t in terms)


def tsquery(terms: list[Term]) -> str:
    """The terms as PostgreSQL ``to_tsquery`` text (``<->`` phrases joined by ``&``)."""
    phrases = []
    for term in terms:
        tokens = list(term.tokens)
        if term.prefix:
            tokens[-1] += ":*"
        phrases.append("(" + " <-> ".join(tokens) + ")")
    return " & ".join(phrases)

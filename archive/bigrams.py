"""Dictionary-free Chinese tokens for full-text search: overlapping character bigrams.

Text is folded character by character (:func:`fold`): NFKC, lower case, and
Traditional characters to Simplified (OpenCC), so 流動人口 and 流动人口 give the same
tokens and a search typed in either script finds both. Folding never changes the
text's length, so a match found in the folded text is at the same place in the
text as stored (snippets mark it there). The folded text is cut into runs of Han
characters and runs of ASCII letters and digits; everything else (punctuation,
spaces) separates runs. A Han run becomes its overlapping bigrams followed by its
last character alone (流动人口 → 流动 动人 人口 口), so that

- a query of two or more characters is the phrase of its bigrams, found
  wherever those characters stand next to each other;
- a one-character query is a prefix search (口*), which matches both the
  bigrams that start with it and the run-final character;
- a query mixing letters or digits with Han (2025年) lines up with the index
  token for token, because both sides cut runs the same way.

A letter/digit run is one token (2025, pdf). The same tokens feed SQLite FTS5
and PostgreSQL's ``to_tsvector('simple', …)``. Changing what :func:`fold` or
:func:`index_tokens` return changes the index: it needs a migration that
re-indexes (as 0007 did), since SQLite removes an entry by repeating its tokens.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc

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


@lru_cache(maxsize=None)
def _converters() -> tuple[opencc.OpenCC, ...]:
    # s2t first: a variant Simplified character (侭) goes to its Traditional form (儘)
    # and back to the standard one (尽). Then t2s, and the Taiwan and Hong Kong forms
    # that t2s leaves alone (s2tw writes 著 for 着, s2hk 衞 for 卫).
    return tuple(opencc.OpenCC(config) for config in ("s2t", "t2s", "tw2s", "hk2s"))


def _fold_char(char: str) -> str:
    normalized = unicodedata.normalize("NFKC", char).lower()
    if len(normalized) != 1:  # e.g. ㈠ → (一): keep the text's length
        normalized = char.lower() if len(char.lower()) == 1 else char
    if not _RUN.fullmatch(normalized) or normalized.isascii():
        return normalized
    to_traditional, *to_simplified = _converters()
    traditional = to_traditional.convert(normalized)
    if len(traditional) == 1:
        normalized = traditional
    for converter in to_simplified:
        simplified = converter.convert(normalized)
        if len(simplified) == 1 and simplified != normalized:
            return simplified
    return normalized


class _FoldTable(dict[int, str]):
    """``str.translate`` table filled on first sight of each character."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """``text`` with each character NFKC-normalised, lower-cased and made Simplified.

    One character in, one character out, so offsets in the result are offsets in
    ``text``. Conversion is per character (乾 folds to 干 even in 乾隆); both the
    index and queries fold the same way, so that costs no matches.
    """
    return text.translate(_FOLD)


def _runs(text: str) -> list[tuple[str, str]]:
    return [(m.lastgroup or "", m.group()) for m in _RUN.finditer(fold(text))]


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

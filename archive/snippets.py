"""Snippets: the stretch of a found document's text around its first match.

A snippet is the text as stored plus where each searched term lies in it, so every
reader marks the terms its own way (the web page with ``<mark>``, the terminal in
colour, the API as offsets) and text that itself holds brackets such as 【通知】 is
never mistaken for a mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wenshu.archive.bigrams import Term, fold

SNIPPET_CHARS = 80

# Latin and Han runs; a term may be split by anything else (punctuation, spaces).
_LATIN = "0-9a-z"
_HAN = "\u3007\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_BETWEEN_RUNS = f"[^{_LATIN}{_HAN}]*"


@dataclass(frozen=True)
class Snippet:
    """About SNIPPET_CHARS characters of a text, … where cut, and the terms' places."""

    text: str
    marks: tuple[tuple[int, int], ...] = ()  # (start, end) in ``text``, in order, apart

    def parts(self) -> list[tuple[str, bool]]:
        """The text in pieces, each with whether it is a matched term."""
        pieces, at = [], 0
        for start, end in self.marks:
            pieces += [(self.text[at:start], False), (self.text[start:end], True)]
            at = end
        pieces.append((self.text[at:], False))
        return [(text, marked) for text, marked in pieces if text]


def _term_pattern(term: Term) -> str:
    """A regex for a term in folded text: runs may be split by punctuation or spaces."""
    folded = fold(term.text)
    runs = re.findall(f"[{_LATIN}]+|[{_HAN}]+", folded)
    return _BETWEEN_RUNS.join(re.escape(run) for run in runs) or re.escape(folded)


def make_snippet(body: str, terms: list[Term], width: int = SNIPPET_CHARS) -> Snippet:
    """About ``width`` characters of ``body`` around the first match of any term, with
    every match in it marked; the opening of ``body`` when there are no terms.

    Matching is done on the folded text (Traditional or Simplified, any case), and
    the marks are places in the characters as stored.
    """
    flat = " ".join(body.split())
    if not terms:
        return Snippet(flat[:width] + ("…" if len(flat) > width else ""))
    patterns = sorted((_term_pattern(t) for t in terms), key=len, reverse=True)
    matcher = re.compile("|".join(f"(?:{p})" for p in patterns))
    folded = fold(flat)  # same length as flat: offsets carry over
    first = matcher.search(folded)
    start = 0 if first is None else max(0, first.start() - width // 4)
    end = max(start + width, first.end() if first else 0)
    lead = "…" if start > 0 else ""
    marks = tuple((m.start() - start + len(lead), m.end() - start + len(lead))
                  for m in matcher.finditer(folded, start, end))
    return Snippet(lead + flat[start:end] + ("…" if end < len(flat) else ""), marks)

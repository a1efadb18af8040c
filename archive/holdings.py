"""What units hold in the archive, for the archive items of an inspection checklist.

A checklist asks, per unit, whether the year's documents were made and filed; this
module answers from the archive's tables, as the archive stands now or as it stood
at an earlier moment (a follow-up inspection judges what was there back then).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from wenshu.compute.checklist import ArchiveHoldings
from wenshu.db import as_utc
from wenshu.models.tables import Document, DocumentVersion


def archive_holdings(session: Session, unit_codes: Iterable[str], year: int, *,
                     as_of: datetime | None = None) -> dict[str, ArchiveHoldings]:
    """What each unit holds in the archive for ``year``: (kind, period) → "filed" | "draft".

    A document counts as filed when any version was filed (a superseded version was
    filed and replaced by a filed correction); as a draft when it has only drafts.
    Disposed versions no longer count. Documents of both scripts count alike.
    With ``as_of``, what the units held at that moment: versions made later are left
    out, and a version filed later counts as the draft it then was (a follow-up
    inspection judges the earlier one as it was).
    """
    codes = sorted(set(unit_codes))
    holdings: dict[str, dict[tuple[str, str], str]] = {code: {} for code in codes}
    if not codes:
        return holdings
    query = (select(Document.unit_code, Document.kind, Document.period, DocumentVersion.status,
                    DocumentVersion.filed_at)
             .join(DocumentVersion, DocumentVersion.document_id == Document.id)
             .where(Document.unit_code.in_(codes),
                    or_(Document.period == str(year), Document.period.like(f"{year}%"))))
    if as_of is not None:
        query = query.where(DocumentVersion.created_at <= as_of)
    for unit_code, kind, period, status, filed_at in session.execute(query):
        if status == "disposed":
            continue
        filed = status in ("filed", "superseded") and (
            as_of is None or (filed_at is not None and as_utc(filed_at) <= as_utc(as_of)))
        best = "filed" if filed else "draft"
        held = holdings[unit_code]
        if held.get((kind, period)) != "filed":
            held[(kind, period)] = best
    return holdings

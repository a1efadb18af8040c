"""What units hold in the archive, as a checklist's archive items read it: now and back then."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.drafts import add_document
from wenshu.archive.holdings import archive_holdings

EAST_LAKE, EAST_HILL, WEST_LAKE = "440307001001", "440307001002", "440307002001"


def test_archive_holdings_give_each_documents_best_status(session, small_tree):
    add_document(session, EAST_LAKE, "work_plan", "2025", "draft", "filed")
    add_document(session, EAST_LAKE, "half_year_summary", "2025H1", "draft")
    add_document(session, EAST_LAKE, "year_summary", "2025", "superseded", "draft")
    add_document(session, EAST_LAKE, "campaign_plan", "2025", "disposed")
    add_document(session, EAST_LAKE, "year_summary", "2024", "filed")
    add_document(session, EAST_HILL, "work_plan", "2025Q3", "filed")
    session.commit()
    holdings = archive_holdings(session, [EAST_LAKE, EAST_HILL, WEST_LAKE], 2025)
    assert holdings == {
        EAST_LAKE: {("work_plan", "2025"): "filed", ("half_year_summary", "2025H1"): "draft",
                    ("year_summary", "2025"): "filed"},
        EAST_HILL: {("work_plan", "2025Q3"): "filed"},
        WEST_LAKE: {},
    }


def test_archive_holdings_as_of_a_moment(session, small_tree):
    made, filed = datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 8, 1, tzinfo=UTC)
    unit = EAST_LAKE
    add_document(session, unit, "work_plan", "2025", ("filed", made, filed))
    add_document(session, unit, "half_year_summary", "2025H1",
                 ("draft", datetime(2025, 9, 1, tzinfo=UTC), None))
    session.commit()
    assert archive_holdings(session, [unit], 2025)[unit] == {
        ("work_plan", "2025"): "filed", ("half_year_summary", "2025H1"): "draft"}
    # In June the plan was a draft and the summary not yet written.
    june = datetime(2025, 6, 30, tzinfo=UTC)
    assert archive_holdings(session, [unit], 2025, as_of=june)[unit] == {
        ("work_plan", "2025"): "draft"}
    assert archive_holdings(session, [unit], 2025, as_of=datetime(2025, 1, 1, tzinfo=UTC)
                            )[unit] == {}

"""The catalogues load, resolve Chinese labels, and accept user extensions."""

from pathlib import Path

import pytest

from wenshu.errors import CatalogueError
from wenshu.models.catalogue import load_catalogue


def test_shipped_catalogue_has_the_domain_types(catalogue):
    expected = {"training", "publicity", "household_visit", "check", "lecture",
                "consultation", "aid", "meeting", "volunteering", "certificates", "funds"}
    assert expected <= set(catalogue.activities)
    assert catalogue.activity("入户走访").key == "household_visit"
    assert catalogue.activity("义诊").key == "consultation"
    assert catalogue.indicator("孕环情检查受检率").key == "check_rate"


def test_user_can_add_an_activity_type_without_code(tmp_path: Path):
    (tmp_path / "activities.yaml").write_text(
        "types:\n"
        "  - key: drill\n    label: 应急演练\n    label_en: drill\n"
        "    measures:\n      - {column: sessions, label: 演练场次, unit: 场, required: true}\n",
        encoding="utf-8",
    )
    catalogue = load_catalogue(tmp_path)
    assert catalogue.activity("应急演练").measure("sessions").unit == "场"
    assert "training" in catalogue.activities


def test_bad_indicator_reference_is_named(tmp_path: Path):
    (tmp_path / "indicators.yaml").write_text(
        "indicators:\n  - key: x\n    label: 某率\n    numerator: {figure: nope}\n"
        "    denominator: {figure: births}\n    unit: percent\n    decimals: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match="unknown figure 'nope'"):
        load_catalogue(tmp_path)

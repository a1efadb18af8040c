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


def test_a_type_is_found_by_the_heading_documents_give_it_and_by_office_words(catalogue):
    """Offices head ledger rows with the words wenshu's own documents use (宣传教育,
    健康讲座, 会议部署) or their own (工作会议, 走访, 孕检): each names one type."""
    found = {name: catalogue.activity(name).key for name in
             ("宣传教育", "健康讲座", "会议部署", "工作会议", "例会", "走访", "家访", "孕检",
              "志愿活动", "办证", "募捐", "走访慰问", "Training")}
    assert found == {"宣传教育": "publicity", "健康讲座": "lecture", "会议部署": "meeting",
                     "工作会议": "meeting", "例会": "meeting", "走访": "household_visit",
                     "家访": "household_visit", "孕检": "check", "志愿活动": "volunteering",
                     "办证": "certificates", "募捐": "funds", "走访慰问": "aid",
                     "Training": "training"}
    assert catalogue.activity("培训班") is None  # 就业培训 or 计生培训? the clerk says


def test_a_name_two_types_share_is_refused_naming_the_file(tmp_path: Path):
    """An office's alias 走访 is the shipped household_visit's alias too: which would a
    ledger's 走访 be? Refused. Its own label 义诊, stronger than the shipped alias 义诊,
    is its own (test_lines: an office's own types)."""
    path = tmp_path / "activities.yaml"
    path.write_text(
        "types:\n"
        "  - key: drill\n    label: 应急演练\n    label_en: drill\n    aliases: [走访]\n"
        "    measures:\n      - {column: sessions, label: 演练场次, unit: 场, required: true}\n",
        encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(tmp_path)
    assert str(caught.value) == (
        f"{path}：活动类型 household_visit 与 drill 都以“走访”为名称（或同为标题、同为别名），"
        "台账中的“走访”无法确定是哪一类：请只保留在其中一类")
    path.write_text(
        "types:\n"
        "  - key: drill\n    label: 义诊\n    label_en: drill\n"
        "    measures:\n      - {column: sessions, label: 义诊场次, unit: 场, required: true}\n",
        encoding="utf-8")
    catalogue = load_catalogue(tmp_path)
    assert (catalogue.activity("义诊").key, catalogue.activity("咨询").key) == (
        "drill", "consultation")


def test_bad_indicator_reference_is_named(tmp_path: Path):
    (tmp_path / "indicators.yaml").write_text(
        "indicators:\n  - key: x\n    label: 某率\n    numerator: {figure: nope}\n"
        "    denominator: {figure: births}\n    unit: percent\n    decimals: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'indicators.yaml'}：指标 x 的 numerator：未知基础数据 'nope'")


_INDICATOR = ("indicators:\n  - key: y\n    label: 某率\n    numerator: {figure: births}\n"
              "    denominator: {figure: births}\n    unit: percent\n    decimals: 1\n")


def test_a_catalogue_file_saved_in_gbk_is_named_not_a_traceback(tmp_path: Path):
    path = tmp_path / "activities.yaml"
    path.write_bytes("types:\n  - key: 培训\n".encode("gbk"))
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(tmp_path)
    assert str(caught.value) == f"{path}：不是 UTF-8 编码的文本（请以 UTF-8 另存）"


@pytest.mark.parametrize(("name", "text", "message"), [
    ("activities.yaml", "types: [a\n  b: c\n",
     "{path}：不是有效的 YAML：第2行第4列：expected ',' or ']', but got ':'"),
    ("activities.yaml", "- training\n", "{path}：文件的最外层应为字段表（名称: 内容）"),
    ("indicators.yaml", _INDICATOR + "    target: {comparator: range, value: 5}\n",
     "{path}：indicators 第1项（y）的 target：区间（range）须写明两端（value 和 high）；"
     "≥、≤、= 只写一个 value"),
    ("indicators.yaml", _INDICATOR + "    target: {comparator: range, value: 9, high: 5}\n",
     "{path}：indicators 第1项（y）的 target：区间的上限 high 不能小于下限 value"),
    ("indicators.yaml", _INDICATOR.replace("{figure: births}\n    unit", "{activity: training}"
                                           "\n    unit"),
     "{path}：indicators 第1项（y）的 denominator：应写 activity 和 measure（取自台账），"
     "或只写 figure（取自基础数据）"),
    ("indicators.yaml", _INDICATOR.replace("unit: percent", "unit: count"),
     "{path}：indicators 第1项（y）：count（计数）指标不设 denominator；百分率等比率指标须有 "
     "denominator"),
    ("indicators.yaml", _INDICATOR.replace("numerator: {figure: births}",
                                           "numerator: {activity: drill, measure: sessions}"),
     "{path}：指标 y 的 numerator：未知活动类型 'drill'"),
    ("indicators.yaml", _INDICATOR.replace("numerator: {figure: births}",
                                           "numerator: {activity: aid, measure: sessions}"),
     "{path}：指标 y 的 numerator：活动类型 aid 不记录 'sessions'"),
])
def test_a_bad_catalogue_file_is_named_in_chinese(tmp_path: Path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(tmp_path)
    assert str(caught.value) == message.format(path=path)

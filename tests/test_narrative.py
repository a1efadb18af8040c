"""Staff narrative files: YAML, Markdown and plain-text plans."""

from pathlib import Path

import pytest

from wenshu.errors import WenshuError
from wenshu.narrative import parse_narrative


def test_yaml_with_chinese_keys(tmp_path: Path):
    path = tmp_path / "n.yaml"
    path.write_text("亮点:\n  - 建成“婚育新风进万家”示范点3个。\n问题: 流动人口信息更新不及时。\n",
                    encoding="utf-8")
    narrative = parse_narrative(path)
    assert narrative.highlights == ("建成“婚育新风进万家”示范点3个。",)
    assert narrative.problems == ("流动人口信息更新不及时。",)
    assert narrative.plans == ()


def test_markdown_sections_and_paragraphs(tmp_path: Path):
    path = tmp_path / "n.md"
    path.write_text("# 亮点\n\n第一段，\n接续。\n\n第二段。\n\n## 打算\n\n开展流动人口专项清查。\n",
                    encoding="utf-8")
    narrative = parse_narrative(path)
    assert narrative.highlights == ("第一段， 接续。", "第二段。")
    assert narrative.plans == ("开展流动人口专项清查。",)


def test_measures_per_work_in_yaml_and_markdown(tmp_path: Path):
    yaml_path = tmp_path / "n.yaml"
    yaml_path.write_text("做法:\n  - 检查服务：逐户电话预约补查。\n", encoding="utf-8")
    assert parse_narrative(yaml_path).measures == ("检查服务：逐户电话预约补查。",)
    md_path = tmp_path / "n.md"
    md_path.write_text("## 主要做法\n\n教育培训：以会代训。\n", encoding="utf-8")
    narrative = parse_narrative(md_path)
    assert narrative.measures == ("教育培训：以会代训。",)
    # Given measures are part of the document's inputs; none given leaves the digest as it was.
    assert narrative.as_dict()["measures"] == ["教育培训：以会代训。"]
    assert len(parse_narrative(yaml_path).merged(narrative).measures) == 2
    assert "measures" not in type(narrative)().as_dict()


def test_text_file_is_next_years_plans(tmp_path: Path):
    path = tmp_path / "plans.txt"
    path.write_text("\ufeff一是加强队伍建设。\n\n二是完善考核办法。\n", encoding="utf-8")
    assert parse_narrative(path).plans == ("一是加强队伍建设。", "二是完善考核办法。")


@pytest.mark.parametrize(("name", "text", "message"), [
    ("n.yaml", "心得: x\n", "不认识的部分“心得”"),
    ("n.md", "前言\n# 亮点\nx\n", "第一个标题"),
    ("n.doc", "x", "须为 .yaml、.md 或 .txt"),
])
def test_bad_narratives_are_named(tmp_path: Path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WenshuError, match=message):
        parse_narrative(path)

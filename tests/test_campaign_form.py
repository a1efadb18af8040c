"""A campaign spec typed into the generate form: the fields make the same spec a file
would, each problem lands on its field, and a spec reads back into the fields."""

from __future__ import annotations

import yaml

from wenshu.models.campaign import load_campaign, parse_campaign
from wenshu.models.campaign_form import campaign_code, form_errors, form_from_spec, spec_from_form
from wenshu.models.catalogue import SHIPPED_DIR

SAMPLE = SHIPPED_DIR / "campaigns" / "sample.yaml"


def test_the_sample_spec_typed_in_makes_the_same_plan():
    fields = form_from_spec(yaml.safe_load(SAMPLE.read_text("utf-8")))
    assert fields["principles"].splitlines()[0].startswith("坚持群众主体：从群众需求出发")
    assert fields["deputies"] == "区卫生健康局分管副局长\n区妇联主席"
    typed = parse_campaign(spec_from_form(fields), "表单")
    written = load_campaign(SAMPLE)
    assert typed.model_dump(exclude={"code"}) == written.model_dump(exclude={"code"})
    assert typed.code == campaign_code(written.name, 2025)  # the same campaign, the same code


def test_each_problem_is_named_by_its_field():
    fields = form_from_spec(yaml.safe_load(SAMPLE.read_text("utf-8")))
    fields |= {"name": "", "year": "二〇二五", "target_2": "95", "phase_end_2": "2025-06-01"}
    assert form_errors(spec_from_form(fields)) == {
        "name": "缺少此项", "year": "应为整数",
        "target_2": "目标 '95'：请以 ≥、≤ 或 = 开头，或写成区间，如 103～107",
        "phase_end_2": "阶段「集中服务」的结束日期 2025-06-01 早于开始日期 2025-07-01"}
    assert form_errors(spec_from_form({"name": "宣传月", "year": "2026"})) == {
        "phases": "缺少此项"}


def test_units_typed_in_are_the_participants():
    fields = {"name": "宣传月", "year": "2026", "participants": "codes",
              "participant_codes": "440307001，440307002、 440307003",
              "phase_name_1": "宣传", "phase_start_1": "2026-05-01", "phase_end_1": "2026-05-31"}
    spec = parse_campaign(spec_from_form(fields), "表单")
    assert spec.participants == ("440307001", "440307002", "440307003")
    assert form_from_spec(spec_from_form(fields))["participant_codes"] == (
        "440307001、440307002、440307003")

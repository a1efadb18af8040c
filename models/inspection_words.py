"""What an inspection's answers files, findings and runs get wrong, worded for the clerk,
inspector or supervisor who reads it, and where: the file, the unit, the checklist item
(检查项 boards（宣传板）) as the answers file and the checklist name them.

The wording is data (:data:`_PROBLEMS`, keyed by English name), as for checklists in
:mod:`wenshu.models.checklist_words`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

_PROBLEMS: dict[str, str] = {
    # A unit's answers file (自查答复)
    "answers_not_mapping": "{source}：答复文件的最外层应有 answers:（检查项 key: 答复）",
    "answers_problems": "{source}：答复有 {count} 处问题：\n{lines}",
    "answers_unknown_fields": "最外层有不认识的字段 {fields}（可用：checklist、unit、year、"
                              "answers）",
    "answers_for_other": "答复写的{field}是 {given}，而本次是 {expected}",
    "answers_unknown_item": "检查标准 {checklist} 中没有检查项 {item_key!r}",
    "answers_computed_item": "{item}：由{source}得出，无需填写答复",
    "answers_remark_form": "{item}：带备注的答复应写成 {{value: …, note: …}}",
    "answers_missing": "缺少以下检查项的答复：{items}",
    "answer_bad": "{item}：{reason}",
    # Scoring a unit, and the findings stored for it
    "unit_answers_missing": "单位 {unit}：缺少以下检查项的答复：{items}",
    "needs_archive": "检查标准 {checklist} 含档案项：评分须提供该单位在档案中存有的文件",
    "finding_no_longer_fits": "单位 {unit}，{item}：已录入的检查结果“{value}”与现行检查标准"
                              "不符：{reason}",
    # Starting an inspection
    "no_units": "请至少指定一个被检查单位",
    "outside_issuer": "单位 {units} 不在检查单位 {issuer} 的管辖范围内",
    "no_earlier": "检查标准 {checklist} 在 {period} 之前没有检查记录，无法复查",
    "earlier_too_old": "检查标准 {checklist} 的上一次检查是 {earlier}：复查最多回看一年",
    "inspection_needs_flow": "检查情况反馈意见和通报须附检查标准和检查记录，请通过检查流程生成"
                             "（网页“检查考核”或 wenshu inspect run）",
    "self_inspection_needs_flow": "自查报告须附检查标准和本单位的自查答复，请通过自查流程生成"
                                  "（wenshu inspect self）",
    "no_observed_items": "检查标准 {checklist} 没有需要检查人填写的检查项，无须检查记录表",
}
# The checklist a document's spec carries, as its errors name it (by the flow that made it).
ATTACHED_CHECKLIST: dict[str, str] = {"self_inspection": "自查报告所附检查标准",
                                      "inspection": "检查所附检查标准"}
# An answers file's top-level fields as a reader calls them.
ANSWERS_FIELDS: dict[str, str] = {"checklist": "检查标准", "unit": "单位", "year": "年度"}
# Where a computed item's result comes from, by item kind.
COMPUTED_FROM: dict[str, str] = {"archive": "档案中存有的文件",
                                 "measured": "台账和基础数据计算"}


def inspection_problem(key: str, **values: object) -> str:
    """One problem of an inspection (``key`` names it, see :data:`_PROBLEMS`), in Chinese."""
    return _PROBLEMS[key].format(**values)


def item_named(key: str, label: str) -> str:
    """A checklist item as an answers file names it: 检查项 boards（宣传板）."""
    return f"检查项 {key}（{label}）" if label else f"检查项 {key}"


def items_named(items: Iterable[tuple[str, str]]) -> str:
    """Several items, (key, label) each: 检查项 a（甲）、检查项 b（乙）."""
    return "、".join(item_named(key, label) for key, label in items)


def answers_problems(source: str, lines: Sequence[str]) -> str:
    """The message for answers file ``source`` with ``lines`` (one problem each)."""
    return inspection_problem("answers_problems", source=source, count=len(lines),
                              lines="\n".join(f"  {line}" for line in lines))

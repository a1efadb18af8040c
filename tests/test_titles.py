"""Long titles break where Chinese titles break, in the standard's shapes."""

from wenshu.generators.titles import _width, break_points, title_lines


def test_short_title_is_one_line():
    assert title_lines("龙岗区2025年人口和计划生育工作总结") == ["龙岗区2025年人口和计划生育工作总结"]


def test_long_title_breaks_after_the_unit_and_year_as_a_trapezoid():
    title = "深圳市龙岗区卫生健康局计划生育协会2025年人口和计划生育工作总结"
    lines = title_lines(title, keep=("深圳市龙岗区卫生健康局计划生育协会",))
    assert "".join(lines) == title
    assert all(_width(line) <= 20 for line in lines)
    widths = [_width(line) for line in lines]
    assert widths == sorted(widths, reverse=True) or widths[1] >= max(widths[0], widths[2])
    # The unit's name is never cut.
    assert any(line.startswith("深圳市龙岗区卫生健康局计划生育协会") for line in lines)


def test_campaign_title_breaks_around_the_quoted_name():
    title = "龙岗区关于开展“婚育新风进万家”宣传月活动的实施方案"
    lines = title_lines(title, keep=("龙岗区",))
    assert lines == ["龙岗区关于开展“婚育新风进万家”", "宣传月活动的实施方案"]


def test_breaks_never_split_kept_words():
    title = "平湖街道办事处2026年上半年工作总结"
    assert 3 not in break_points(title, keep=("平湖街道办事处",))
    assert 7 in break_points(title, keep=("平湖街道办事处",))


def test_no_fitting_break_keeps_one_line():
    title = "某" * 30
    assert title_lines(title) == [title]

"""What a unit code (单位代码) may be: the one rule every way a code enters is checked by.

A unit code names folders in the archive (``<kind>/<unit_code>/…``), files
(``<unit_code>_<period>_<kind>.docx``) and inbox folders, so it is kept to
ASCII letters, digits, ``-`` and ``_``, 1 to 32 characters (the database's
``units.code`` is ``VARCHAR(32)``): no ``/``, ``.``, spaces or anything else
a path could be steered with.
"""

from __future__ import annotations

import re

from wenshu.errors import CodeError

MAX_LENGTH = 32
# ASCII only on purpose: \w would let in full-width and other Unicode letters and digits.
UNIT_CODE = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_LENGTH}}}")
_SHOWN_MAX = 40  # how much of a long bad value an error message repeats


def check_unit_code(value: str) -> str:
    """``value`` unchanged when it is a valid unit code; raises :class:`CodeError` if not.

    Valid: 1 to 32 ASCII letters, digits, ``-`` or ``_``. The message is Chinese and
    names the value, e.g. ``单位代码“../x”无效：只能由字母、数字、“-”和“_”组成``.
    Nothing is trimmed: a code with spaces around it is refused, not silently fixed.
    """
    if not isinstance(value, str) or value == "":
        raise CodeError("单位代码不能为空" if value in ("", None)
                        else f"单位代码“{_shown(str(value))}”无效：应为文本")
    if UNIT_CODE.fullmatch(value) is not None:
        return value
    if len(value) > MAX_LENGTH:
        raise CodeError(f"单位代码“{_shown(value)}”无效：最多{MAX_LENGTH}个字符（现有{len(value)}个）")
    raise CodeError(f"单位代码“{_shown(value)}”无效：只能由字母、数字、“-”和“_”组成")


def is_unit_code(value: object) -> bool:
    """Whether ``value`` is a valid unit code (see :func:`check_unit_code`)."""
    return isinstance(value, str) and UNIT_CODE.fullmatch(value) is not None


def _shown(value: str) -> str:
    """The value as a message can show it: control characters escaped, long ones cut."""
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256
                   else f"\\u{ord(c):04x}" for c in value)
    return text if len(text) <= _SHOWN_MAX else text[:_SHOWN_MAX] + "…"

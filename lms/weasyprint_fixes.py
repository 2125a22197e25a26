"""A fix for a WeasyPrint bug that doubles the layout time of right-to-left text.

WeasyPrint (70.0, the locked version, and the versions before it) lays out every line of a
right-to-left block twice. `weasyprint.layout.inline.get_next_linebox` lays a line out, then asks
whether the floats around it would now place it elsewhere, in which case it lays it out again.
For a left-to-right block it compares the line's new start with its first start. For a
right-to-left one it compares the new start *plus the line's width* with the first start *plus
the width the line box had before the layout*, which is 0 on the first pass (no floats), so the
test fails for every non-empty line and the line is laid out a second time, with the same result.
(The positions returned for a right-to-left line box are its right edge, which does not depend
on its width: the width terms are the bug.) An Arabic certificate spent about 12% of its time
there.

The fix compares the positions alone, as the left-to-right branch does (and as the right-to-left
branch does from its second pass on, when the two widths are equal). It is applied by compiling
the function's own source with that one comparison replaced, only if the source contains it
exactly once; otherwise (another WeasyPrint version) nothing is changed and a warning says so.
tests/lms/test_weasyprint_fixes.py checks that it is applied to the locked version, that each
right-to-left line is laid out once, and that every word of Arabic documents, with and without
floats, lands exactly where the unfixed function puts it.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from weasyprint.layout import inline

log = logging.getLogger(__name__)

BUGGY_TEST = """condition = (position_x + line.width, position_y) == (
                original_position_x + original_width, original_position_y)"""
FIXED_TEST = """condition = (position_x, position_y) == (
                original_position_x, original_position_y)"""


def fix_right_to_left_double_layout() -> bool:
    """Replace get_next_linebox with the fixed one; return whether the fix is in place."""
    current: Callable[..., Any] = inline.get_next_linebox
    if getattr(current, "lms_unfixed", None) is not None:
        return True
    source = inspect.getsource(current)
    if source.count(BUGGY_TEST) != 1:
        log.warning(
            "WeasyPrint's get_next_linebox has changed: right-to-left lines may be laid out "
            "twice (lms/weasyprint_fixes.py); check whether the upstream code still needs the fix."
        )
        return False
    first_line = inspect.getsourcelines(current)[1]
    # Blank lines in front keep the line numbers of tracebacks those of WeasyPrint's file.
    fixed_source = "\n" * (first_line - 1) + source.replace(BUGGY_TEST, FIXED_TEST)
    code = compile(fixed_source, inspect.getsourcefile(current) or inline.__file__, "exec")
    defined: dict[str, Any] = {}
    # The module's own globals: the fixed function calls the same helpers as the original.
    exec(code, inline.__dict__, defined)  # noqa: S102 - WeasyPrint's source, one test changed
    fixed = defined["get_next_linebox"]
    fixed.lms_unfixed = current
    inline.get_next_linebox = fixed
    return True


def unfixed_get_next_linebox() -> Callable[..., Any]:
    """WeasyPrint's own get_next_linebox (for tests that compare layouts)."""
    current = inline.get_next_linebox
    return getattr(current, "lms_unfixed", current)

"""Every use of WeasyPrint's internals, in one place: two speed fixes and one hook.

1. Right-to-left lines laid out twice (fix_right_to_left_double_layout): a WeasyPrint function
   recompiled with one comparison changed.
2. A C type parsed for every new glyph count (fix_array_type_parsing): WeasyPrint's font module
   gets a wrapped cffi object.
3. Our own user-agent stylesheet (OwnUserAgentHTML): an override of the private
   `HTML._ua_stylesheets`.

lms/pdf.py applies 1 and 2 when it is imported, before any PDF is rendered, and uses 3 for
certificates. Kept because WeasyPrint 70.0, the locked version, is still the newest release
(`pip index versions weasyprint`, 2026-12-02), and its main branch has both slowdowns and no
public way to replace the user-agent stylesheet. tests/lms/test_weasyprint_fixes.py fails on a
version where one of the three no longer applies (the source changed, the font module stopped
allocating sized arrays, the hook is no longer called) and checks that the output is unchanged:
every box of Arabic documents is where WeasyPrint's own function puts it, certificates are the
same bytes without fix 2, and every word lands where WeasyPrint's stylesheet puts it.

What they save (measured 2026-11-22, docs/benchmarks.md in git history): fix 1 took an Arabic
certificate from 38.7 to 34.2 ms in an interleaved in-process comparison (English unchanged);
with fix 2, the bench's Arabic certificate went from a 51-57 ms median to 41-42 ms, the other
languages from 37-47 ms to 37-38 ms; 3 saves about 8,000 of a certificate's 100,000 Python calls
(7%).

## Right-to-left lines laid out twice

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
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable, Sized
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.layout import inline
from weasyprint.pdf import fonts

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


# ## A C type parsed for every new glyph count
#
# To subset a font, weasyprint.pdf.fonts passes the glyph ids to HarfBuzz in arrays allocated as
# `ffi.new(f"hb_codepoint_t[{len(ids)}]", ids)`. cffi caches parsed C types by their string, but
# each new length is a new string, and parsing one costs 3-8 ms (pycparser, with every type the
# bindings declare). The lengths depend on the glyphs a document uses, that is on the holder's
# name and the language: in a run of certificates for different people, many renders paid it
# two or three times per font, a quarter of a certificate's time.
#
# The fix gives that module an `ffi` whose `new` allocates "T[N]" as the open array "T[]" (parsed
# once per T) with the same N elements, and hands everything else to cffi's own object.

SIZED_ARRAY = re.compile(r"([A-Za-z_][A-Za-z0-9_ ]*)\[(\d+)\]")


class ArrayTypesOnce:
    """cffi's FFI, except that new("T[N]", ...) does not parse a C type for each N."""

    def __init__(self, ffi: Any) -> None:
        self.lms_ffi = ffi
        self._open_arrays: dict[str, Any] = {}

    def new(self, cdecl: Any, init: Any = None) -> Any:
        """ffi.new(cdecl, init), with "T[N]" allocated as "T[]" of N elements."""
        match = SIZED_ARRAY.fullmatch(cdecl) if isinstance(cdecl, str) else None
        if match is not None:
            length = int(match[2])
            if init is None or (isinstance(init, Sized) and len(init) == length):
                open_array = self._open_arrays.get(match[1])
                if open_array is None:
                    open_array = self._open_arrays[match[1]] = self.lms_ffi.typeof(f"{match[1]}[]")
                return self.lms_ffi.new(open_array, length if init is None else init)
        return self.lms_ffi.new(cdecl, init)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.lms_ffi, name)


def fix_array_type_parsing() -> None:
    """Give weasyprint.pdf.fonts an ffi that parses each array type once."""
    if not isinstance(fonts.ffi, ArrayTypesOnce):
        fonts.ffi = ArrayTypesOnce(fonts.ffi)


# ## Our own user-agent stylesheet
#
# WeasyPrint's HTML5 user-agent stylesheet applies ::marker, ::footnote-call and four other
# pseudo-element rules to every element and styles sixteen page-margin boxes: for a one-page
# certificate that is about 250 computed styles of 290. WeasyPrint has no option to replace it;
# `HTML._ua_stylesheets` is the method its own test suite overrides (tests/testing_utils.py).


class OwnUserAgentHTML(HTML):
    """An HTML document styled by a given user-agent stylesheet instead of WeasyPrint's HTML5 one."""

    def __init__(self, ua_stylesheet: CSS, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lms_ua_stylesheet = ua_stylesheet

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [self.lms_ua_stylesheet]

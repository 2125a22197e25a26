"""What lti/tool.py takes from pylti1p3's internals: fail loudly on a release that changes it.

pylti1p3 (2.0.0, its newest release) has no public accessor for the launch's registration or for
whether a launch was restored, so ToolMessageLaunch reads `_registration` and `_restored`, and
repeats the library's validate() with its own steps added.
"""

from __future__ import annotations

import inspect
import re

from pylti1p3.message_launch import MessageLaunch

from lti import storage, tool

# Our subclasses of pylti1p3's classes.
SUBCLASSES = (
    tool.ToolMessageLaunch,
    tool.ToolOIDCLogin,
    storage.DatabaseLaunchStorage,
    storage.ToolSessionService,
    storage.ToolCookieService,
)

LIBRARY_STEPS = [
    "validate_state",
    "validate_jwt_format",
    "validate_nonce",
    "validate_registration",
    "validate_jwt_signature",
    "validate_deployment",
    "validate_message",
    "save_launch_data",
]


def test_the_library_validates_with_the_steps_our_validate_repeats() -> None:
    source = inspect.getsource(MessageLaunch.validate)
    steps = re.findall(r"\.(validate_\w+|save_launch_data)\(\)", source)
    assert steps == LIBRARY_STEPS, (
        "pylti1p3's MessageLaunch.validate has other steps now: review "
        "ToolMessageLaunch.validate in lti/tool.py, which repeats them with its own"
    )
    assert "if self._restored:" in source and "self._validated = True" in source


def test_our_validate_runs_every_library_step() -> None:
    source = inspect.getsource(tool.ToolMessageLaunch.validate)
    for step in LIBRARY_STEPS[:-1]:
        assert f"self.{step}" in source, step


def test_the_registration_and_the_restored_flag_are_set_where_we_read_them() -> None:
    assert "self._restored = False" in inspect.getsource(MessageLaunch.__init__)
    assert "self._restored = True" in inspect.getsource(MessageLaunch.set_restored)
    assert "self._registration = " in inspect.getsource(MessageLaunch.validate_registration)


def test_every_private_name_our_subclasses_use_is_still_the_librarys() -> None:
    # Each self._name that our pylti1p3 subclasses use must be set or defined by the library (a
    # rename would otherwise surface only as an AttributeError during a launch).
    for subclass in SUBCLASSES:
        used = set(re.findall(r"self\.(_\w+)", inspect.getsource(subclass)))
        library = "".join(
            inspect.getsource(cls)
            for cls in subclass.__mro__[1:]
            if cls.__module__.startswith("pylti1p3")
        )
        missing = {name for name in used if not re.search(rf"(self\.|def ){name}\b", library)}
        assert not missing, f"pylti1p3 no longer defines {sorted(missing)} for {subclass.__name__}"
    used_by_launch = inspect.getsource(tool.ToolMessageLaunch)
    assert "self._registration" in used_by_launch and "self._restored" in used_by_launch

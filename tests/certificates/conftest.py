"""Fixtures shared by the certificate tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def during_next_render(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], Any]], list]:
    """during_next_render(action): run action once, while the next issuance renders its PDFs.

    That is after the issuance has checked which certificates are held and numbered its own, and
    before it inserts them: the moment a concurrent issuance (another worker, another request)
    can get in first. Returns the list that receives the action's result.
    """
    import certificates.pdf

    render = certificates.pdf.render_certificates

    def _schedule(action: Callable[[], Any]) -> list:
        results: list[Any] = []

        def render_after_action(contexts: list[dict[str, Any]], processes: int) -> list[bytes]:
            monkeypatch.setattr(certificates.pdf, "render_certificates", render)  # once
            results.append(action())
            return render(contexts, processes)

        monkeypatch.setattr(certificates.pdf, "render_certificates", render_after_action)
        return results

    return _schedule

"""Current United Nations peacekeeping operations (to keep up to date when a mandate starts or ends).

Source: the list of current peacekeeping operations published by the UN Department of Peace
Operations. Reviewed 2026-11; update this list (and nothing else) when it changes.
"""

from __future__ import annotations

MISSIONS: dict[str, str] = {
    "MINURSO": "United Nations Mission for the Referendum in Western Sahara",
    "MINUSCA": "United Nations Multidimensional Integrated Stabilization Mission in the Central African Republic",
    "MONUSCO": "United Nations Organization Stabilization Mission in the Democratic Republic of the Congo",
    "UNDOF": "United Nations Disengagement Observer Force",
    "UNFICYP": "United Nations Peacekeeping Force in Cyprus",
    "UNIFIL": "United Nations Interim Force in Lebanon",
    "UNISFA": "United Nations Interim Security Force for Abyei",
    "UNMIK": "United Nations Interim Administration Mission in Kosovo",
    "UNMISS": "United Nations Mission in South Sudan",
    "UNMOGIP": "United Nations Military Observer Group in India and Pakistan",
    "UNTSO": "United Nations Truce Supervision Organization",
}

"""Registering a domain's blueprints, each under the mount prefix plus its own."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, Flask


def register_blueprints(
    app: Flask, prefix: str, blueprints: Iterable[tuple[Blueprint, str]]
) -> set[str]:
    """Register each (blueprint, own prefix) under `prefix + own prefix`; return their names."""
    names = set()
    for blueprint, own_prefix in blueprints:
        app.register_blueprint(blueprint, url_prefix=(prefix + own_prefix) or None)
        names.add(blueprint.name)
    return names

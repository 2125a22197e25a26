"""Receivers of the product's events (lms/events.py) and outbox senders of the lti package."""

from __future__ import annotations


def connect() -> None:
    """Connect this package's signal receivers and register its outbox senders (idempotent)."""

"""Models of the badges package."""

from __future__ import annotations

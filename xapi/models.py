"""Models of the xapi package."""

from __future__ import annotations

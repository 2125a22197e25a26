"""Models of the lti package."""

from __future__ import annotations

"""Trainer cohorts, roster import, dashboards, readiness and exports."""

"""`flask api create-token / list-tokens / revoke-token`."""

from __future__ import annotations

import re

from sqlalchemy import select

from api.models import ApiToken


def test_create_list_and_revoke_from_the_command_line(app, make_cohort, api_get, db_session):
    cohort = make_cohort(name="CLI cohort")
    runner = app.test_cli_runner()
    created = runner.invoke(
        args=[
            "api",
            "create-token",
            "Ghana HR",
            "--cohort",
            str(cohort.id),
            "--expires-on",
            "2099-01-31",
        ]
    )
    assert created.exit_code == 0, created.output
    secret = re.search(r"^(lmsapi_\S+)$", created.output, re.M).group(1)
    assert [c["name"] for c in api_get("/cohorts", secret).json["cohorts"]] == ["CLI cohort"]

    token = db_session.scalars(select(ApiToken).where(ApiToken.name == "Ghana HR")).one()
    assert token.expires_at.isoformat().startswith("2099-01-31T00:00:00")
    listed = runner.invoke(args=["api", "list-tokens"])
    assert listed.exit_code == 0
    line = next(row for row in listed.output.splitlines() if row.endswith("Ghana HR"))
    assert line.startswith(f"{token.id}\tactive\t{token.prefix}")
    assert f"cohorts={cohort.id}" in line and "expires=2099-01-31" in line
    assert secret not in listed.output

    revoked = runner.invoke(args=["api", "revoke-token", str(token.id)])
    assert revoked.exit_code == 0, revoked.output
    assert api_get("/cohorts", secret).status_code == 401
    again = runner.invoke(args=["api", "revoke-token", str(token.id)])
    assert again.exit_code != 0 and "already revoked" in again.output
    assert runner.invoke(args=["api", "revoke-token", "999999"]).exit_code != 0


def test_the_command_line_refuses_a_token_without_scope(app):
    result = app.test_cli_runner().invoke(args=["api", "create-token", "Nobody"])
    assert result.exit_code != 0
    assert "Choose at least one cohort" in result.output
    everything = app.test_cli_runner().invoke(args=["api", "create-token", "All", "--all-cohorts"])
    assert everything.exit_code == 0 and "lmsapi_" in everything.output

"""Platform registration by an administrator: the admin pages and the `flask lti` commands."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.helpers import submit
from tests.lti.conftest import launch, learner


def _form(platform, **changes):
    values = platform.registration_values(**changes)
    values["is_enabled"] = "y"
    return values


def test_the_admin_page_shows_the_tool_addresses(client, login_as):
    login_as("admin")
    page = client.get("/admin/lti/").get_data(as_text=True)
    for address in (
        "http://localhost/lti/login",
        "http://localhost/lti/launch",
        "http://localhost/lti/jwks.json",
    ):
        assert address in page
    kid = client.get("/lti/jwks.json").get_json()["keys"][0]["kid"]
    assert kid in page
    assert "BEGIN PUBLIC KEY" in page and "PRIVATE" not in page


def test_an_admin_registers_a_platform_that_can_then_launch(
    app, client, login_as, platform, load_course, db_session
):
    from lti.models import LtiPlatform

    load_course()
    login_as("admin")
    response = submit(
        client, "/admin/lti/new", _form(platform, deployment_ids="dep-a\ndeployment-1\n")
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = db_session.scalars(select(LtiPlatform)).one()
    assert saved.deployment_ids == ["dep-a", "deployment-1"]
    assert "Test platform" in client.get("/admin/lti/").get_data(as_text=True)
    assert launch(app.test_client(), platform, learner()).status_code == 302


def test_an_admin_edits_deployments_and_disables_a_platform(
    app, client, login_as, platform, register, load_course, db_session
):
    from lti.models import LtiPlatform

    load_course()
    platform_id = register(platform)
    login_as("admin")
    url = f"/admin/lti/{platform_id}"
    page = client.get(url).get_data(as_text=True)
    assert "deployment-1" in page
    values = _form(platform, name="Renamed", deployment_ids="deployment-2")
    values.pop("is_enabled")  # unticked
    assert submit(client, url, values).status_code == 302
    db_session.expire_all()
    saved = db_session.get(LtiPlatform, platform_id)
    assert (saved.name, saved.deployment_ids, saved.is_enabled) == (
        "Renamed",
        ["deployment-2"],
        False,
    )
    assert launch_refused(app, platform)


def launch_refused(app, platform):
    from tests.lti.conftest import start_login

    response = start_login(app.test_client(), platform, learner())
    return response.status_code == 403


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"auth_login_url": "not an address"}, "Enter a web address"),
        ({"key_set_url": "ftp://example.org/keys"}, "Enter a web address"),
        ({"key_set_url": ""}, "key set URL or its public key"),
        ({"deployment_ids": ""}, "This field is required."),
        ({"issuer": ""}, "This field is required."),
        ({"key_set_url": "", "key": "not a key"}, "neither a PEM public key"),
    ],
)
def test_a_bad_registration_is_refused_with_a_message(
    client, login_as, platform, db_session, changes, message
):
    from lti.models import LtiPlatform

    login_as("admin")
    response = submit(client, "/admin/lti/new", _form(platform, **changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db_session.scalars(select(LtiPlatform)).all() == []


def test_the_same_issuer_and_client_cannot_be_registered_twice(
    client, login_as, platform, register
):
    register(platform)
    login_as("admin")
    response = submit(client, "/admin/lti/new", _form(platform, name="Again"))
    assert response.status_code == 400
    assert "already registered" in response.get_data(as_text=True)


def test_a_platform_given_by_its_public_key_can_launch(
    app, client, login_as, platform, load_course
):
    load_course()
    login_as("admin")
    values = _form(platform, key_set_url="", key=platform.public_pem)
    assert submit(client, "/admin/lti/new", values).status_code == 302
    assert launch(app.test_client(), platform, learner()).status_code == 302


def test_a_platform_given_by_a_json_key_set_can_launch(
    app, client, login_as, platform, load_course
):
    import requests

    load_course()
    login_as("admin")
    jwks = requests.get(f"{platform.base}/jwks", timeout=5).json()
    values = _form(platform, key_set_url="", key=json.dumps(jwks))
    assert submit(client, "/admin/lti/new", values).status_code == 302
    assert launch(app.test_client(), platform, learner()).status_code == 302


@pytest.mark.parametrize("role", ["trainee", "trainer"])
def test_only_admins_register_platforms(client, login_as, platform, role):
    login_as(role)
    assert client.get("/admin/lti/new").status_code == 403
    response = client.post("/admin/lti/new", data=_form(platform))
    assert response.status_code in (400, 403)


def test_the_cli_registers_lists_and_updates_platforms(app, platform, db_session, tmp_path):
    from lti.models import LtiPlatform

    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "lti",
            "add-platform",
            "--name",
            "Moodle",
            "--issuer",
            platform.issuer,
            "--client-id",
            platform.client_id,
            "--login-url",
            f"{platform.base}/auth",
            "--token-url",
            f"{platform.base}/token",
            "--jwks-url",
            f"{platform.base}/jwks",
            "--deployment",
            "d1",
            "--deployment",
            "d2",
        ]
    )
    assert result.exit_code == 0, result.output
    saved = db_session.scalars(select(LtiPlatform)).one()
    listed = runner.invoke(args=["lti", "list"])
    assert "Moodle" in listed.output and "d1, d2" in listed.output
    key_file = tmp_path / "platform.pem"
    key_file.write_text(platform.public_pem)
    result = runner.invoke(
        args=[
            "lti",
            "update-platform",
            str(saved.id),
            "--remove-deployment",
            "d1",
            "--add-deployment",
            "d3",
            "--key-file",
            str(key_file),
            "--disable",
        ]
    )
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    saved = db_session.get(LtiPlatform, saved.id)
    assert saved.deployment_ids == ["d2", "d3"]
    assert saved.key_set["keys"][0]["kty"] == "RSA" and not saved.is_enabled
    again = runner.invoke(
        args=[
            "lti",
            "add-platform",
            "--name",
            "x",
            "--issuer",
            platform.issuer,
            "--client-id",
            "another-client",
            "--login-url",
            "nope",
            "--token-url",
            f"{platform.base}/token",
            "--deployment",
            "d",
        ]
    )
    assert again.exit_code != 0 and "web address" in again.output
    urls = runner.invoke(args=["lti", "urls"])
    assert "/lti/login" in urls.output and "/lti/jwks.json" in urls.output
    assert "BEGIN PUBLIC KEY" in urls.output and "PRIVATE" not in urls.output

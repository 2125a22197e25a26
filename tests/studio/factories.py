"""Packages, drafts and published versions of a centre's course, for the studio's tests."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from lms import scope
from lms.db import db
from studio import drafts, publishing
from studio.package_zip import PackageFiles, pack, read_folder
from tests.courses.factories import write_package
from tests.helpers import csrf_token


def package_files(
    tmp_path: Path, slug: str = "centre-course", version: str = "1.0"
) -> PackageFiles:
    """The files of the small valid test package under a slug."""
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    return read_folder(write_package(root, slug=slug, version=version))


def changed(files: PackageFiles, name: str, old: str, new: str) -> PackageFiles:
    """The same package with one text replaced in one file."""
    text = files[name].decode()
    assert old in text, (name, old)
    return {**files, name: text.replace(old, new, 1).encode()}


def publish_course(
    app: Flask, author: Any, files: PackageFiles, centre_id: int = 1
) -> tuple[int, int]:
    """Create a draft of the author's centre with these files and publish it: (draft, version) ids."""
    with app.test_request_context():
        scope.enter(db.session, centre_id)
        author = db.session.merge(author)
        draft = drafts.create_draft(drafts.package_slug(files) or "", files, author, "test")
        outcome = publishing.publish(draft, draft.revision, author)
        assert outcome.version is not None, outcome.problems
        db.session.commit()
        return draft.id, outcome.version.id


def upload(client: FlaskClient, page: str, action: str, data: bytes, **fields: Any) -> TestResponse:
    """Post a ZIP from a page's form, as the author's browser would (with the page's revision)."""
    body = client.get(page).get_data(as_text=True)
    token = csrf_token(client, page)
    if "revision" not in fields and 'name="revision"' in body:
        fields["revision"] = (
            body.split('name="revision"', 1)[1].split('value="', 1)[1].split('"')[0]
        )
    return client.post(
        action,
        data={"csrf_token": token, "package": (io.BytesIO(data), "package.zip"), **fields},
        content_type="multipart/form-data",
    )


__all__ = ["changed", "pack", "package_files", "publish_course", "upload"]

"""Four languages: catalogs complete, locale selection, the switcher, right-to-left Arabic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polib
import pytest
from sqlalchemy import select

from accounts.models import User
from lms.i18n import HTML_LANG
from tests.helpers import submit

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "lms" / "translations"
LANGUAGES = ("fr", "zh", "ar", "es", "ru")


def _catalog(language: str) -> polib.POFile:
    return polib.pofile(str(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete_and_has_no_fuzzy_entry(language):
    catalog = _catalog(language)
    assert [e.msgid for e in catalog.untranslated_entries()] == []
    assert [e.msgid for e in catalog.fuzzy_entries()] == []
    assert "fuzzy" not in catalog.metadata_as_entry().flags


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_keeps_every_placeholder(language):
    import re

    pattern = re.compile(r"%\(\w+\)[sd]")
    for entry in _catalog(language).translated_entries():
        expected = sorted(pattern.findall(entry.msgid_plural or entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            if entry.msgid_plural and len(translations) > 1 and not pattern.findall(text):
                continue  # a plural form may spell out its number (Arabic "two")
            assert sorted(pattern.findall(text)) == expected, (language, entry.msgid)


def test_extraction_finds_no_string_missing_from_the_catalogs(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            "--no-location",
            "app.py",
            "lms",
            "accounts",
            "courses",
            "assessments",
            "certificates",
            "cohorts",
            "templates",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    extracted = {entry.msgid for entry in polib.pofile(str(pot)) if entry.msgid}
    for language in LANGUAGES:
        known = {entry.msgid for entry in _catalog(language) if not entry.obsolete}
        assert sorted(extracted - known) == [], language


def test_compiled_catalogs_exist_for_every_language():
    for language in LANGUAGES:
        assert (TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo").exists(), language


def test_accept_language_picks_the_language(client):
    assert '<html lang="zh-Hans" dir="ltr">' in client.get(
        "/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}
    ).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in client.get(
        "/", headers={"Accept-Language": "de-DE"}
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-FR, en;q=0.5", "fr"),  # a regional variant of a preferred language
        ("en-US,fr;q=0.8", "en"),  # not the lower-weighted exact tag
        ("ar-MA, en;q=0.3", "ar"),
        ("de-DE, zh-TW;q=0.7, fr;q=0.6", "zh"),
        ("fr;q=0, ar", "ar"),  # q=0 means "not this one"
    ],
)
def test_accept_language_follows_the_clients_order_of_preference(client, header, expected):
    page = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{HTML_LANG.get(expected, expected)}"' in page


def test_arabic_pages_are_right_to_left(client):
    page = client.get("/sign-in", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert "تسجيل الدخول" in page


def test_switcher_sets_the_language_without_javascript(client):
    response = submit(client, "/sign-in", {"lang": "ar", "next": "/sign-in"}, action="/language")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert 'dir="rtl"' in client.get("/sign-in").get_data(as_text=True)


def test_switcher_refuses_an_unknown_language_in_the_users_language(client):
    client.get("/", headers={"Accept-Language": "fr"})
    response = submit(
        client, "/", {"lang": "tlh"}, action="/language", headers={"Accept-Language": "fr"}
    )
    assert response.status_code == 400
    assert "Cette langue n’est pas disponible." in response.get_data(as_text=True)


def test_switcher_only_redirects_within_the_site(client):
    response = submit(client, "/", {"lang": "fr", "next": "//evil.example/x"}, action="/language")
    assert response.headers["Location"] == "/"


def test_signed_in_users_preference_wins_and_is_saved(client, login_as, db_session):
    user = login_as("trainee", preferred_language="fr")
    assert 'lang="fr"' in client.get("/home", headers={"Accept-Language": "ar"}).get_data(
        as_text=True
    )
    submit(client, "/home", {"lang": "zh", "next": "/home"}, action="/language")
    db_session.expire_all()
    assert db_session.scalar(select(User.preferred_language).where(User.id == user.id)) == "zh"
    assert 'lang="zh-Hans"' in client.get("/home").get_data(as_text=True)


def test_template_strings_translate_escape_and_pluralise_like_jinjas_own(app):
    from flask import render_template_string

    source = (
        '{{ _("%(name)s: criterion %(n)d met", name=who, n=2) }}|'
        '{{ ngettext("%(num)d trainee", "%(num)d trainees", count) }}'
    )
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        french = render_template_string(source, who="<b>Ana</b>", count=3)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        english = render_template_string(source, who="Ana & Bo", count=1)
    assert "&lt;b&gt;Ana&lt;/b&gt;" in french and "<b>" not in french
    assert (
        french.replace("\u00a0", " ") == "&lt;b&gt;Ana&lt;/b&gt; : critère 2 atteint|3 stagiaires"
    )
    assert english == "Ana &amp; Bo: criterion 2 met|1 trainee"

"""Languages: locale selection, right-to-left, and the template helpers."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from babel.core import negotiate_locale
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from lms.settings import LANGUAGES, RTL_LANGUAGES

babel = Babel()

# Each language named in itself, for the switcher.
LANGUAGE_NAMES = {
    "en": "English",
    "fr": "Français",
    "zh": "中文",
    "ar": "العربية",
    "es": "Español",
    "ru": "Русский",
}
# BCP 47 tags for <html lang>; Chinese here is simplified Chinese.
# The lang attribute of a page: the language code, but Chinese names its script.
HTML_LANG = {"zh": "zh-Hans"}


def select_locale() -> str:
    """The user's saved preference, then the session's choice, then Accept-Language."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated:
        preferred = getattr(current_user, "preferred_language", None)
        if preferred in LANGUAGES:
            return preferred
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return accepted_language(current_app.config["LANGUAGES"])


def accepted_language(supported: tuple[str, ...] | list[str]) -> str:
    """The first language of the request's Accept-Language that we speak, else English.

    Matched on the primary subtag, in the client's order of preference: "fr-FR, en;q=0.5" is
    French and "en-US, fr;q=0.8" English (werkzeug's best_match gets both wrong: it prefers an
    exact tag of lower quality to a regional variant of a higher one). Babel's negotiation does
    the matching; without its aliases, which would map "zh" to "zh_Hans_CN".
    """
    ranked = sorted(request.accept_languages, key=lambda item: -item[1])  # stable
    preferred = [tag.replace("_", "-") for tag, quality in ranked if quality > 0]
    match = negotiate_locale(preferred, supported, sep="-", aliases={})
    return match.lower() if match else "en"


def current_language() -> str:
    """The language code of the current request (one of settings.LANGUAGES)."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def is_rtl(language: str | None = None) -> bool:
    """Whether the language (default: the current one) is written right to left."""
    return (language or current_language()) in RTL_LANGUAGES


def bound_gettext(translations: Any) -> dict[str, Any]:
    """Jinja's newstyle gettext and ngettext bound to one catalogue, for one render.

    Flask-Babel's template callables look up the context, the domain, the locale and the catalogue
    on every string (about 20 us; a page has 30 strings, a tenth of a question page's time). A
    render happens in one locale, so the catalogue is looked up once, by the context processor.
    Same semantics as jinja2.ext's newstyle callables: autoescaped, always %-formatted.
    """

    def translated(context: Context, text: str, variables: dict[str, Any]) -> str:
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our catalogue; the variables get escaped by %
        return text % variables

    @pass_context
    def gettext(context: Context, string: str, **variables: Any) -> str:
        return translated(context, translations.ugettext(string), variables)

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        return translated(context, translations.ungettext(singular, plural, num), variables)

    return {"gettext": gettext, "ngettext": ngettext}


def init_i18n(app: Flask) -> None:
    """Attach Flask-Babel and the template helpers to the app."""
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def _language_context() -> dict[str, object]:
        lang = current_language()
        return {
            "lang": lang,
            "html_lang": HTML_LANG.get(lang, lang),
            "text_dir": "rtl" if is_rtl(lang) else "ltr",
            "language_names": LANGUAGE_NAMES,
            "languages": current_app.config["LANGUAGES"],
            **bound_gettext(get_translations()),
        }


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """The IANA time zones a centre can choose (the system's tz database), sorted."""
    return tuple(sorted(zone for zone in available_timezones() if "/" in zone))


def format_local_time(
    moment: datetime | None, zone: str | None, fmt: str = "%Y-%m-%d %H:%M"
) -> str:
    """A UTC time in a time zone with UTC beside it: "2026-12-02 14:05 (11:05 UTC)"; "... UTC"
    alone without a zone. The UTC part repeats the date only when it differs there."""
    if moment is None:
        return ""
    utc = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    if not zone:
        return f"{utc.strftime(fmt)} UTC"
    local = utc.astimezone(ZoneInfo(zone))
    utc_text = utc.strftime("%H:%M" if local.date() == utc.date() else fmt)
    return f"{local.strftime(fmt)} ({utc_text} UTC)"

"""Translation pages of a course draft: the matrix, a language's texts, the side-by-side editor and
the translators' PO files. For course authors only, inside their centre (lms/scope.py)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from accounts.models import Centre
from lms.access import permission_required
from lms.db import db
from lms.i18n import LANGUAGE_NAMES, is_rtl
from lms.settings import LANGUAGES
from studio import drafts, publishing
from studio.forms import LanguageOfferForm, PoImportForm, TranslationForm
from studio.loader import REFERENCE_LANGUAGE
from studio.models import CourseDraft
from studio.po_exchange import export_po, previous_sources, read_translations
from studio.translations import (
    CATEGORIES,
    STALE,
    Change,
    DraftTexts,
    UnreadableDraft,
    apply_translations,
    check_translation,
    language_kind,
    matrix,
    next_to_do,
    offer_language,
    package_texts,
    target_languages,
)
from studio.views import _conflict  # the studio's one "changed since you opened it" page

bp = Blueprint("studio_translations", __name__)
author_only = permission_required("course_author")
PREVIOUS_VERSIONS = 10  # how far back a stale translation's English is looked for


def _draft_or_404(slug: str) -> CourseDraft:
    draft = drafts.get_draft(slug)
    if draft is None:
        abort(404)
    return draft


def _language_or_404(language: str) -> str:
    if language not in LANGUAGES or language == REFERENCE_LANGUAGE:
        abort(404)
    return language


def _texts(draft: CourseDraft) -> DraftTexts:
    try:
        return package_texts(draft.package, draft.package_sha256)
    except UnreadableDraft:
        abort(409, _("The draft's course.yaml or questions.yaml cannot be read."))


def _centre_languages(draft: CourseDraft) -> list[str]:
    centre = db.session.get(Centre, draft.centre_id)
    return list(centre.languages or []) if centre is not None else []


def _previous(draft: CourseDraft, texts: DraftTexts) -> dict[str, dict[str, str]]:
    """The English texts of the latest published versions, by item id and short hash."""
    older = []
    for version in publishing.versions_of(draft)[:PREVIOUS_VERSIONS]:
        try:
            older.append(package_texts(version.package, version.package_sha256))
        except UnreadableDraft:
            continue
    return previous_sources(texts, older)


@bp.get("/courses/<slug>/translations")
@author_only
def overview(slug: str) -> str:
    """For each language of the course and the centre: texts translated, stale and missing."""
    draft = _draft_or_404(slug)
    texts = _texts(draft)
    languages = target_languages(texts, _centre_languages(draft))
    return render_template(
        "studio/translations.html",
        draft=draft,
        rows=matrix(texts, languages),
        categories=CATEGORIES,
        language_names=LANGUAGE_NAMES,
    )


def _language_page(
    draft: CourseDraft, language: str, status: int = 200, **context: Any
) -> tuple[str, int]:
    texts = _texts(draft)
    return render_template(
        "studio/translation_language.html",
        draft=draft,
        language=language,
        language_name=LANGUAGE_NAMES[language],
        kind=language_kind(texts, language),
        texts=texts,
        row=matrix(texts, [language])[0],
        categories=CATEGORIES,
        import_form=context.pop("import_form", None)
        or PoImportForm(formdata=None, revision=draft.revision),
        offer_form=LanguageOfferForm(
            formdata=None,
            revision=draft.revision,
            offer="complete" if language_kind(texts, language) == "complete" else "partial",
        ),
        **context,
    ), status


@bp.get("/courses/<slug>/translations/<language>")
@author_only
def language_page(slug: str, language: str) -> tuple[str, int]:
    """A language's texts with their state, the PO export and import."""
    return _language_page(_draft_or_404(slug), _language_or_404(language))


@bp.get("/courses/<slug>/translations/<language>.po")
@author_only
def export(slug: str, language: str) -> Response:
    """The course's texts for one language as a PO file for a translator's own tool."""
    draft = _draft_or_404(slug)
    language = _language_or_404(language)
    texts = _texts(draft)
    data = export_po(
        texts,
        language,
        draft.slug,
        f"draft {draft.revision}",
        draft.updated_at,
        _previous(draft, texts),
    )
    response = make_response(data)
    response.headers["Content-Type"] = "text/x-gettext-translation; charset=utf-8"
    filename = f"{draft.slug}-{language}-draft-{draft.revision}.po"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/courses/<slug>/translations/<language>/import")
@author_only
def import_po(slug: str, language: str) -> Response | tuple[str, int]:
    """Read a translator's PO file back: checked whole, nothing saved on any problem."""
    draft = _draft_or_404(slug)
    language = _language_or_404(language)
    form = PoImportForm()
    if not form.validate_on_submit():
        return _language_page(draft, language, 400, import_form=form)
    files = drafts.draft_files(draft)
    texts = _texts(draft)
    media = {name for name in files if name.startswith("media/")}
    result = read_translations(form.po_file.data.read(), texts, language, media)
    if result.problems:
        return _language_page(draft, language, 400, import_form=form, po_problems=result.problems)
    if result.changes:
        try:
            drafts.save_draft(
                draft,
                apply_translations(files, result.changes),
                form.revision.data,
                current_user,
                f"translation:{language}:po",
            )
        except drafts.StaleDraft as error:
            return _conflict(draft, error)
    return _language_page(draft, language, 200, po_result=result)


@bp.post("/courses/<slug>/translations/<language>/offer")
@author_only
def offer(slug: str, language: str) -> Response | tuple[str, int]:
    """Offer a language to trainees as complete (every text translated) or partial."""
    draft = _draft_or_404(slug)
    language = _language_or_404(language)
    form = LanguageOfferForm()
    if not form.validate_on_submit():
        return _language_page(draft, language, 400)
    texts = _texts(draft)
    missing = matrix(texts, [language])[0].total["missing"]
    if form.offer.data == "complete" and missing:
        return _language_page(
            draft,
            language,
            400,
            error=_(
                "Every text must be translated before the language is offered as complete: "
                "%(num)d are missing.",
                num=missing,
            ),
        )
    if form.offer.data != language_kind(texts, language):
        try:
            drafts.save_draft(
                draft,
                offer_language(drafts.draft_files(draft), language, form.offer.data),
                form.revision.data,
                current_user,
                f"translation:{language}:{form.offer.data}",
            )
        except drafts.StaleDraft as error:
            return _conflict(draft, error)
        flash(_("How the language is offered to trainees is changed."), "success")
    return redirect(url_for(".language_page", slug=slug, language=language))


def _item_page(
    draft: CourseDraft,
    language: str,
    item_id: str,
    status: int = 200,
    **context: Any,
) -> tuple[str, int]:
    texts = _texts(draft)
    item = texts.item(item_id)
    if item is None or not item.source.strip():
        abort(404)
    state = texts.status(item, language)
    previous = None
    if state == STALE:
        made_from = texts.sources.get(language, {}).get(item.id, "")
        previous = _previous(draft, texts).get(item.id, {}).get(made_from)
    form = context.pop("form", None) or TranslationForm(
        formdata=None, item=item.id, text=item.texts.get(language, ""), revision=draft.revision
    )
    ids = [i.id for i in texts.items if i.source.strip()]
    following = next_to_do(texts, language, item.id)
    return render_template(
        "studio/translation_item.html",
        draft=draft,
        language=language,
        language_name=LANGUAGE_NAMES[language],
        direction="rtl" if is_rtl(language) else "ltr",
        item=item,
        question=texts.question_of(item),
        state=state,
        previous=previous,
        form=form,
        position=ids.index(item.id) + 1,
        total=len(ids),
        following=following if following is not None and following.id != item.id else None,
        **context,
    ), status


@bp.get("/courses/<slug>/translations/<language>/item")
@author_only
def item_page(slug: str, language: str) -> Response | tuple[str, int]:
    """One text: the English beside the translation, to write or correct it."""
    draft = _draft_or_404(slug)
    language = _language_or_404(language)
    item_id = request.args.get("item", "")
    if not item_id:
        following = next_to_do(_texts(draft), language)
        if following is None:
            flash(_("Every text is translated and up to date in this language."), "success")
            return redirect(url_for(".language_page", slug=slug, language=language))
        return redirect(url_for(".item_page", slug=slug, language=language, item=following.id))
    return _item_page(draft, language, item_id)


@bp.post("/courses/<slug>/translations/<language>/item")
@author_only
def save_item(slug: str, language: str) -> Response | tuple[str, int]:
    """Save one translation (recording the English it was made from) through the draft's
    revision; then the same text again or the next one to do."""
    draft = _draft_or_404(slug)
    language = _language_or_404(language)
    form = TranslationForm()
    texts = _texts(draft)
    item = texts.item(form.item.data or "")
    if item is None or not item.source.strip():
        abort(404)
    if not form.validate_on_submit():
        return _item_page(draft, language, item.id, 400, form=form)
    files = drafts.draft_files(draft)
    text = (form.text.data or "").replace("\r\n", "\n")
    problems = check_translation(item, text, {n for n in files if n.startswith("media/")})
    if problems:
        return _item_page(draft, language, item.id, 400, form=form, problems=problems)
    unchanged = text.strip() == item.texts.get(language, "").strip()
    change = Change(item.id, language, None if unchanged else text.strip(), item.source)
    if not unchanged or texts.status(item, language) == STALE:
        try:
            draft = drafts.save_draft(
                draft,
                apply_translations(files, [change]),
                form.revision.data,
                current_user,
                f"translation:{language}",
            )
        except drafts.StaleDraft as error:
            return _conflict(draft, error)
        flash(_("The translation is saved."), "success")
    if "next" in request.form:
        following = next_to_do(_texts(draft), language, item.id)
        if following is not None:
            return redirect(url_for(".item_page", slug=slug, language=language, item=following.id))
        flash(_("Every text is translated and up to date in this language."), "success")
        return redirect(url_for(".language_page", slug=slug, language=language))
    return redirect(url_for(".item_page", slug=slug, language=language, item=item.id))

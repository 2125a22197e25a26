"""Studio pages of a draft's question bank: the overview (pools per standard, languages, the
checks' findings), adding, editing and deleting a question. For course authors, in their centre."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.access import permission_required
from lms.i18n import current_language
from studio import drafts, outcome_fields
from studio import question_bank as bank
from studio.forms import DeleteQuestionForm, QuestionForm
from studio.models import CourseDraft
from studio.questions import MAX_OPTIONS, MIN_OPTIONS, QUESTION_KINDS
from studio.views import _conflict, _draft_or_404

bp = Blueprint("studio_questions", __name__)
author_only = permission_required("course_author")


def _kind_names() -> dict[str, str]:
    return {
        "single": _("Single answer"),
        "multiple": _("Select all that apply"),
        "true_false": _("True or false"),
        "scenario": _("Scenario (a case, then one answer)"),
    }


@bp.get("/courses/<slug>/questions")
@author_only
def bank_page(slug: str) -> str:
    """The draft's bank by standard, against what the quiz needs, with the checks' findings."""
    draft = _draft_or_404(slug)
    return render_template(
        "studio/questions.html",
        draft=draft,
        bank=bank.overview(drafts.draft_files(draft), str(get_locale() or "en")),
        kinds=_kind_names(),
    )


def _item(draft: CourseDraft, qid: str) -> dict[str, Any]:
    item = next(
        (q for q in bank.raw_questions(drafts.draft_files(draft)) if str(q.get("id")) == qid), None
    )
    if item is None:
        abort(404)
    return item


def _editor(
    draft: CourseDraft,
    question: bank.QuestionInput,
    is_new: bool,
    revision: int,
    status: int = 200,
    errors: bank.Errors | None = None,
    problems: list[str] | None = None,
) -> tuple[str, int]:
    files = drafts.draft_files(draft)
    settings = bank.course_settings(files)
    return render_template(
        "studio/question_edit.html",
        draft=draft,
        question=question,
        is_new=is_new,
        form=QuestionForm(formdata=None, revision=revision),
        settings=settings,
        titles=bank.standard_titles(settings.standards, str(get_locale() or "en")),
        rows=bank.option_rows(question),
        outcomes=outcome_fields.choices(
            question.outcomes, current_language(), outcome_fields.used_in(files)
        ),
        kinds=_kind_names(),
        errors=errors or {},
        problems=problems or [],
        min_options=MIN_OPTIONS,
        max_options=MAX_OPTIONS,
    ), status


@bp.get("/courses/<slug>/questions/new")
@author_only
def new_question(slug: str) -> tuple[str, int]:
    """An empty question of a kind, with a suggested id."""
    draft = _draft_or_404(slug)
    kind = request.args.get("kind", "")
    if kind not in QUESTION_KINDS:
        abort(404)
    ids = [str(q.get("id")) for q in bank.raw_questions(drafts.draft_files(draft))]
    standard = request.args.get("standard", "")
    question = bank.QuestionInput(bank.suggest_id(ids), standard, kind)
    return _editor(draft, question, True, draft.revision)


@bp.get("/courses/<slug>/questions/<qid>")
@author_only
def edit_question(slug: str, qid: str) -> tuple[str, int]:
    """A question of the bank in the editor."""
    draft = _draft_or_404(slug)
    return _editor(draft, bank.from_item(_item(draft, qid)), False, draft.revision)


@bp.post("/courses/<slug>/questions/new")
@author_only
def create_question(slug: str) -> Response | tuple[str, int]:
    """Add a question to the bank (checked first; nothing saved on any problem)."""
    return _save(_draft_or_404(slug), None)


@bp.post("/courses/<slug>/questions/<qid>")
@author_only
def update_question(slug: str, qid: str) -> Response | tuple[str, int]:
    """Save a question of the bank (checked first; nothing saved on any problem)."""
    draft = _draft_or_404(slug)
    return _save(draft, _item(draft, qid))


def _save(draft: CourseDraft, old: dict[str, Any] | None) -> Response | tuple[str, int]:
    form = QuestionForm()
    if not form.validate_on_submit():
        abort(400)
    files = drafts.draft_files(draft)
    settings = bank.course_settings(files)
    kind = str(old.get("kind")) if old is not None else request.form.get("kind", "")
    if kind not in QUESTION_KINDS:
        abort(400)
    question = bank.from_form(request.form, request.form.getlist, kind, settings.languages)
    if old is not None:
        question.id = str(old.get("id"))
    ids = {str(q.get("id")) for q in bank.raw_questions(files)} - {question.id if old else ""}
    errors = bank.check(question, settings, ids, old is None)
    if errors:
        return _editor(draft, question, old is None, form.revision.data, 400, errors=errors)
    item = bank.to_item(question, old)
    old_text = files.get(bank.BANK, b"").decode("utf-8")
    text = bank.write_question(old_text, question.id if old else None, item)
    # The loader's own reading of the bank as it would be saved: anything it finds about this
    # question (in English, as `flask courses load` words it) stops the save too.
    _, found = bank.read_bank(text.encode(), (bank.REFERENCE_LANGUAGE,), settings.standards)
    problems = [
        problem.message
        for problem in found
        if problem.message.startswith(f"{question.id}:")
        or problem.message == f"duplicate question id {question.id!r}"
        or problem.message.startswith("invalid YAML")
    ]
    if problems:
        return _editor(draft, question, old is None, form.revision.data, 400, problems=problems)
    try:
        drafts.save_draft(
            draft,
            {**files, bank.BANK: text.encode()},
            form.revision.data,
            current_user,
            f"question:{question.id}",
        )
    except drafts.StaleDraft as error:
        return _conflict(draft, error)
    except drafts.StudioError as error:
        return _editor(draft, question, old is None, form.revision.data, 400, problems=[str(error)])
    _flash_identity(old_text, text, question.id, old is None)
    return redirect(url_for("studio_questions.bank_page", slug=draft.slug) + f"#q-{question.id}")


def _flash_identity(old_text: str, text: str, qid: str, is_new: bool) -> None:
    if is_new:
        flash(_("Question %(id)s is added to the draft.", id=qid), "success")
        return
    flash(_("Question %(id)s is saved in the draft.", id=qid), "success")
    if _meaning(old_text, qid) != _meaning(text, qid):
        flash(
            _(
                "Its meaning changed (English text, standard or answer key): once published it is "
                "a new question; trainees' past attempts keep the question they saw."
            ),
            "info",
        )
    else:
        flash(_("Only translations changed: once published, the same question is updated."), "info")


def _meaning(text: str, qid: str) -> str | None:
    """A question's content hash as the loader computes it (its English meaning and key)."""
    questions, _problems = bank.read_bank(text.encode(), (bank.REFERENCE_LANGUAGE,), ())
    return next((q.content_hash for q in questions if q.id == qid), None)


@bp.get("/courses/<slug>/questions/<qid>/delete")
@author_only
def confirm_delete(slug: str, qid: str) -> str:
    """Ask before deleting a question."""
    draft = _draft_or_404(slug)
    item = _item(draft, qid)
    return render_template(
        "studio/question_delete.html",
        draft=draft,
        question=bank.from_item(item),
        form=DeleteQuestionForm(formdata=None, revision=draft.revision),
    )


@bp.post("/courses/<slug>/questions/<qid>/delete")
@author_only
def delete_question(slug: str, qid: str) -> Response | tuple[str, int]:
    """Delete a question from the draft's bank."""
    draft = _draft_or_404(slug)
    _item(draft, qid)
    form = DeleteQuestionForm()
    if not form.validate_on_submit():
        abort(400)
    files = drafts.draft_files(draft)
    text = bank.write_question(files[bank.BANK].decode("utf-8"), qid, None)
    try:
        drafts.save_draft(
            draft,
            {**files, bank.BANK: text.encode()},
            form.revision.data,
            current_user,
            f"question-deleted:{qid}",
        )
    except drafts.StaleDraft as error:
        return _conflict(draft, error)
    flash(_("Question %(id)s is deleted from the draft.", id=qid), "success")
    return redirect(url_for("studio_questions.bank_page", slug=draft.slug))

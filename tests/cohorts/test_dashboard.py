"""The readiness dashboard: constant queries, the readiness rule, filters, exports, report."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date, timedelta

from accounts.models import User
from courses.models import Enrolment
from tests.helpers import add_certificate, count_queries, submit


def _members(db_session, n, prefix="Q"):
    users = [
        User(
            role="trainee",
            centre_id=1,
            service_number=f"{prefix}-{i:05d}",
            full_name=f"Trainee {prefix}{i:05d}",
            gender="F" if i % 3 == 0 else "M",
            rank="Corporal" if i % 2 else "Sergeant",
            unit="Alpha" if i % 4 else "Bravo",
            credential_hash="!unusable",
        )
        for i in range(n)
    ]
    db_session.add_all(users)
    db_session.flush()
    return users


def _cohort_with(db_session, make_cohort, trainer, course, n, prefix):
    members = _members(db_session, n, prefix)
    for index, user in enumerate(members):
        if index % 2:
            db_session.add(Enrolment(user_id=user.id, course_id=course.id))
        if index % 5 == 0:
            add_certificate(db_session, user, course, date.today() + timedelta(days=300))
    db_session.commit()
    return make_cohort(
        trainers=[trainer],
        members=members,
        courses=[course],
        deployment_date=date.today() + timedelta(days=90),
    )


def test_dashboard_and_exports_use_a_constant_number_of_queries(
    client, login_as, make_cohort, course, db_session, connection
):
    trainer = login_as("trainer")
    small = _cohort_with(db_session, make_cohort, trainer, course, 10, "S")
    large = _cohort_with(db_session, make_cohort, trainer, course, 500, "L")
    client.application.config["JOB_THRESHOLD_TRAINEES"] = 500  # both exported in the request
    for url in (
        "/cohorts/{id}/dashboard",
        "/cohorts/{id}/dashboard?gender=F&status=not_ready",
        "/cohorts/{id}/export/matrix.csv",
        "/cohorts/{id}/export/readiness.xlsx",
    ):
        few = count_queries(connection, lambda u=url: client.get(u.format(id=small.id)))
        many = count_queries(connection, lambda u=url: client.get(u.format(id=large.id)))
        assert few == many, (url, few, many)


def test_readiness_around_the_deployment_date_and_expiry(
    client, login_as, make_cohort, course, db_session, make_user
):
    trainer = login_as("trainer")
    deployment = date.today() + timedelta(days=60)
    ready, expiring, revoked, nothing = (
        make_user("trainee", full_name=n)
        for n in ("Ready One", "Expiring Two", "Revoked Three", "Nothing Four")
    )
    # Valid through the deployment day itself:
    add_certificate(db_session, ready, course, deployment)
    add_certificate(db_session, expiring, course, deployment - timedelta(days=1))
    add_certificate(
        db_session, revoked, course, deployment + timedelta(days=300), revoked_by=trainer
    )
    db_session.commit()
    cohort = make_cohort(
        trainers=[trainer],
        members=[ready, expiring, revoked, nothing],
        courses=[course],
        deployment_date=deployment,
    )
    page = client.get(f"/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    assert "1 of 4 trainees hold every required certificate" in page
    assert (
        f"certificate expires on {(deployment - timedelta(days=1)).isoformat()}, before the deployment"
        in page
    )
    assert "certificate revoked" in page and "lessons 0/2, quiz not passed" in page
    ready_only = client.get(f"/cohorts/{cohort.id}/dashboard?status=ready").get_data(as_text=True)
    assert "Ready One" in ready_only and "Nothing Four" not in ready_only


def test_filters_and_search(client, login_as, make_cohort, course, db_session):
    trainer = login_as("trainer")
    cohort = _cohort_with(db_session, make_cohort, trainer, course, 30, "F")
    women = client.get(f"/cohorts/{cohort.id}/dashboard?gender=F").get_data(as_text=True)
    assert "10 trainees" in women
    found = client.get(f"/cohorts/{cohort.id}/dashboard?q=f-00007").get_data(as_text=True)
    assert "1 trainee" in found and "Trainee F00007" in found
    bravo = client.get(f"/cohorts/{cohort.id}/dashboard?unit=Bravo").get_data(as_text=True)
    assert "8 trainees" in bravo


def test_paging(client, login_as, make_cohort, course, db_session):
    trainer = login_as("trainer")
    cohort = _cohort_with(db_session, make_cohort, trainer, course, 120, "P")
    first = client.get(f"/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    third = client.get(f"/cohorts/{cohort.id}/dashboard?page=3").get_data(as_text=True)
    assert "Trainee P00000" in first and "Trainee P00119" not in first
    assert "Trainee P00119" in third and "Page 3 of 3" in third


def test_exports_guard_against_formula_injection_and_keep_every_script(
    client, login_as, make_cohort, course, make_user
):
    trainer = login_as("trainer")
    evil = make_user("trainee", full_name='=HYPERLINK("http://evil.example","x")', unit="+SUM(A1)")
    names = [make_user("trainee", full_name=n) for n in ("张伟", "محمد العلوي", "አበበ ቢቂላ", "-2+3")]
    cohort = make_cohort(trainers=[trainer], members=[evil, *names], courses=[course])
    csv_text = client.get(f"/cohorts/{cohort.id}/export/matrix.csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeff")
    assert "'=HYPERLINK" in csv_text and "'+SUM(A1)" in csv_text and "'-2+3" in csv_text
    assert "\n=HYPERLINK" not in csv_text and ",=HYPERLINK" not in csv_text
    from openpyxl import load_workbook

    workbook = load_workbook(
        io.BytesIO(client.get(f"/cohorts/{cohort.id}/export/readiness.xlsx").data)
    )
    cells = [
        str(cell.value)
        for row in workbook.active.iter_rows()
        for cell in row
        if cell.value is not None
    ]
    assert "张伟" in cells and "አበበ ቢቂላ" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)


def test_readiness_report_is_one_page_with_the_gender_breakdown(
    client, login_as, make_cohort, course, db_session, tmp_path
):
    trainer = login_as("trainer")
    cohort = _cohort_with(db_session, make_cohort, trainer, course, 120, "R")
    response = client.get(f"/cohorts/{cohort.id}/readiness.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    (tmp_path / "r.pdf").write_bytes(response.data)
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "r.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^Pages:\s+1$", info, flags=re.M)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert (
        "Trainees not ready" in text
        and "Gender" in text
        and "more: see the readiness export" in text
    )


def test_dashboard_in_chinese(client, login_as, make_cohort, course, db_session):
    trainer = login_as("trainer", preferred_language="zh")
    cohort = _cohort_with(db_session, make_cohort, trainer, course, 5, "Z")
    page = client.get(f"/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    assert 'lang="zh-Hans"' in page and "<svg" in page and "<script" not in page


def test_heat_map_follows_the_one_mastery_rule_with_its_validity(
    app, login_as, make_cohort, course, make_user, db_session
):
    from assessments.models import Evaluation
    from cohorts.dashboard import build_dashboard

    trainer = login_as("trainer")
    fresh, stale = make_user("trainee"), make_user("trainee")
    for trainee, days_ago in ((fresh, 10), (stale, 400)):  # the mini course's validity is 12 months
        db_session.add(
            Evaluation(
                kind="paper_quiz",
                trainee_id=trainee.id,
                evaluator_id=trainer.id,
                course_id=course.id,
                standard_code="SEA-1",
                standard_version=1,
                percent=95.0,
                passed=True,
                observed_on=date.today() - timedelta(days=days_ago),
            )
        )
    db_session.commit()
    cohort = make_cohort(trainers=[trainer], members=[fresh, stale], courses=[course])
    with app.app_context():
        from lms.db import db

        board = build_dashboard(db.session.get(type(cohort), cohort.id), date.today())
    assert board.mastery[(fresh.id, "SEA-1")] is True
    assert board.mastery[(stale.id, "SEA-1")] is False
    assert board.mastery_share()["SEA-1"] == (1, 2)


def test_the_trainer_home_links_each_cohort_and_offers_a_new_one(
    client, login_as, make_user, make_cohort, db_session
):
    trainer = login_as("trainer")
    mine = make_cohort(trainers=[trainer], members=[make_user("trainee")])
    other = make_cohort(trainers=[make_user("trainer")], members=[])
    page = client.get("/home").get_data(as_text=True)
    assert f'href="/cohorts/{mine.id}"' in page and f'href="/cohorts/{mine.id}/dashboard"' in page
    assert f"/cohorts/{other.id}" not in page  # another trainer's cohort is not listed
    assert 'href="/cohorts/new"' in page


def test_gender_is_written_out_in_the_readers_language_everywhere(
    client, login_as, make_cohort, course, db_session, tmp_path
):
    """Reports and exports say "أنثى" / "Femme", not the roster's codes F and M."""
    from openpyxl import load_workbook

    trainer = login_as("trainer", preferred_language="ar")
    cohort = _cohort_with(db_session, make_cohort, trainer, course, 6, "G")
    workbook = load_workbook(
        io.BytesIO(client.get(f"/cohorts/{cohort.id}/export/readiness.xlsx").data)
    )
    header, *rows = [[cell.value for cell in row] for row in workbook.active.iter_rows()]
    genders = {row[header.index("الجنس")] for row in rows}
    assert genders == {"أنثى", "ذكر"}
    pdf = client.get(f"/cohorts/{cohort.id}/readiness.pdf").data
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "أنثى" in text and "ذكر" in text
    submit(client, "/home", {"lang": "fr", "next": "/home"}, action="/language")
    trainer_page = client.get(f"/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    assert "Femme" in trainer_page and ">F<" not in trainer_page


def _ranked(db_session, make_cohort, trainer, course, ranks):
    members = [
        User(
            role="trainee",
            centre_id=1,
            service_number=f"RK-{i:04d}",
            full_name=f"Ranked {i:02d}",
            rank=rank,
            credential_hash="!unusable",
        )
        for i, rank in enumerate(ranks)
    ]
    db_session.add_all(members)
    db_session.commit()
    return make_cohort(trainers=[trainer], members=members, courses=[course])


def test_ranks_are_in_the_readers_language_in_the_exports_and_the_report(
    client, login_as, make_cohort, course, db_session, tmp_path
):
    """A French or Arabic trainer reads "Sergent" / "رقيب" for a roster's "Sgt"; a rank the
    vocabulary does not know is kept as entered, never dropped."""
    from openpyxl import load_workbook

    trainer = login_as("trainer", preferred_language="ar")
    ranks = ["Sgt", "Lieutenant-Colonel", "Capitaine", "Havildar", None]
    cohort = _ranked(db_session, make_cohort, trainer, course, ranks)

    def export_ranks(header_name):
        workbook = load_workbook(
            io.BytesIO(client.get(f"/cohorts/{cohort.id}/export/readiness.xlsx").data)
        )
        header, *rows = [[cell.value for cell in row] for row in workbook.active.iter_rows()]
        return {row[1]: row[header.index(header_name)] for row in rows}

    assert export_ranks("الرتبة") == {
        "Ranked 00": "رقيب",
        "Ranked 01": "مقدم",
        "Ranked 02": "نقيب",
        "Ranked 03": "Havildar",
        "Ranked 04": None,  # an empty cell
    }
    pdf = client.get(f"/cohorts/{cohort.id}/readiness.pdf").data
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "رقيب" in text and "مقدم" in text and "Havildar" in text and "Sgt" not in text

    submit(client, "/home", {"lang": "fr", "next": "/home"}, action="/language")
    assert export_ranks("Grade") == {
        "Ranked 00": "Sergent",
        "Ranked 01": "Lieutenant-colonel",
        "Ranked 02": "Capitaine",
        "Ranked 03": "Havildar",
        "Ranked 04": None,
    }
    matrix = client.get(f"/cohorts/{cohort.id}/export/matrix.csv").get_data(as_text=True)
    assert ",Sergent," in matrix and ",Lieutenant-colonel," in matrix and "Sgt" not in matrix


def test_the_arabic_dashboard_groups_spellings_of_one_rank(
    client, login_as, make_cohort, course, db_session
):
    trainer = login_as("trainer", preferred_language="ar")
    ranks = ["Sgt", "Sergeant", "SGT.", "Sergent", "Capt", "Havildar", "havildar", None]
    cohort = _ranked(db_session, make_cohort, trainer, course, ranks)
    page = client.get(f"/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    chart = page[page.index("الجاهزون، حسب الرتبة") :]
    chart = chart[: chart.index("</table>")]
    bars = re.findall(r"<bdi>([^<]*)</bdi>.*?(\d+) من (\d+)", chart, flags=re.S)
    assert [(label, int(total)) for label, _, total in bars] == [
        ("رقيب", 4),
        ("Havildar", 2),
        ("نقيب", 1),
        ("غير مسجَّل", 1),
    ]
    # The rows too: each trainee's rank in Arabic, an unknown one as entered, isolated.
    assert page.count('<span dir="auto">رقيب</span>') == 4
    assert '<span dir="auto">havildar</span>' in page and "Sgt" not in page

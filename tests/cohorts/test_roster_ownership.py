"""A roster never takes a trainee from another trainer (the HIGH finding of the security review).

Reproduced before the fix: trainer B imported a CSV holding the service numbers of trainer A's
cohort; the preview said "will be updated", confirming rewrote A's trainee (e-mail, rank, unit) and
added them to B's cohort (which gave B their certificates, evaluations and revocation rights), and
B's login slips issued a new PIN that signed B in as A's trainee.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from accounts.models import User
from cohorts.models import Cohort
from tests.conftest import TEST_SECRET
from tests.helpers import print_slips, sign_in, submit

TRANSFER_ERROR = "belongs to another cohort of this centre; ask a centre administrator to transfer"


@pytest.fixture
def trainer_a(make_user):
    return make_user("trainer")


@pytest.fixture
def a_trainee(make_user):
    """A's trainee, who has chosen their own PIN (TEST_SECRET) and signed in."""
    return make_user(
        "trainee",
        service_number="NP-77001",
        full_name="Sita Gurung",
        rank="Captain",
        unit="NEPBATT 1",
        email="sita@example.org",
        temporary=False,
    )


@pytest.fixture
def cohort_a(make_cohort, trainer_a, a_trainee, course):
    return make_cohort(trainers=[trainer_a], members=[a_trainee], courses=[course], name="A coy")


@pytest.fixture
def cohort_b(make_cohort, login_as, course):
    """Trainer B (signed in on `client`) and B's own cohort."""
    trainer_b = login_as("trainer")
    return make_cohort(trainers=[trainer_b], courses=[course], name="B coy")


def _upload(client, cohort, csv_text: str) -> str:
    response = submit(
        client,
        f"/cohorts/{cohort.id}",
        {"roster": (io.BytesIO(csv_text.encode()), "roster.csv")},
        action=f"/cohorts/{cohort.id}/roster",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


HIJACK = (
    "service_number,full_name,rank,unit,email\n"
    "NP-77001,Sita Gurung,Private,B unit,attacker@example.org\n"
    "NP-77555,New Person,Corporal,B unit,\n"
)


def _profile(db_session, user_id: int) -> tuple:
    db_session.expire_all()
    user = db_session.get(User, user_id)
    return (user.full_name, user.rank, user.unit, user.email, user.credential_hash)


def test_a_roster_cannot_take_another_trainers_trainee(
    client, db_session, cohort_a, cohort_b, a_trainee
):
    before = _profile(db_session, a_trainee.id)
    preview = _upload(client, cohort_b, HIJACK)
    page = client.get(preview).get_data(as_text=True)
    assert TRANSFER_ERROR in page
    assert "will be updated" not in page and "no change" not in page
    # Nothing further is revealed: not A's cohort, nor what A's record holds.
    assert "A coy" not in page and "NEPBATT 1" not in page and "sita@example.org" not in page

    confirm = submit(client, preview, {}, action=preview + "/confirm")
    assert confirm.status_code == 409
    assert _profile(db_session, a_trainee.id) == before
    assert [m.id for m in db_session.get(Cohort, cohort_b.id).members] == []
    assert db_session.scalar(select(User).where(User.service_number == "NP-77555")) is None


def test_membership_gained_after_the_preview_is_checked_again_at_import(
    client, db_session, make_cohort, make_user, cohort_b, course
):
    """The preview was clean, then another trainer's cohort took the trainee: import refuses."""
    trainee = make_user("trainee", service_number="NP-77002", temporary=False)
    preview = _upload(client, cohort_b, "service_number,full_name\nNP-77002,Changed Name\n")
    assert "will be updated" in client.get(preview).get_data(as_text=True)
    make_cohort(trainers=[make_user("trainer")], members=[trainee], courses=[course])
    before = _profile(db_session, trainee.id)
    confirm = submit(client, preview, {}, action=preview + "/confirm")
    assert confirm.status_code == 409 and TRANSFER_ERROR in confirm.get_data(as_text=True)
    assert _profile(db_session, trainee.id) == before
    assert db_session.get(Cohort, cohort_b.id).members == []


def test_a_trainer_of_every_cohort_of_the_trainee_may_update_them(
    client, db_session, make_cohort, make_user, cohort_b, course
):
    trainer_b = db_session.get(Cohort, cohort_b.id).trainers[0]
    trainee = make_user("trainee", service_number="NP-77003", rank="Captain", temporary=False)
    make_cohort(trainers=[trainer_b, make_user("trainer")], members=[trainee], courses=[course])
    preview = _upload(client, cohort_b, "service_number,full_name,rank\nNP-77003,Ram Thapa,Major\n")
    assert "will be updated" in client.get(preview).get_data(as_text=True)
    assert submit(client, preview, {}, action=preview + "/confirm").status_code == 302
    db_session.expire_all()
    assert db_session.get(User, trainee.id).rank == "Major"
    assert [m.id for m in db_session.get(Cohort, cohort_b.id).members] == [trainee.id]


def test_an_administrator_may_update_any_trainee(
    app, db_session, make_user, cohort_a, a_trainee, course, make_cohort
):
    admin = make_user("admin")
    admin_client = app.test_client()
    sign_in(admin_client, admin.sign_in_name, TEST_SECRET)
    other = make_cohort(trainers=[make_user("trainer")], courses=[course])
    preview = _upload(
        admin_client, other, "service_number,full_name,rank\nNP-77001,Sita Gurung,Major\n"
    )
    assert "will be updated" in admin_client.get(preview).get_data(as_text=True)
    assert submit(admin_client, preview, {}, action=preview + "/confirm").status_code == 302
    db_session.expire_all()
    assert db_session.get(User, a_trainee.id).rank == "Major"


def test_slips_never_replace_a_pin_the_trainee_chose(
    app, client, db_session, make_user, cohort_b, course
):
    cohort = db_session.get(Cohort, cohort_b.id)
    chosen = make_user("trainee", service_number="NP-77004", temporary=False)
    cohort.members.append(db_session.merge(chosen))
    db_session.commit()
    before = _profile(db_session, chosen.id)
    pdf = print_slips(client, cohort.id)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert _profile(db_session, chosen.id) == before
    trainee_client = app.test_client()
    assert sign_in(trainee_client, "NP-77004", TEST_SECRET).headers["Location"] == "/home"


def test_slips_of_another_trainer_never_touch_a_trainee_outside_their_cohorts(
    app, client, db_session, cohort_a, cohort_b, a_trainee, make_user
):
    """B's slips after the refused import: A's trainees keep their credentials and sessions."""
    _upload(client, cohort_b, HIJACK)
    db_session.expire_all()
    user = db_session.get(User, a_trainee.id)
    user.is_credential_temporary = True  # even an account that has not chosen its PIN yet
    db_session.commit()
    before = _profile(db_session, a_trainee.id)
    pdf = print_slips(client, cohort_b.id)
    assert pdf.status_code == 200
    assert _profile(db_session, a_trainee.id) == before


def _transfer_form(client, preview: str) -> dict:
    page = client.get(preview).get_data(as_text=True)
    assert "Ask for a transfer" in page
    return {"service_number": "NP-77001", "nationality": "NPL", "reason": "Posted to B coy"}


def test_a_transfer_is_asked_by_the_trainer_and_decided_by_an_administrator(
    app, client, db_session, cohort_a, cohort_b, a_trainee, make_user
):
    from cohorts.models import TransferRequest
    from lms.audit import AuditEvent

    preview = _upload(client, cohort_b, HIJACK)
    asked = submit(
        client, preview, _transfer_form(client, preview), action=f"/cohorts/{cohort_b.id}/transfers"
    )
    assert asked.status_code == 302
    assert "Transfer requested" in client.get(asked.headers["Location"]).get_data(as_text=True)
    transfer = db_session.scalars(select(TransferRequest)).one()
    assert transfer.state == "pending" and transfer.to_cohort_id == cohort_b.id
    assert [m.id for m in db_session.get(Cohort, cohort_a.id).members] == [a_trainee.id]

    # A trainer cannot decide, not even their own request.
    assert client.get("/cohorts/transfers").status_code == 403
    refused = client.post(f"/cohorts/transfers/{transfer.id}", data={"decision": "approve"})
    assert refused.status_code in {400, 403}

    admin = make_user("admin")
    admin_client = app.test_client()
    sign_in(admin_client, admin.sign_in_name, TEST_SECRET)
    page = admin_client.get("/cohorts/transfers").get_data(as_text=True)
    assert "Sita Gurung" in page and "A coy" in page and "Posted to B coy" in page
    decided = submit(
        admin_client,
        "/cohorts/transfers",
        {"decision": "approve"},
        action=f"/cohorts/transfers/{transfer.id}",
    )
    assert decided.status_code == 302
    db_session.expire_all()
    assert [m.id for m in db_session.get(Cohort, cohort_b.id).members] == [a_trainee.id]
    assert db_session.get(Cohort, cohort_a.id).members == []
    transfer = db_session.get(TransferRequest, transfer.id)
    assert transfer.state == "approved" and transfer.decided_by_id == admin.id
    actions = set(db_session.scalars(select(AuditEvent.action)))
    assert {"transfer.requested", "transfer.approved"} <= actions
    # Decided once.
    again = submit(
        admin_client,
        "/cohorts/transfers",
        {"decision": "refuse"},
        action=f"/cohorts/transfers/{transfer.id}",
    )
    assert "already been decided" in admin_client.get(again.headers["Location"]).get_data(
        as_text=True
    )
    # Now B runs every cohort of the trainee: B's roster may update them.
    preview = _upload(
        client, cohort_b, "service_number,full_name,rank\nNP-77001,Sita Gurung,Major\n"
    )
    assert "will be updated" in client.get(preview).get_data(as_text=True)


def test_a_refused_transfer_changes_no_cohort(
    app, client, db_session, cohort_a, cohort_b, a_trainee, make_user
):
    from cohorts.models import TransferRequest

    preview = _upload(client, cohort_b, HIJACK)
    submit(
        client, preview, _transfer_form(client, preview), action=f"/cohorts/{cohort_b.id}/transfers"
    )
    transfer = db_session.scalars(select(TransferRequest)).one()
    admin_client = app.test_client()
    sign_in(admin_client, make_user("admin").sign_in_name, TEST_SECRET)
    submit(
        admin_client,
        "/cohorts/transfers",
        {"decision": "refuse"},
        action=f"/cohorts/transfers/{transfer.id}",
    )
    db_session.expire_all()
    assert db_session.get(TransferRequest, transfer.id).state == "refused"
    assert [m.id for m in db_session.get(Cohort, cohort_a.id).members] == [a_trainee.id]
    assert db_session.get(Cohort, cohort_b.id).members == []


def test_a_transfer_cannot_reach_into_another_centre(
    client, db_session, cohort_b, make_centre, make_user
):
    from cohorts.models import TransferRequest

    other = make_centre(name="Another centre", country="NPL")
    make_user("trainee", service_number="NP-77009", nationality="NPL", centre_id=other.id)
    response = submit(
        client,
        f"/cohorts/{cohort_b.id}",
        {"service_number": "NP-77009", "nationality": "NPL", "reason": ""},
        action=f"/cohorts/{cohort_b.id}/transfers",
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No trainee of this centre has this service number" in page
    assert db_session.scalars(select(TransferRequest)).all() == []


def test_a_trainee_moves_to_another_centre_when_its_administrator_accepts(
    app, db_session, make_centre, make_user, make_cohort, course
):
    from datetime import date, timedelta

    from certificates.models import Certificate
    from cohorts.models import TransferRequest
    from tests.helpers import add_certificate

    dakar = make_centre(name="Dakar centre", country="SEN")
    trainee = make_user(
        "trainee", service_number="SN-5005", nationality="SEN", full_name="Awa Fall"
    )
    certificate = add_certificate(db_session, trainee, course, date.today() + timedelta(days=50))
    db_session.commit()
    home = make_cohort(members=[trainee], courses=[course], name="Home cohort")
    admin_a = make_user("admin")
    admin_b = make_user("admin", centre_id=dakar.id)
    a_client, b_client = app.test_client(), app.test_client()
    sign_in(a_client, admin_a.sign_in_name, TEST_SECRET)
    sign_in(b_client, admin_b.sign_in_name, TEST_SECRET)

    # B cannot see the trainee yet, and cannot ask for them.
    assert b_client.get(f"/admin/users/{trainee.id}").status_code == 404
    asked = submit(
        a_client,
        f"/admin/users/{trainee.id}",
        {"to_centre": str(dakar.id), "reason": "Joins the Dakar rotation"},
        action=f"/cohorts/transfers/trainees/{trainee.id}",
    )
    assert asked.status_code == 302
    transfer = db_session.scalars(select(TransferRequest)).one()
    assert transfer.to_centre_id == dakar.id and transfer.state == "pending"
    assert "Dakar centre" in a_client.get("/cohorts/transfers").get_data(as_text=True)
    # A's administrator cannot decide it: the receiving centre does.
    assert (
        submit(
            a_client,
            "/cohorts/transfers",
            {"decision": "approve"},
            action=f"/cohorts/transfers/{transfer.id}",
        ).status_code
        == 404
    )

    page = b_client.get("/cohorts/transfers").get_data(as_text=True)
    assert "Awa Fall" in page and "Joins the Dakar rotation" in page
    decided = submit(
        b_client,
        "/cohorts/transfers",
        {"decision": "approve"},
        action=f"/cohorts/transfers/{transfer.id}",
    )
    assert decided.status_code == 302
    db_session.expire_all()
    moved = db_session.get(User, trainee.id)
    assert moved.centre_id == dakar.id
    assert db_session.get(Certificate, certificate.id).centre_id == dakar.id
    assert db_session.get(Cohort, home.id).members == []
    assert b_client.get(f"/admin/users/{trainee.id}").status_code == 200
    assert a_client.get(f"/admin/users/{trainee.id}").status_code == 404
    own = app.test_client()
    sign_in(own, "SN-5005", TEST_SECRET)
    assert [c["serial"] for c in own.get("/account/record.json").get_json()["certificates"]] == [
        certificate.serial
    ]


def test_a_centre_transfer_is_refused_where_the_number_exists(
    app, db_session, make_centre, make_user
):
    from cohorts.models import TransferRequest

    dakar = make_centre(name="Dakar centre", country="SEN")
    trainee = make_user("trainee", service_number="SN-6006", nationality="SEN")
    make_user("trainee", service_number="SN-6006", nationality="SEN", centre_id=dakar.id)
    admin_a, admin_b = make_user("admin"), make_user("admin", centre_id=dakar.id)
    a_client, b_client = app.test_client(), app.test_client()
    sign_in(a_client, admin_a.sign_in_name, TEST_SECRET)
    sign_in(b_client, admin_b.sign_in_name, TEST_SECRET)
    submit(
        a_client,
        f"/admin/users/{trainee.id}",
        {"to_centre": str(dakar.id), "reason": ""},
        action=f"/cohorts/transfers/trainees/{trainee.id}",
    )
    transfer = db_session.scalars(select(TransferRequest)).one()
    response = submit(
        b_client,
        "/cohorts/transfers",
        {"decision": "approve"},
        action=f"/cohorts/transfers/{transfer.id}",
    )
    assert "already has an account" in b_client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    db_session.expire_all()
    assert db_session.get(User, trainee.id).centre_id != dakar.id
    assert db_session.get(TransferRequest, transfer.id).state == "pending"


def test_the_transfers_page_reads_a_fixed_number_of_times(
    app, connection, db_session, make_user, make_cohort, course
):
    """No query per request shown (trainee, cohorts left, who asked, where to)."""
    from cohorts.models import TransferRequest
    from tests.helpers import count_queries

    admin = make_user("admin")
    admin_client = app.test_client()
    sign_in(admin_client, admin.sign_in_name, TEST_SECRET)
    target = make_cohort(trainers=[make_user("trainer")], courses=[course])

    def ask(n: int) -> None:
        for _ in range(n):
            trainee = make_user("trainee")
            make_cohort(trainers=[make_user("trainer")], members=[trainee], courses=[course])
            db_session.add(
                TransferRequest(
                    centre_id=trainee.centre_id,
                    trainee_id=trainee.id,
                    to_cohort_id=target.id,
                    requested_by_id=admin.id,
                )
            )
        db_session.commit()

    ask(1)
    one = count_queries(connection, lambda: admin_client.get("/cohorts/transfers"))
    ask(5)
    six = count_queries(connection, lambda: admin_client.get("/cohorts/transfers"))
    assert six == one

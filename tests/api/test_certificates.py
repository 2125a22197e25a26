"""Certificates through the API: status by serial, a trainee's certificates; both scoped."""

from __future__ import annotations

from datetime import date, timedelta


def _setup(make_user, make_cohort, course, certify):
    admin = make_user("admin")
    holder = make_user("trainee", full_name="Asha Rai", rank="Sergeant", service_number="NP/0042")
    stranger = make_user("trainee", service_number="GH-7")
    valid = certify(holder, course, date.today() + timedelta(days=100))
    expired = certify(holder, course, date.today() - timedelta(days=1))
    revoked = certify(stranger, course, date.today() + timedelta(days=100), revoked_by=admin)
    mine = make_cohort(members=[holder], courses=[course], country="NPL")
    theirs = make_cohort(members=[stranger], courses=[course], country="GHA")
    return holder, mine, theirs, valid, expired, revoked


def test_certificate_status_by_serial(make_user, make_cohort, course, certify, make_token, api_get):
    holder, mine, theirs, valid, expired, revoked = _setup(make_user, make_cohort, course, certify)
    token = make_token([mine])
    body = api_get(f"/certificates/{valid.serial}", token).json
    assert body == {
        "serial": valid.serial,
        "status": "valid",
        "holder": {
            "name": "Asha Rai",
            "service_number": "NP/0042",
            "rank": "Sergeant",
            "country": None,
        },
        "course": {"slug": "mini-course", "title": "Mini course", "version": "1.0"},
        "issued_on": valid.issued_on.isoformat(),
        "expires_on": valid.expires_on.isoformat(),
        "sha256": "ab" * 32,
        "revoked_on": None,
        "revocation_reason": None,
        "verify_url": f"http://lms.test/verify/{valid.serial}",
    }
    assert api_get(f"/certificates/{expired.serial}", token).json["status"] == "expired"
    # Case and hyphens do not matter, as on the public verification.
    typed = valid.serial.replace("-", "").lower()
    assert api_get(f"/certificates/{typed}", token).json["serial"] == valid.serial

    # The holder of this one is outside the token's scope: not revealed.
    hidden = api_get(f"/certificates/{revoked.serial}", token)
    assert hidden.status_code == 404 and hidden.json["code"] == "not_found"
    everything = make_token(all_cohorts=True)
    shown = api_get(f"/certificates/{revoked.serial}", everything).json
    assert shown["status"] == "revoked" and shown["revocation_reason"] == "misconduct"
    assert shown["revoked_on"] == date.today().isoformat()


def test_a_mistyped_serial_says_so(make_cohort, make_token, api_get):
    from certificates.serials import new_serial

    token = make_token([make_cohort()])
    serial = new_serial()
    swapped = serial[:-2] + serial[-1] + serial[-2]
    if swapped == serial:
        swapped = serial[:-1] + ("2" if serial[-1] != "2" else "3")
    for wrong in (swapped, "hello", "0000-0000-0000-0000"):
        response = api_get(f"/certificates/{wrong}", token)
        assert response.status_code == 404, wrong
        assert response.json["code"] == "invalid_serial"
    unknown = api_get(f"/certificates/{serial}", token)
    assert unknown.status_code == 404 and unknown.json["code"] == "not_found"


def test_certificates_of_a_trainee_by_service_number(
    make_user, make_cohort, course, certify, make_token, api_get
):
    holder, mine, theirs, valid, expired, revoked = _setup(make_user, make_cohort, course, certify)
    token = make_token([mine])
    body = api_get("/certificates?service_number=np/0042", token).json
    assert body["trainee"] == {
        "service_number": "NP/0042",
        "name": "Asha Rai",
        "rank": "Sergeant",
        "gender": None,
        "nationality": None,
        "unit": None,
    }
    # Newest first (the expired one was issued after the valid one here).
    assert [c["serial"] for c in body["certificates"]] == [expired.serial, valid.serial]
    assert {c["serial"]: c["status"] for c in body["certificates"]} == {
        valid.serial: "valid",
        expired.serial: "expired",
    }
    assert api_get("/certificates?service_number=GH-7", token).status_code == 404
    assert api_get("/certificates?service_number=NOBODY", token).status_code == 404
    for bad in ("", "a b", "x" * 33):
        response = api_get("/certificates", token, query_string={"service_number": bad})
        assert response.status_code == 400, bad
        assert response.json["code"] == "invalid_parameter"
    assert api_get("/certificates", token).status_code == 400
    # Staff are not trainees: never found.
    staff = make_user("trainer", service_number="T-1")
    assert api_get(f"/certificates?service_number={staff.service_number}", token).status_code == 404

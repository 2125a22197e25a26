"""LTI roles -> local role (pure function)."""

from __future__ import annotations

import pytest

from lti.roles import local_role

V = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([V + "membership#Learner"], "trainee"),
        (["Learner"], "trainee"),  # the short form of a context role
        ([V + "institution/person#Student"], "trainee"),
        ([V + "membership/Learner#Learner"], "trainee"),
        ([V + "membership#Instructor"], "trainer"),
        (["Instructor"], "trainer"),
        ([V + "membership/Instructor#TeachingAssistant"], "trainer"),
        ([V + "membership/Instructor#Grader"], "trainer"),
        ([V + "membership#ContentDeveloper"], "trainer"),
        ([V + "membership#Administrator"], "trainer"),
        ([V + "institution/person#Instructor"], "trainer"),
        ([V + "institution/person#Administrator"], "trainer"),
        ([V + "membership#Learner", V + "membership#Instructor"], "trainer"),
        # System roles do not count: a platform's system administrator is no local administrator.
        ([V + "system/person#Administrator"], None),
        ([V + "system/person#Administrator", V + "membership#Learner"], "trainee"),
        ([V + "membership#Mentor"], None),
        ([V + "membership/Mentor#Advisor"], None),
        # A sub-role is its principal role: Learner#Instructor is a kind of learner, no teacher.
        ([V + "membership/Learner#Instructor"], "trainee"),
        ([V + "membership#Learner", V + "membership/Learner#Instructor"], "trainee"),
        ([V + "membership/Learner#GuestLearner"], "trainee"),
        ([V + "membership/Mentor#Instructor"], None),
        # The role in the launch's context decides: a teacher elsewhere in the institution (Canvas
        # sends institution/person#Instructor to anyone teaching any course) who is a learner
        # here is a learner here; institution roles count only when no context role is given.
        ([V + "membership#Learner", V + "institution/person#Instructor"], "trainee"),
        ([V + "membership#Learner", V + "institution/person#Administrator"], "trainee"),
        ([V + "membership#Mentor", V + "institution/person#Instructor"], None),
        ([V + "institution/person#Student", V + "institution/person#Instructor"], "trainer"),
        (["http://example.org/roles#Instructor"], None),
        (["urn:lti:role:ims/lis/Instructor"], None),
        ([], None),
        ([None, 3], None),
    ],
)
def test_lti_roles_map_to_a_local_role(roles, expected):
    assert local_role(roles) == expected


def test_nobody_becomes_an_administrator():
    every = [
        V + kind + "#" + name
        for kind in ("membership", "institution/person", "system/person")
        for name in ("Administrator", "SysAdmin", "Instructor", "Learner")
    ]
    assert local_role(every) == "trainer"

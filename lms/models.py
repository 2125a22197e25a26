"""Imports every model of the product, so that the metadata is complete (Alembic, tests)."""

from accounts.models import User  # noqa: F401
from assessments.models import Question, Standard  # noqa: F401
from courses.models import (  # noqa: F401
    Course,
    CourseMedia,
    CourseVersion,
    Enrolment,
    Lesson,
    LessonProgress,
    LessonText,
)
from lms.audit import AuditEvent  # noqa: F401

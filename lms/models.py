"""Imports every model of the product, so that the metadata is complete (Alembic, tests)."""

# The interoperability packages with tables of their own (xAPI uses the outbox; badges store nothing).
import api.models  # noqa: F401
import lti.models  # noqa: F401
from accounts.models import User  # noqa: F401
from assessments.models import (  # noqa: F401
    AnswerRecord,
    AttemptItem,
    AttemptResult,
    Evaluation,
    Question,
    QuizAttempt,
    Rubric,
    Standard,
)
from certificates.models import Certificate, CertificateRevocation  # noqa: F401
from cohorts.models import Cohort, RosterImport  # noqa: F401
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
from lms.outbox import OutboxMessage  # noqa: F401

"""The centre boundary: the one place where every query and write is held to the acting centre.

Records that belong to a training centre (people, cohorts, rosters, certificates, API tokens, LTI
platforms, a centre's own courses) inherit `CentreOwned`. Once a request knows who is acting
(`enter(session, centre_id)`, called by the sign-in layer for a user and by the read API for a
token), every ORM statement of that session -- selects, `Session.get`, relationship loads, ORM
updates and deletes -- gets the criterion "centre_id is the acting centre" added by SQLAlchemy's
`with_loader_criteria`, so a view cannot forget it; and a flush refuses to write a centre-owned
record of another centre. A new record gets the acting centre unless it names one.

Sessions without a scope (anonymous pages such as certificate verification and sign-in, LTI
launches, CLI commands, background work) see everything: what they show is decided by their own
rules. Code that must cross the boundary on purpose (the platform administrator's list of centres
and their administrators) says so with `unscoped(session)`.

`centre_id` None as a scope is the platform administrator's: no centre, so no centre's records;
only shared records (a bundled course: `centre_id` NULL on a model with `SHARED_WHEN_UNOWNED`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from functools import lru_cache
from typing import Any, Final, Literal

from sqlalchemy import ForeignKey, event, false, or_
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)

SCOPE_KEY = "lms_centre_scope"


class _Marker(Enum):
    UNSCOPED = "unscoped"


_UNSCOPED: Final = _Marker.UNSCOPED


class ScopeViolation(RuntimeError):
    """Code tried to write a record of another centre than the acting one (a programming error)."""


class CentreOwned:
    """Mixin: the record belongs to one training centre."""

    # True where a record without a centre is shared by every centre (bundled courses).
    SHARED_WHEN_UNOWNED: bool = False
    # True where a record may have no centre (shared records; platform administrators).
    CENTRE_OPTIONAL: bool = False

    @declared_attr
    def centre_id(cls) -> Mapped[int | None]:  # noqa: N805 - declared_attr takes the class
        return mapped_column(
            ForeignKey("centres.id"),
            index=True,
            nullable=cls.CENTRE_OPTIONAL or cls.SHARED_WHEN_UNOWNED,
        )


def enter(session: Session, centre_id: int | None) -> None:
    """From now on this session acts for one centre (None: no centre, the platform's own)."""
    session.info[SCOPE_KEY] = centre_id


def current(session: Session) -> int | None | Literal[_Marker.UNSCOPED]:
    """The acting centre of a session, or the module's unscoped marker."""
    return session.info.get(SCOPE_KEY, _UNSCOPED)


@contextmanager
def unscoped(session: Session) -> Iterator[None]:
    """Cross the centre boundary on purpose, for the statements inside the block."""
    saved = session.info.pop(SCOPE_KEY, _UNSCOPED)
    try:
        yield
    finally:
        if saved is not _UNSCOPED:
            session.info[SCOPE_KEY] = saved


def _owned_classes() -> list[type[CentreOwned]]:
    """Every mapped model that inherits CentreOwned."""
    found, pending = [], list(CentreOwned.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if hasattr(cls, "__table__"):
            found.append(cls)
    return found


def _criterion(cls: type[CentreOwned], centre_id: int | None) -> Any:
    column = cls.centre_id
    if centre_id is None:  # the platform's own: no centre's records, only shared ones
        return column.is_(None) if cls.SHARED_WHEN_UNOWNED else false()
    mine = column == centre_id
    return or_(mine, column.is_(None)) if cls.SHARED_WHEN_UNOWNED else mine


@lru_cache(maxsize=1024)
def _criteria(centre_id: int | None) -> tuple[Any, ...]:
    # One plain criterion per model (no lambdas): the centre id is a bound parameter, so the
    # statement cache keeps one entry per query, whatever the centre. Built once per centre and
    # reused (the options are immutable): building them for every statement cost about 0.7 ms of
    # the quiz's question page on PostgreSQL, a fifth of it.
    return tuple(
        with_loader_criteria(cls, _criterion(cls, centre_id), include_aliases=True)
        for cls in _owned_classes()
    )


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    centre_id = current(state.session)
    if centre_id is _UNSCOPED or state.is_column_load:
        return  # a column load refreshes an object already loaded in scope
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(*_criteria(centre_id))


@event.listens_for(Session, "before_flush")
def _scope_writes(session: Session, _context: Any, _instances: Any) -> None:
    centre_id = current(session)
    if centre_id is _UNSCOPED:
        return
    for record in session.new:
        if isinstance(record, CentreOwned):
            if record.centre_id is None and centre_id is not None:
                record.centre_id = centre_id
            _check(record, centre_id)
    for record in (*session.dirty, *session.deleted):
        if isinstance(record, CentreOwned):
            _check(record, centre_id)


def _check(record: CentreOwned, centre_id: Any) -> None:
    if record.centre_id != centre_id:  # a shared record is only written unscoped (CLI, loader)
        raise ScopeViolation(
            f"{type(record).__name__} of centre {record.centre_id} written while acting for "
            f"centre {centre_id}"
        )

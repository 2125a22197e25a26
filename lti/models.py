"""Models of the lti package: registered platforms, their deployments, the accounts and resource
links that arrived through them, and the short-lived launch values (nonces, deep-linking launches,
one-time tickets) that every app server must see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow
from lms.scope import CentreOwned


class LtiPlatform(CentreOwned, Base):
    """A learning platform (Moodle, Canvas, Open edX...) registered by an administrator."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(255), index=True)
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(500))
    auth_token_url: Mapped[str] = mapped_column(String(500))
    # The audience of the tool's client assertion when the platform wants another than the token URL.
    auth_audience: Mapped[str | None] = mapped_column(String(500))
    key_set_url: Mapped[str | None] = mapped_column(String(500))
    # A public key set given by the administrator instead of (or over) the key set URL.
    key_set: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    deployments: Mapped[list[LtiDeployment]] = relationship(
        back_populates="platform",
        order_by="LtiDeployment.deployment_id",
        lazy="selectin",
        cascade="all, delete-orphan",
    )

    @property
    def deployment_ids(self) -> list[str]:
        """The deployment ids of this platform, sorted."""
        return [deployment.deployment_id for deployment in self.deployments]


class LtiDeployment(Base):
    """A deployment of the tool in a platform (the launch's deployment_id claim must be one)."""

    __tablename__ = "lti_deployments"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), index=True)
    deployment_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    platform: Mapped[LtiPlatform] = relationship(back_populates="deployments")


class LtiUserLink(Base):
    """A local account reached by LTI: the platform's (issuer, subject) pair names it for good."""

    __tablename__ = "lti_user_links"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_launch_at: Mapped[datetime] = mapped_column(default=utcnow)


class LtiResourceLink(Base):
    """A link placed in a platform's course, the course it opens, and its gradebook endpoint."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (UniqueConstraint("platform_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), index=True)
    resource_link_id: Mapped[str] = mapped_column(String(255))
    deployment_id: Mapped[str] = mapped_column(String(255))
    context_id: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    # Assignment and Grade Services, as the latest launch gave them.
    lineitem_url: Mapped[str | None] = mapped_column(String(1000))
    lineitems_url: Mapped[str | None] = mapped_column(String(1000))
    ags_scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LtiGradeTarget(Base):
    """A learner reached a course through a resource link: their results go to its line item."""

    __tablename__ = "lti_grade_targets"
    __table_args__ = (UniqueConstraint("user_link_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_link_id: Mapped[int] = mapped_column(ForeignKey("lti_user_links.id"), index=True)
    resource_link_id: Mapped[int] = mapped_column(ForeignKey("lti_resource_links.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The last score queued for the platform, so that a repeated event queues nothing new.
    last_score: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    user_link: Mapped[LtiUserLink] = relationship(lazy="joined")
    resource_link: Mapped[LtiResourceLink] = relationship(lazy="joined")


class LtiLaunchValue(Base):
    """A short-lived value of the LTI flow (nonce, deep-linking launch, ticket), shared by every
    app server; single-use values are deleted when used."""

    __tablename__ = "lti_launch_values"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(index=True)

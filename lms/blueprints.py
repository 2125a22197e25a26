"""The one place where every blueprint of the product is registered, explicitly."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask, url_prefix: str | None = None) -> set[str]:
    """Register the product's blueprints, each under url_prefix (when mounted) plus its own."""
    from accounts.platform_views import bp as platform_bp
    from accounts.views import admin_bp
    from accounts.views import bp as accounts_bp
    from api.views import admin_bp as api_admin_bp
    from api.views import bp as api_bp
    from assessments.evaluation_views import bp as evaluations_bp
    from assessments.views import bp as assessments_bp
    from badges.views import bp as badges_bp
    from certificates.views import bp as certificates_bp
    from certificates.views import verify_bp
    from cohorts.views import bp as cohorts_bp
    from courses.views import bp as courses_bp
    from lms.views import bp as core_bp
    from lti.views import admin_bp as lti_admin_bp
    from lti.views import bp as lti_bp

    prefix = (url_prefix or "").rstrip("/")
    blueprints = [
        (core_bp, ""),
        (accounts_bp, ""),
        (admin_bp, "/admin"),
        (platform_bp, "/platform"),
        (courses_bp, "/courses"),
        (assessments_bp, "/assessments"),
        (evaluations_bp, "/evaluations"),
        (certificates_bp, "/certificates"),
        (verify_bp, "/verify"),
        (cohorts_bp, "/cohorts"),
        (lti_bp, "/lti"),
        (lti_admin_bp, "/admin/lti"),
        (badges_bp, "/badges"),
        (api_bp, "/api/v1"),
        (api_admin_bp, "/admin/api-tokens"),
    ]
    for blueprint, own_prefix in blueprints:
        app.register_blueprint(blueprint, url_prefix=(prefix + own_prefix) or None)
    return {blueprint.name for blueprint, _ in blueprints}

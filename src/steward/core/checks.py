"""Deployment checks Django does not make itself (`steward check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def content_security_policy_check(app_configs, **kwargs) -> list[Warning]:
    problems = []
    middleware = "steward.core.middleware.ContentSecurityPolicyMiddleware"
    if middleware not in settings.MIDDLEWARE or not settings.CONTENT_SECURITY_POLICY:
        problems.append(
            Warning(
                "No Content-Security-Policy header is sent.",
                hint=f"Keep {middleware} in MIDDLEWARE and CONTENT_SECURITY_POLICY set.",
                id="steward.W001",
            )
        )
    elif "'unsafe-inline'" in settings.CONTENT_SECURITY_POLICY:
        problems.append(
            Warning("The Content-Security-Policy allows inline scripts.", id="steward.W002")
        )
    return problems

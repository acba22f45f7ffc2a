"""Template tags for pages outside the portal app: the agenda on the home page."""

from __future__ import annotations

from django import template

from steward.agenda.selectors import public_questions

register = template.Library()


@register.simple_tag
def public_agenda() -> list:
    """The open and in-progress agenda questions, by priority, with their public projects."""
    return list(public_questions().exclude(status="answered"))

"""Template tags for pages outside the portal app: the agenda on the home page."""

from __future__ import annotations

from django import template

from steward.agenda.selectors import PROJECTS_SHOWN_PER_QUESTION, public_questions

register = template.Library()


@register.simple_tag
def public_agenda() -> list:
    """The open and in-progress agenda questions, by priority, with their public projects."""
    questions = public_questions(projects_shown=PROJECTS_SHOWN_PER_QUESTION)
    return list(questions.exclude(status="answered"))

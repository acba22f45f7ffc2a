"""API routes of the research agenda, partnerships and projects."""

from ninja import Router

router = Router(tags=["agenda"])

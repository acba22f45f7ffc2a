"""API routes of extracts, downloads and the workspace."""

from ninja import Router

router = Router(tags=["extracts"])

"""API routes of data requests and their review."""

from ninja import Router

router = Router(tags=["requests"])

"""API routes of data sharing agreements."""

from ninja import Router

router = Router(tags=["agreements"])

"""API routes of disclosure control and the ledger of releases."""

from ninja import Router

router = Router(tags=["outputs"])

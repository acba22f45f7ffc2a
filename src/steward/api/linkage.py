"""API routes of linkage runs and the review of uncertain pairs."""

from ninja import Router

router = Router(tags=["linkage"])

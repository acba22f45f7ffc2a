"""`steward ingest-all`: the same command as `ingest_all`, under the name the docs use."""

from steward.catalog.management.commands.ingest_all import Command

__all__ = ["Command"]

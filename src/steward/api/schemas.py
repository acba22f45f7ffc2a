from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema


class ErrorOut(Schema):
    message: str
    code: str


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    organization: str | None
    steward_agency: str | None
    roles: list[str]
    mfa_enabled: bool


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    days: int = Field(90, ge=1, le=365)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    state: str


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The token itself. It is shown only this once.")


class JobOut(Schema):
    id: UUID
    kind: str
    title: str
    status: str
    done: int
    total: int
    percent: int
    log: list[str]
    error: str
    result: dict
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class AuditEntryOut(Schema):
    seq: int
    created_at: datetime
    actor_label: str
    action: str
    object_type: str
    object_id: str
    summary: dict
    prev_hash: str
    hash: str

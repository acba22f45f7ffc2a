"""Who may see the audit log and jobs."""

from typing import Any

import rules

from steward.accounts.predicates import (
    is_administrator,
    is_privacy_or_security_officer,
    is_signed_in,
)


@rules.predicate
def started_the_job(user: Any, job: Any) -> bool:
    return job is not None and job.created_by_id == getattr(user, "pk", None)


rules.add_perm("core.view_audit_log", is_privacy_or_security_officer)
rules.add_perm("core.verify_audit_chain", is_privacy_or_security_officer)
rules.add_perm("core.list_jobs", is_signed_in)
rules.add_perm("core.view_job", started_the_job | is_privacy_or_security_officer | is_administrator)
rules.add_perm("core.view_all_jobs", is_privacy_or_security_officer | is_administrator)

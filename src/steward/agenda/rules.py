"""Who may read and change the agenda, partnerships, projects and plans.

The research office (liaisons) sets the agenda and records partnerships; a project is changed
by its own liaison and its principal investigator; only the principal investigator registers
its plans. Nobody else writes.
"""

from typing import Any

import rules

from steward.accounts.predicates import has_role
from steward.accounts.roles import Role

is_research_office = has_role(Role.LIAISON)
is_researcher = has_role(Role.RESEARCHER)


@rules.predicate
def is_project_liaison(user: Any, project: Any) -> bool:
    return project is not None and project.liaison_id == getattr(user, "pk", None)


@rules.predicate
def is_project_pi(user: Any, project: Any) -> bool:
    return project is not None and project.pi_id == getattr(user, "pk", None)


@rules.predicate
def is_on_project_team(user: Any, project: Any) -> bool:
    if project is None or getattr(user, "pk", None) is None:
        return False
    return project.team.filter(pk=user.pk).exists()


rules.add_perm("agenda.manage_agenda", is_research_office)
rules.add_perm("agenda.manage_partnerships", is_research_office)
rules.add_perm("agenda.create_project", is_research_office)
rules.add_perm("agenda.use_workspace", is_research_office | is_researcher)
rules.add_perm("agenda.view_project", is_research_office | is_project_pi | is_on_project_team)
rules.add_perm("agenda.edit_project", is_research_office & is_project_liaison | is_project_pi)
rules.add_perm("agenda.register_plan", is_project_pi)

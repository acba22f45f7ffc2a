"""The people of Lakeland's story (STORY.md): one demo login per role, reused by the tests."""

from __future__ import annotations

from dataclasses import dataclass

from steward.accounts.roles import Role


@dataclass(frozen=True)
class OrganizationSeed:
    code: str
    name: str
    kind: str
    agency_kind: str = ""


ORGANIZATIONS = [
    OrganizationSeed("lde", "Lakeland Department of Education", "agency", "sea"),
    OrganizationSeed("lhec", "Lakeland Higher Education Commission", "agency", "postsecondary"),
    OrganizationSeed("lwc", "Lakeland Workforce Commission", "agency", "workforce"),
    OrganizationSeed(
        "lsu-cep", "Lakeland State University, Center for Education Policy", "research"
    ),
    OrganizationSeed("nru", "Northern Research University", "research"),
    OrganizationSeed("harbor-city", "Harbor City Public Schools", "district"),
]


@dataclass(frozen=True)
class Persona:
    key: str
    full_name: str
    email: str
    title: str
    organization: str
    roles: tuple[Role, ...]
    steward_agency: str = ""

    @property
    def privileged(self) -> bool:
        from steward.accounts.roles import PRIVILEGED_ROLES

        return any(role in PRIVILEGED_ROLES for role in self.roles)


def _p(key, name, title, org, roles, agency="") -> Persona:
    return Persona(key, name, f"{key}@demo.steward.test", title, org, tuple(roles), agency)


PERSONAS = [
    _p("maya", "Maya Chen", "Research office liaison", "lde", [Role.LIAISON]),
    _p("daniel", "Daniel Okafor", "Data steward", "lde", [Role.STEWARD], "lde"),
    _p("rosa", "Rosa Delgado", "Data steward", "lhec", [Role.STEWARD], "lhec"),
    _p("victor", "Victor Hale", "Data steward", "lwc", [Role.STEWARD], "lwc"),
    _p("priya", "Priya Raman", "Chief Privacy Officer", "lde", [Role.PRIVACY_OFFICER]),
    _p("tom", "Tom Becker", "Information Security Officer", "lde", [Role.SECURITY_OFFICER]),
    _p(
        "grace",
        "Grace Liu",
        "Chair, Research Review Committee",
        "lde",
        [Role.CHAIR, Role.COMMITTEE],
    ),
    _p("samuel", "Samuel Brooks", "Committee member (legal)", "lde", [Role.COMMITTEE]),
    _p("hannah", "Hannah Weiss", "Committee member (district)", "harbor-city", [Role.COMMITTEE]),
    _p("omar", "Omar Haddad", "Committee member (research)", "nru", [Role.COMMITTEE]),
    _p("ana", "Dr. Ana Ortiz", "Principal investigator", "lsu-cep", [Role.RESEARCHER]),
    _p("ben", "Ben Carter", "Co-investigator", "lsu-cep", [Role.RESEARCHER]),
    _p("lena", "Dr. Lena Park", "Researcher", "nru", [Role.RESEARCHER]),
    _p("alex", "Alex Morgan", "System administrator", "lde", [Role.ADMINISTRATOR]),
]
PERSONAS_BY_KEY = {persona.key: persona for persona in PERSONAS}

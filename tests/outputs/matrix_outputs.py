"""Permission-matrix rows of disclosure control: the public rules, the privacy officer's rules,
protecting a table (its page and download are its uploader's alone), and the ledger."""

from __future__ import annotations

from typing import Any

from steward.testing.matrix import Route, expect, only

PROTECTORS = {"ana", "ben", "lena", "maya", "daniel", "rosa", "victor", "priya", "tom"}
LEDGER_KEEPERS = {"priya", "maya"}
TABLE = "school,n\nA,30\nB,23\nC,4\n"
RULES = {
    "threshold": 11,
    "zeros_disclosive": "on",
    "rate_low": 0.05,
    "rate_high": 0.95,
    "rate_group_size": 300,
    "rounding_base": 5,
    "n": 2,
    "k": 0.9,
    "p": 0.1,
    "dof": 10,
    "note": "matrix",
}


class _CsvUpload:
    """A file for the upload route that gives the same bytes to every request."""

    name = "table.csv"

    def read(self) -> bytes:
        return TABLE.encode()


def _mayas_table(fixtures: dict) -> dict[str, Any]:
    from steward.outputs.services import table_protect

    if "protected_table" not in fixtures:
        fixtures["protected_table"] = table_protect(
            actor=fixtures["people"]["maya"], data=TABLE.encode(), name="t.csv",
            dims=["school"], count="n",
        )  # fmt: skip
    return {"pk": fixtures["protected_table"].pk}


def _release(fixtures: dict) -> dict[str, Any]:
    from steward.outputs.models import ProtectedTable, Release
    from steward.outputs.services import release_record

    table = ProtectedTable.objects.get(pk=_mayas_table(fixtures)["pk"])
    release = release_record(
        actor=fixtures["people"]["maya"], protected_table=table, title="North",
        population="matrix", source=Release.Source.SEA_REPORT,
    )  # fmt: skip
    return {"pk": release.pk}


def _uploader_only(status: int, anonymous: int = 302) -> dict:
    """Maya, who protected it, gets `status`; other protectors 404; everyone else 403."""
    table = only(PROTECTORS, 404, 403, anonymous)
    table["maya"] = status
    return table


ROUTES = [
    Route("outputs:public_rules", expect(200, 200)),
    Route("outputs:rules", only({"priya"}, 200, 403, 302)),
    Route("outputs:rules_edit", only({"priya"}, 200, 403, 302), kwargs=lambda f: {"scope": "lde"}),
    Route(
        "outputs:rules_edit",
        only({"priya"}, 302, 403, 302),
        method="post",
        kwargs=lambda f: {"scope": "state"},
        data=RULES,
        mutates=True,
    ),
    Route("outputs:protect", only(PROTECTORS, 200, 403, 302)),
    Route(
        "outputs:protect",
        only(PROTECTORS, 302, 403, 302),
        method="post",
        data={"file": _CsvUpload(), "dims": "school", "count": "n"},
        mutates=True,
    ),
    Route("outputs:protected", _uploader_only(200), kwargs=_mayas_table),
    Route("outputs:protected_csv", _uploader_only(200), kwargs=_mayas_table),
    Route(
        "outputs:release_create",
        {**only(LEDGER_KEEPERS, 404, 403, 302), "maya": 302},
        method="post",
        kwargs=_mayas_table,
        data={"title": "North", "population": "matrix", "source": "sea_report"},
        mutates=True,
    ),
    Route("outputs:releases", only(LEDGER_KEEPERS, 200, 403, 302)),
    Route("outputs:release", only(LEDGER_KEEPERS, 200, 403, 302), kwargs=_release),
    Route(
        "outputs:release_verify",
        only(LEDGER_KEEPERS, 302, 403, 302),
        method="post",
        kwargs=_release,
        mutates=True,
    ),
    Route(
        "api:outputs_protect",
        only(PROTECTORS, 201, 403, 401),
        method="post",
        data={"csv": TABLE, "dims": ["school"], "count": "n"},
        mutates=True,
    ),
    Route("api:outputs_rules", expect(200, 401)),
    Route("api:outputs_releases", only(LEDGER_KEEPERS, 200, 403, 401)),
]

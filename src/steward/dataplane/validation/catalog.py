"""The data dictionary: agencies, their datasets and elements, read from one YAML file.

Errors name the YAML path of the bad entry (``agencies[0].datasets[2].elements[5].type``) so a
data steward can fix the catalog without reading code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

TYPES = ("string", "integer", "number", "date", "boolean", "code")
IDENTIFIER_KINDS = ("direct", "quasi", "none")
AGENCY_KINDS = ("sea", "postsecondary", "workforce")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_DUE = re.compile(r"^(\d{2})-(\d{2})$")
_YEARS = re.compile(r"^(\d{4})\s*-\s*(\d{4})$")


class CatalogError(ValueError):
    """A catalog entry is missing, of the wrong kind, or points at something that is not there."""


@dataclass(frozen=True)
class ClassificationLevel:
    """How sensitive an element is (1 public ... 4 most restricted) and what protects it."""

    level: int
    name: str
    meaning: str
    protections: tuple[str, ...]


@dataclass(frozen=True)
class Reference:
    """An element whose values must exist in another dataset of the same agency and year."""

    dataset: str
    element: str

    @property
    def name(self) -> str:
        """``dataset.element``, the name under which callers pass the known values."""
        return f"{self.dataset}.{self.element}"


@dataclass(frozen=True)
class Element:
    """One variable of a dataset, with the rules its values must follow."""

    name: str
    label: str
    definition: str
    type: str
    required: bool
    classification: int
    identifier: str
    ceds: str | None = None
    codes: Mapping[str, str] | None = None
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    references: Reference | None = None


@dataclass(frozen=True)
class Dataset:
    """What an agency submits once per year (or quarter), and the elements of each file."""

    agency: str
    code: str
    name: str
    purpose: str
    frequency: str
    due: tuple[int, int]
    years: tuple[int, int]
    key: tuple[str, ...]
    elements: tuple[Element, ...]

    @property
    def column_names(self) -> list[str]:
        """The element names, in catalog order."""
        return [e.name for e in self.elements]

    def element(self, name: str) -> Element:
        """The element with this name; KeyError when the dataset has none."""
        for element in self.elements:
            if element.name == name:
                return element
        raise KeyError(f"{self.agency}/{self.code} has no element {name!r}")

    def has_element(self, name: str) -> bool:
        """Whether the dataset has an element with this name."""
        return name in self.column_names

    def due_date(self, year: int) -> date:
        """When the file of ``year`` (the school year's starting year) is due."""
        month, day = self.due
        return date(year + 1, month, day)


@dataclass(frozen=True)
class Agency:
    """An organization that contributes data, with the datasets it submits."""

    code: str
    name: str
    kind: str
    datasets: tuple[Dataset, ...]


@dataclass(frozen=True)
class Catalog:
    """The whole data dictionary."""

    levels: tuple[ClassificationLevel, ...]
    agencies: tuple[Agency, ...]
    source: str = field(default="<catalog>", compare=False)

    def agency(self, code: str) -> Agency:
        """The agency with this code; KeyError otherwise."""
        for agency in self.agencies:
            if agency.code == code:
                return agency
        raise KeyError(f"the catalog has no agency {code!r}")

    def dataset(self, agency: str, code: str) -> Dataset:
        """One agency's dataset; KeyError otherwise."""
        for dataset in self.agency(agency).datasets:
            if dataset.code == code:
                return dataset
        raise KeyError(f"agency {agency!r} has no dataset {code!r} in the catalog")


def load_catalog(path: Path | str) -> Catalog:
    """Read and check the catalog YAML file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"catalog file {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from None
    return parse_catalog(data, source=str(path))


def parse_catalog(data: Any, *, source: str = "<catalog>") -> Catalog:
    """Check a catalog already parsed into dicts and lists, and build the dataclasses."""
    p = _Parser(source)
    root = p.mapping(data, "")
    levels = tuple(
        p.level(item, f"classification_levels[{i}]")
        for i, item in enumerate(p.sequence(root, "classification_levels", ""))
    )
    known_levels = {lv.level for lv in levels}
    agencies = tuple(
        p.agency(item, f"agencies[{i}]", known_levels)
        for i, item in enumerate(p.sequence(root, "agencies", ""))
    )
    p.unique([a.code for a in agencies], "agencies", "agency code")
    return Catalog(levels=levels, agencies=agencies, source=source)


class _Parser:
    """Builds catalog dataclasses, raising CatalogError with the YAML path of bad entries."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> CatalogError:
        return CatalogError(f"{self.source}: {where or 'top level'}: {problem}")

    def mapping(self, value: Any, where: str) -> Mapping:
        if not isinstance(value, Mapping):
            raise self.fail(where, "expected a mapping")
        return value

    def sequence(self, parent: Mapping, name: str, where: str) -> list:
        value = parent.get(name)
        if not isinstance(value, list) or not value:
            raise self.fail(_join(where, name), "expected a non-empty list")
        return value

    def text(self, parent: Mapping, name: str, where: str, *, optional: bool = False) -> str | None:
        value = parent.get(name)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(_join(where, name), "expected a non-empty string")
        return value

    def code(self, parent: Mapping, name: str, where: str) -> str:
        value = self.text(parent, name, where)
        if not _CODE.match(value):
            raise self.fail(_join(where, name), f"{value!r} is not a lowercase code")
        return value

    def choice(self, parent: Mapping, name: str, where: str, allowed: tuple) -> Any:
        value = parent.get(name)
        if value not in allowed:
            listed = ", ".join(map(str, allowed))
            raise self.fail(_join(where, name), f"{value!r} is not one of {listed}")
        return value

    def number(self, parent: Mapping, name: str, where: str) -> float | None:
        value = parent.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(_join(where, name), f"{value!r} is not a number")
        return value

    def unique(self, names: list[str], where: str, what: str) -> None:
        seen = set()
        for name in names:
            if name in seen:
                raise self.fail(where, f"{what} {name!r} appears twice")
            seen.add(name)

    def level(self, item: Any, where: str) -> ClassificationLevel:
        item = self.mapping(item, where)
        level = self.choice(item, "level", where, (1, 2, 3, 4))
        protections = item.get("protections", [])
        if not isinstance(protections, list) or not all(isinstance(x, str) for x in protections):
            raise self.fail(_join(where, "protections"), "expected a list of strings")
        return ClassificationLevel(
            level=level,
            name=self.text(item, "name", where),
            meaning=self.text(item, "meaning", where),
            protections=tuple(protections),
        )

    def agency(self, item: Any, where: str, levels: set[int]) -> Agency:
        item = self.mapping(item, where)
        code = self.code(item, "code", where)
        datasets = tuple(
            self.dataset(ds, f"{where}.datasets[{i}]", code, levels)
            for i, ds in enumerate(self.sequence(item, "datasets", where))
        )
        self.unique([d.code for d in datasets], f"{where}.datasets", "dataset code")
        for i, dataset in enumerate(datasets):
            self.check_references(dataset, datasets, f"{where}.datasets[{i}]")
        return Agency(
            code=code,
            name=self.text(item, "name", where),
            kind=self.choice(item, "kind", where, AGENCY_KINDS),
            datasets=datasets,
        )

    def dataset(self, item: Any, where: str, agency: str, levels: set[int]) -> Dataset:
        item = self.mapping(item, where)
        elements = tuple(
            self.element(el, f"{where}.elements[{i}]", levels)
            for i, el in enumerate(self.sequence(item, "elements", where))
        )
        self.unique([e.name for e in elements], f"{where}.elements", "element")
        key = item.get("key")
        names = {e.name for e in elements}
        if not isinstance(key, list) or not key or not all(k in names for k in key):
            raise self.fail(_join(where, "key"), "expected a list of this dataset's elements")
        return Dataset(
            agency=agency,
            code=self.code(item, "code", where),
            name=self.text(item, "name", where),
            purpose=self.text(item, "purpose", where),
            frequency=self.text(item, "frequency", where),
            due=self.due(item, where),
            years=self.years(item, where),
            key=tuple(key),
            elements=elements,
        )

    def due(self, item: Mapping, where: str) -> tuple[int, int]:
        value = item.get("due")
        match = _DUE.match(value) if isinstance(value, str) else None
        if match:
            month, day = int(match.group(1)), int(match.group(2))
            try:
                date(2001, month, day)  # a non-leap year: "02-29" would be due only some years
                return month, day
            except ValueError:
                pass
        raise self.fail(_join(where, "due"), f"{value!r} is not a month-day such as '11-15'")

    def years(self, item: Mapping, where: str) -> tuple[int, int]:
        value = item.get("years")
        if isinstance(value, int) and not isinstance(value, bool):
            return value, value
        match = _YEARS.match(value) if isinstance(value, str) else None
        if match and int(match.group(1)) <= int(match.group(2)):
            return int(match.group(1)), int(match.group(2))
        raise self.fail(_join(where, "years"), f"{value!r} is not a range such as '2015-2024'")

    def element(self, item: Any, where: str, levels: set[int]) -> Element:
        item = self.mapping(item, where)
        name = self.text(item, "name", where)
        if not re.match(r"^[a-z][a-z0-9_]*$", name):
            raise self.fail(_join(where, "name"), f"{name!r} is not a lowercase column name")
        where = f"{where} ({name})"
        kind = self.choice(item, "type", where, TYPES)
        required = item.get("required", False)
        if not isinstance(required, bool):
            raise self.fail(_join(where, "required"), "expected true or false")
        classification = item.get("classification")
        if classification not in levels:
            raise self.fail(
                _join(where, "classification"), f"{classification!r} is not a defined level"
            )
        low, high = self.number(item, "min", where), self.number(item, "max", where)
        if low is not None and high is not None and low > high:
            raise self.fail(where, f"min {low} is above max {high}")
        return Element(
            name=name,
            label=self.text(item, "label", where),
            definition=self.text(item, "definition", where),
            type=kind,
            required=required,
            classification=classification,
            identifier=self.choice(item, "identifier", where, IDENTIFIER_KINDS),
            ceds=self.text(item, "ceds", where, optional=True),
            codes=self.codes(item, where, kind),
            min=low,
            max=high,
            unit=self.text(item, "unit", where, optional=True),
            references=self.reference(item, where),
        )

    def codes(self, item: Mapping, where: str, kind: str) -> Mapping[str, str] | None:
        codes = item.get("codes")
        if codes is None:
            if kind == "code":
                raise self.fail(_join(where, "codes"), "an element of type code needs its codes")
            return None
        codes = self.mapping(codes, _join(where, "codes"))
        out = {}
        for code, label in codes.items():
            # YAML reads unquoted yes/no/on/off as booleans; the file's values are text.
            if isinstance(code, bool) or not isinstance(code, str | int):
                raise self.fail(_join(where, "codes"), f"code {code!r} must be quoted text")
            out[str(code)] = str(label)
        return out

    def reference(self, item: Mapping, where: str) -> Reference | None:
        ref = item.get("references")
        if ref is None:
            return None
        ref = self.mapping(ref, _join(where, "references"))
        return Reference(
            dataset=self.text(ref, "dataset", _join(where, "references")),
            element=self.text(ref, "element", _join(where, "references")),
        )

    def check_references(self, dataset: Dataset, siblings: tuple[Dataset, ...], where: str):
        by_code = {d.code: d for d in siblings}
        for i, element in enumerate(dataset.elements):
            ref = element.references
            if ref is None:
                continue
            target = by_code.get(ref.dataset)
            if target is None or not target.has_element(ref.element):
                raise self.fail(
                    f"{where}.elements[{i}] ({element.name}).references",
                    f"{ref.name} is not an element of this agency",
                )


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name

"""Keep Splink's EM finite on small states, and say which m values it could not estimate.

With a few hundred people, some comparison levels hold no true match in a training block
(nobody's sex was mistyped). EM then drives that level's m towards zero, squaring it at each
iteration, until it underflows and Splink 5 refuses the value (``m_probability value 0.0 is
below the minimum``); on larger states it stops at weights near -100 bits that veto any pair.
Levels never seen in a block are left unestimated and weigh as Splink's 1e-6.

The guard floors every m at ``M_FLOOR`` while EM runs. After training, a level left
unestimated, or with an m below ``M_ESTIMABLE`` (fewer than one match in 100,000: more matches
than any state holds would be needed to measure it, so it says "never seen", not "measured"),
falls back to ``DEFAULT_M`` (rare among matches, not impossible), or to a weight of nothing
when random sampling never met the level either, and is reported. Splink 5.0 offers no hook
for this: the floor is a subclass of its ``ComparisonLevel`` given to this linker's levels
only (Splink is pinned in the lock).
"""

from __future__ import annotations

from dataclasses import dataclass

from splink.internals.comparison_level import ComparisonLevel

M_FLOOR = 1e-6  # far below any m worth estimating, far above float underflow
M_ESTIMABLE = 1e-5  # below this, an m from EM is an artefact of the floor, not a measure
DEFAULT_M = 1e-3  # one true match in a thousand at a level EM could not estimate


def _set_floored_m(self: ComparisonLevel, value: float | str | None) -> None:
    if isinstance(value, int | float) and value < M_FLOOR:
        value = M_FLOOR
    ComparisonLevel.m_probability.fset(self, value)  # type: ignore[attr-defined]


class FlooredLevel(ComparisonLevel):
    """A comparison level whose m never drops below ``M_FLOOR`` (EM copies keep the class)."""

    m_probability = property(ComparisonLevel.m_probability.fget, _set_floored_m)  # type: ignore[assignment]


@dataclass(frozen=True)
class DefaultedLevel:
    """A level whose m EM could not estimate: ``default`` (DEFAULT_M) or ``neutral`` (m = u)."""

    comparison: str
    level: str
    source: str


def _levels(linker):
    for comparison in linker._settings_obj.comparisons:
        for level in comparison._comparison_levels_excluding_null:
            yield comparison.output_column_name, level


def floor_m(linker) -> None:
    """Make every non-null level of this linker floor its m while EM trains it."""
    for _, level in _levels(linker):
        level.__class__ = FlooredLevel


def default_unestimated_m(linker) -> list[DefaultedLevel]:
    """Give ``DEFAULT_M`` to each level EM left unestimated or below ``M_ESTIMABLE``.

    A level that random sampling never met either has no u to weigh a default m against
    (Splink would use 1e-6, turning the default into +10 bits): it weighs nothing, m = u.
    """
    defaulted = []
    for name, level in _levels(linker):
        if level._m_is_trained and level.m_probability >= M_ESTIMABLE:
            continue
        if level._u_is_trained:
            level.m_probability, source = DEFAULT_M, "default"
        else:
            level.m_probability, source = level.u_probability, "neutral"
        defaulted.append(DefaultedLevel(name, level.label_for_charts, source))
    return defaulted

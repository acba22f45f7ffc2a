"""Name pools with realistic frequencies: census-weighted common names plus a long tail."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from faker.providers.person.en_US import Provider
from nicknames import NickNamer

# Share of people whose surname is rare (outside the 1,000 most common US surnames); the
# common list covers roughly this complement of the population in census data.
RARE_SURNAME_SHARE = 0.40
RARE_SURNAMES = 20_000

_ONSETS = [
    "b",
    "bl",
    "br",
    "c",
    "ch",
    "cl",
    "cr",
    "d",
    "dr",
    "f",
    "fl",
    "fr",
    "g",
    "gl",
    "gr",
    "h",
    "j",
    "k",
    "kl",
    "l",
    "m",
    "n",
    "p",
    "pl",
    "pr",
    "r",
    "s",
    "sh",
    "sl",
    "st",
    "t",
    "tr",
    "v",
    "w",
    "wh",
    "z",
]
_VOWELS = ["a", "e", "i", "o", "u", "a", "e", "i", "o", "ai", "ea", "ie", "ou"]
_CODAS = [
    "b",
    "ck",
    "d",
    "ff",
    "g",
    "k",
    "l",
    "ll",
    "m",
    "n",
    "nd",
    "ng",
    "nk",
    "p",
    "r",
    "rd",
    "rk",
    "rn",
    "rt",
    "s",
    "ss",
    "st",
    "t",
    "th",
    "tt",
    "v",
    "x",
]
_ENDINGS = [
    "er",
    "son",
    "ton",
    "ley",
    "ford",
    "man",
    "well",
    "by",
    "berg",
    "stein",
    "ski",
    "ett",
    "ard",
    "ock",
    "ey",
    "ins",
    "ow",
]


@dataclass(frozen=True)
class NamePools:
    """First names (one pool, weighted separately by sex) and surnames, as arrays and weights."""

    first: np.ndarray  # object array of str
    first_p_female: np.ndarray
    first_p_male: np.ndarray
    last: np.ndarray
    last_p: np.ndarray
    nicknames: tuple[tuple[str, ...], ...]  # per first name, sorted; empty when none

    def draw_first(self, rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
        """First-name indices, drawn from the female or male frequencies by sex."""
        out = np.empty(male.shape[0], dtype=np.int32)
        n_male = int(male.sum())
        out[male] = rng.choice(self.first.shape[0], size=n_male, p=self.first_p_male)
        out[~male] = rng.choice(
            self.first.shape[0], size=male.shape[0] - n_male, p=self.first_p_female
        )
        return out

    def draw_last(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Surname indices, common and rare together."""
        return rng.choice(self.last.shape[0], size=n, p=self.last_p).astype(np.int32)


def _weights(names: dict[str, float], pool: list[str]) -> np.ndarray:
    w = np.array([names.get(n, 0.0) for n in pool], dtype=np.float64)
    return w / w.sum()


def _rare_surnames(rng: np.random.Generator, count: int, common: set[str]) -> list[str]:
    """Made-up but pronounceable surnames, so that most people with them are nearly unique."""
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        parts = [_ONSETS[rng.integers(len(_ONSETS))], _VOWELS[rng.integers(len(_VOWELS))]]
        if rng.random() < 0.7:
            parts.append(_CODAS[rng.integers(len(_CODAS))])
        parts.append(_ENDINGS[rng.integers(len(_ENDINGS))])
        name = "".join(parts).capitalize()
        if name not in seen and name not in common:
            seen.add(name)
            out.append(name)
    return out


@cache
def _nickname_table(first_names: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    namer = NickNamer()
    table = []
    for name in first_names:
        # Sorted because the library returns a set, whose order would break "same seed, same bytes".
        nicks = sorted(n.capitalize() for n in namer.nicknames_of(name.lower()) if len(n) >= 2)
        table.append(tuple(n for n in nicks if n != name))
    return tuple(table)


def build_pools(rng: np.random.Generator) -> NamePools:
    """Build the pools; the rare-surname tail depends on ``rng``, the rest is fixed."""
    female = dict(Provider.first_names_female)
    male = dict(Provider.first_names_male)
    first = sorted(set(female) | set(male))
    common = list(Provider.last_names)
    common_w = np.array([Provider.last_names[n] for n in common], dtype=np.float64)
    rare = _rare_surnames(rng, RARE_SURNAMES, set(common))
    # Zipf-like weights in the tail: a few rare names recur, most appear once or twice.
    rare_w = 1.0 / (np.arange(len(rare)) + 50.0)
    last_p = np.concatenate(
        [
            common_w / common_w.sum() * (1 - RARE_SURNAME_SHARE),
            rare_w / rare_w.sum() * RARE_SURNAME_SHARE,
        ]
    )
    return NamePools(
        first=np.array(first, dtype=object),
        first_p_female=_weights(female, first),
        first_p_male=_weights(male, first),
        last=np.array(common + rare, dtype=object),
        last_p=last_p / last_p.sum(),
        nicknames=_nickname_table(tuple(first)),
    )

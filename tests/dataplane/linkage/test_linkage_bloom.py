"""Bloom filters and their Dice similarity behave as the linkage needs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.dataplane.linkage.bloom import BloomEncoder, bigrams, derive_key, dice

ENCODER = BloomEncoder(derive_key(b"k" * 32, "test"))
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=14)


def encode(*values: str) -> np.ndarray:
    return ENCODER.encode([bigrams(v) for v in values])


@given(names)
def test_a_filter_is_identical_to_itself(name):
    a = encode(name)
    assert dice(a, a)[0] == 1.0


@given(names, names)
def test_dice_is_symmetric_and_between_zero_and_one(x, y):
    a, b = encode(x), encode(y)
    d = dice(a, b)[0]
    assert 0.0 <= d <= 1.0
    assert d == dice(b, a)[0]


@settings(max_examples=50)
@given(st.lists(names, min_size=30, max_size=30, unique=True))
def test_unrelated_names_are_near_zero_on_average(values):
    # Names sharing no bigram overlap only through colliding bits.
    left = [f"{v}" for v in values]
    right = ["".join(chr((ord(c) - 97 + 13) % 26 + 65) for c in v) for v in values]
    d = dice(encode(*left), encode(*right))
    assert d.mean() < 0.12


def test_a_one_letter_typo_keeps_dice_high_and_a_different_key_breaks_it():
    a, b = encode("catherine"), encode("katherine")
    assert dice(a, b)[0] > 0.75
    other = BloomEncoder(derive_key(b"z" * 32, "test")).encode([bigrams("catherine")])
    assert dice(a, other)[0] < 0.3


def test_a_missing_value_gives_an_empty_filter():
    packed = ENCODER.encode([None, bigrams("ann")])
    assert not packed[0].any() and packed[1].any()
    assert np.isnan(dice(packed[:1], packed[:1])[0])

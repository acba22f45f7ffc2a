from __future__ import annotations

import numpy as np
import pytest

from steward.dataplane.sdc import TableError, build_table, read_leaf_csv

GEO = {"S1": "D1", "S2": "D1", "S3": "D2", "D1": "State", "D2": "State"}


def test_build_table_fills_every_margin_of_a_hierarchy():
    table = build_table(
        {"school": ["S1", "S1", "S2", "S3"], "grade": ["3", "4", "3", "4"]},
        hierarchies={"school": GEO},
    )
    assert table.value("D1", "Total") == 3
    assert table.value("State", "3") == 2
    assert table.value("State", "Total") == 4
    assert np.allclose(table.relations @ table.flat_values, 0)


def test_magnitude_tables_keep_contributors_and_largest_values():
    table = build_table({"g": ["a", "a", "a", "b"]}, magnitude=[5.0, 1.0, 3.0, 2.0])
    assert table.value("Total") == 11
    assert table.contributors[table.flat_index(["a"])] == 3
    top = table.top.reshape(table.n_cells, -1)
    assert top[table.flat_index(["Total"])].tolist() == [5.0, 3.0]


def test_a_code_outside_its_hierarchy_is_named():
    with pytest.raises(TableError, match="'S9'"):
        build_table({"school": ["S9"]}, hierarchies={"school": GEO})


def test_a_csv_with_a_bad_count_names_the_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("school,n\nS1,4\nS2,many\n")
    with pytest.raises(TableError, match="line 3"):
        read_leaf_csv(path, ["school"], "n")

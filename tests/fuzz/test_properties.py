"""Property tests (hypothesis): arbitrary cells and bytes never crash a reader.

Bounded (``max_examples``) and derandomized so the run is short and the same every time.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ceasefire.errors import InputError
from tests.fuzz.hostile import FORMULAS, NON_FINITE
from tests.fuzz.loaders import LOADERS

CSV_LOADERS = [name for name, loader in LOADERS.items() if loader.table is not None]
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
CELLS = st.one_of(st.text(max_size=30), st.sampled_from(NON_FINITE + FORMULAS))


def _load(loader_name: str, path) -> None:  # type: ignore[no-untyped-def]
    try:
        LOADERS[loader_name].load(path)
    except InputError as exc:
        assert exc.problems


@pytest.mark.parametrize("name", CSV_LOADERS)
@SETTINGS
@given(data=st.data())
def test_arbitrary_cells_next_to_good_rows(tmp_path_factory, name: str, data) -> None:  # type: ignore[no-untyped-def]
    table = LOADERS[name].table
    assert table is not None
    row = data.draw(st.lists(CELLS, min_size=len(table.header), max_size=len(table.header)))
    path = tmp_path_factory.mktemp("p") / "f.csv"
    path.write_text(table.render([*table.rows, row]), encoding="utf-8", newline="")
    _load(name, path)


@pytest.mark.parametrize("name", sorted(LOADERS))
@SETTINGS
@given(data=st.data())
def test_mutated_bytes(tmp_path_factory, name: str, data) -> None:  # type: ignore[no-untyped-def]
    loader = LOADERS[name]
    sample = loader.sample()
    raw = bytearray(sample.encode() if isinstance(sample, str) else sample)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(1, 255))
    path = tmp_path_factory.mktemp("m") / f"f{loader.suffix}"
    path.write_bytes(bytes(raw))
    _load(name, path)

"""Every reader has fuzz coverage: a new one fails here until it is added to loaders.py."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import ceasefire.formats
from ceasefire.formats.base import Reader
from ceasefire.formats.registry import FORMAT_NAMES, READERS
from tests.fuzz.hostile import variants
from tests.fuzz.loaders import FUZZ_DATA, LOADERS
from tests.fuzz.make_corpus import corpus

# public functions of ceasefire.formats that read a path but are helpers of the readers
HELPERS = {"ceasefire.formats.base.read_header"}


def test_every_registered_format_has_a_loader_and_variants() -> None:
    by_format = {loader.ingest_format: loader for loader in LOADERS.values()}
    missing = [name for name in FORMAT_NAMES if name not in by_format]
    assert not missing, f"registry formats without fuzz coverage: {missing}"
    for name in FORMAT_NAMES:
        assert len(variants(by_format[name])) >= 20, name
        module = READERS[name].partition(":")[0]
        assert module in by_format[name].covers


def test_every_reader_in_formats_is_covered() -> None:
    covered = set().union(*(loader.covers for loader in LOADERS.values()))
    unknown = []
    for info in pkgutil.iter_modules(ceasefire.formats.__path__):
        module = importlib.import_module(f"ceasefire.formats.{info.name}")
        for name, obj in vars(module).items():
            if getattr(obj, "__module__", None) != module.__name__ or name.startswith("_"):
                continue
            qualified = f"{module.__name__}.{name}"
            is_reader = inspect.isclass(obj) and issubclass(obj, Reader) and obj is not Reader
            is_read_fn = inspect.isfunction(obj) and name.startswith(("read_", "load", "loads"))
            if (is_reader or is_read_fn) and qualified not in HELPERS \
                    and qualified not in covered and module.__name__ not in covered:
                unknown.append(qualified)
    assert not unknown, f"readers without a fuzz loader in tests/fuzz/loaders.py: {unknown}"


def test_corpus_is_up_to_date() -> None:
    """The committed files are exactly what make_corpus.py writes."""
    expected = corpus()
    on_disk = {p.relative_to(FUZZ_DATA): p.read_bytes() for p in FUZZ_DATA.rglob("*")
               if p.is_file() and p.parent != FUZZ_DATA}
    assert sorted(on_disk) == sorted(expected), "run python -m tests.fuzz.make_corpus"
    assert all(on_disk[k] == expected[k] for k in expected)

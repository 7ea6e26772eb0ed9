"""Write the committed fuzz corpus: ``python -m tests.fuzz.make_corpus`` (from the repo root).

One valid sample per kind (canonical CSV, GeoJSON reports, agreement YAML, evidence bundle)
goes through :func:`tests.fuzz.hostile.variants`; each variant becomes
``tests/data/fuzz/<kind>/<variant>.<ext>``. Variants over 16 kB are left to the tests,
which build them at run time. ``test_corpus_is_up_to_date`` fails when the files and this
generator disagree.
"""

from __future__ import annotations

from pathlib import Path

from tests.fuzz.hostile import variants
from tests.fuzz.loaders import FUZZ_DATA, LOADERS

SEEDS = {"csv": "canonical", "json": "geojson", "yaml": "agreement", "zip": "bundle"}
MAX_COMMITTED = 16_384


def corpus() -> dict[Path, bytes]:
    """Relative path -> bytes of every committed corpus file."""
    out: dict[Path, bytes] = {}
    for kind, name in SEEDS.items():
        loader = LOADERS[name]
        for variant, data in variants(loader).items():
            if len(data) <= MAX_COMMITTED:
                out[Path(kind) / f"{variant}{loader.suffix}"] = data
    return out


def main() -> None:
    for relative, data in corpus().items():
        path = FUZZ_DATA / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print(f"wrote {len(corpus())} files under {FUZZ_DATA}")


if __name__ == "__main__":
    main()

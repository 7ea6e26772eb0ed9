"""Evidence uploads: content-addressed, hash in the ledger, tamper detection, type and size."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from ceasefire.errors import LedgerError
from ceasefire.record import ledger
from ceasefire.services.evidence import stored_path, verify_evidence_files
from tests.web.conftest import PNG, World

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(200))


def _upload(client: TestClient, world: World, data: bytes, name: str = "photo.jpg",
            who: str = "monitor", report: str = "osce:p-1") -> object:
    return client.post(f"/api/v1/reports/{report}/evidence", headers=world.headers(who),
                       files={"file": (name, data, "image/jpeg")})


def test_photo_hash_in_ledger_and_changed_file_fails_verification(world: World,
                                                                  client: TestClient) -> None:
    import hashlib

    r = _upload(client, world, JPEG)
    assert r.status_code == 201, r.text  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    sha = hashlib.sha256(JPEG).hexdigest()
    assert body["sha256"] == sha and body["media_type"] == "image/jpeg"
    path = stored_path(world.ws, sha)
    assert path == world.ws.root / "evidence" / sha[:2] / sha[2:4] / sha
    assert path.read_bytes() == JPEG
    entry = next(world.ws.store.select("ledger", {"seq": body["ledger_seq"]}))
    assert entry["action"] == "evidence.upload"
    assert json.loads(entry["note"])["sha256"] == sha
    ledger.verify(world.ws.store)
    assert verify_evidence_files(world.ws) == 1
    got = client.get(f"/api/v1/evidence/{sha}", headers=world.headers("analyst"))
    assert got.content == JPEG and got.headers["content-type"] == "image/jpeg"
    assert client.get(f"/api/v1/evidence/{sha}").status_code == 401  # never public

    path.write_bytes(JPEG[:-1] + b"\x00")
    with pytest.raises(LedgerError) as caught:
        verify_evidence_files(world.ws)
    assert caught.value.seq == body["ledger_seq"]


def test_editing_the_recorded_row_breaks_the_ledger(world: World, client: TestClient) -> None:
    sha = _upload(client, world, JPEG).json()["sha256"]  # type: ignore[attr-defined]
    world.ws.store.update("evidence_files", {"sha256": sha}, {"sha256": "0" * 64})
    with pytest.raises(LedgerError):
        ledger.verify(world.ws.store)


def test_ceasefire_verify_fails_when_a_stored_file_changes(world: World, client: TestClient,
                                                           cli) -> None:  # type: ignore[no-untyped-def]
    sha = _upload(client, world, JPEG).json()["sha256"]  # type: ignore[attr-defined]
    assert cli("verify", "-w", world.ws.root).exit_code == 0
    stored_path(world.ws, sha).write_bytes(b"\xff\xd8\xff" + b"edited")
    result = cli("verify", "-w", world.ws.root)
    assert result.exit_code == 1
    assert "evidence file" in result.stderr


def test_type_checked_by_content_and_size_limited(world: World, client: TestClient) -> None:
    r = _upload(client, world, b"MZ\x90\x00 not a photo", name="photo.jpg")
    assert r.status_code == 415  # type: ignore[attr-defined]
    assert r.json()["error"]["code"] == "unsupported_media_type"  # type: ignore[attr-defined]
    client.app.state.max_upload_bytes = 100  # type: ignore[attr-defined]
    r = _upload(client, world, JPEG)
    assert r.status_code == 413  # type: ignore[attr-defined]
    assert not list((world.ws.root / "evidence").rglob("*.upload.*"))
    assert world.ws.store.count("evidence_files") == 0


def test_same_file_twice_is_stored_once(world: World, client: TestClient) -> None:
    a = _upload(client, world, PNG, name="a.png").json()  # type: ignore[attr-defined]
    b = _upload(client, world, PNG, name="b.png").json()  # type: ignore[attr-defined]
    assert a == b
    c = _upload(client, world, PNG, who="liaison", report="ru_mod:ru-1")
    assert c.status_code == 201  # type: ignore[attr-defined]
    assert world.ws.store.count("evidence_files") == 2
    assert len([p for p in (world.ws.root / "evidence").rglob("*") if p.is_file()]) == 1

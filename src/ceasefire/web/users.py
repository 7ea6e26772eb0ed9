"""Users and bearer tokens of the web API (``ceasefire users add`` / ``users token``).

A token is 32 random bytes shown to its owner once; the store keeps only its SHA-256, so
a copy of the database does not hand out working credentials. A token is long and random,
so one unsalted SHA-256 is enough (no dictionary to attack, unlike a password).

Anonymous requests act as the ``public`` role. This module has no web imports so the CLI
works without the ``[web]`` extra.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from ceasefire.errors import InputError, NotFound
from ceasefire.record import ledger
from ceasefire.store.base import Store
from ceasefire.store.conditions import Eq
from ceasefire.web.access import PARTIES, ROLES

TOKEN_PREFIX = "cf_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@dataclass(frozen=True)
class Principal:
    """Who makes a request: a user's name, role and (for liaisons) party."""

    name: str
    role: str
    party: str | None = None

    @property
    def is_public(self) -> bool:
        return self.role == "public"


ANONYMOUS = Principal("anonymous", "public")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(store: Store, name: str, role: str, party: str | None = None) -> Principal:
    """Create a user. A liaison must name the party it speaks for; others must not."""
    if not _NAME.match(name):
        raise InputError(f"user name {name!r}: use letters, digits and . _ @ - (max 64)",
                         field="NAME")
    if role not in ROLES:
        raise InputError(f"unknown role {role!r} (expected one of {', '.join(ROLES)})",
                         field="--role")
    if role == "liaison":
        if party not in PARTIES:
            raise InputError(f"a liaison needs --party, one of {', '.join(PARTIES)}",
                             field="--party")
    elif party is not None:
        raise InputError("--party is only for the liaison role", field="--party")
    if store.count("users", {"name": name}):
        raise InputError(f"user {name!r} already exists", field="NAME")
    with store.transaction():
        store.insert("users", [{"name": name, "role": role, "party": party,
                                "created_at": _now()}])
        ledger.record_state(store, actor="users", action="users.add", tables=["users"],
                            note={"name": name, "role": role})
    return Principal(name, role, party)


def get_user(store: Store, name: str) -> Principal:
    for row in store.select("users", {"name": name}):
        return Principal(row["name"], row["role"], row["party"])
    raise NotFound(f"no user {name!r} (add one with `ceasefire users add`)")


def list_users(store: Store) -> list[dict[str, object]]:
    rows = []
    for row in store.select("users", order_by=["name"]):
        row["tokens"] = store.count("tokens", {"name": row["name"], "revoked": 0})
        rows.append(row)
    return rows


def new_token(store: Store, name: str, *, revoke_old: bool = False) -> str:
    """Issue a token for ``name`` and return it (the only time it is ever visible)."""
    get_user(store, name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.transaction():
        if revoke_old:
            store.update("tokens", {"name": name}, {"revoked": 1})
        store.insert("tokens", [{"token_hash": hash_token(token), "name": name,
                                 "created_at": _now(), "revoked": 0}])
        ledger.record_state(store, actor="users", action="users.token", tables=["tokens"],
                            note={"name": name, "revoke_old": revoke_old})
    return token


def authenticate(store: Store, token: str | None) -> Principal | None:
    """The principal a bearer token belongs to, ``ANONYMOUS`` without one, ``None`` if invalid."""
    if not token:
        return ANONYMOUS
    rows = list(store.select("tokens", {"token_hash": hash_token(token), "revoked": Eq(0)},
                             limit=1))
    if not rows:
        return None
    try:
        return get_user(store, rows[0]["name"])
    except NotFound:
        return None


class TokenCache:
    """Tokens verified in the last ``ttl_s`` seconds, so a busy client is not looked up on
    every request (each lookup queued behind the write transaction holding the store).

    Only valid tokens are kept, so a wrong one is looked up (and rate-limited) every time; a
    revoked token or deleted user stops working within ``ttl_s`` (tokens are revoked by
    ``ceasefire users token --revoke-old``, in another process the server cannot hear).
    """

    def __init__(self, ttl_s: float = 1.0, size: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.size = size
        self._known: dict[str, tuple[Principal, float]] = {}

    def authenticate(self, store: Store, token: str | None) -> Principal | None:
        """:func:`authenticate`, answered from the cache while fresh."""
        if not token:
            return ANONYMOUS
        digest = hash_token(token)
        now = time.monotonic()
        hit = self._known.get(digest)
        if hit is not None and hit[1] > now:
            return hit[0]
        principal = authenticate(store, token)
        if principal is None:
            self._known.pop(digest, None)
        else:
            if len(self._known) >= self.size:  # many distinct tokens: start over
                self._known.clear()
            self._known[digest] = (principal, now + self.ttl_s)
        return principal

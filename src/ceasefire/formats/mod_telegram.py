"""RU Ministry of Defence Telegram posts (``party_claims/mod_russia_telegram_*.csv``).

Columns: ``date, datetime, drone_count, oblasts, text_snippet``. ``datetime`` is UTC; the
text states times in Moscow time (UTC+3, no DST since 2014). Each snippet is the first 400
characters of the post. Choices, documented in docs/formats.md:

* **One claim, one report.** A post is split into its items (the ``▪️``/``▫️`` bullets and
  the clauses of a list); each alleged Ukrainian attack becomes a report, so one row of
  the file can give several reports. A post with no claim the reader can read is refused
  with the reason (it goes to the quarantine), so every row is accounted for.
* **What is an accusation.** (a) *Interceptions*: "дежурными средствами ПВО уничтожены N
  украинских БпЛА над территорией X области" is an accusation of a drone attack on region
  X (count = the drones named for X). (b) *Energy claims*: an item naming an energy site
  (pumping, compressor or metering station, line, substation, refinery) with an attack word
  and a day ("26 марта около 17.00") is an accusation with ``target_class`` energy.
* **Admissions are left out.** The MoD's reports of Russia's own strikes name Ukrainian
  units and fronts ("нанесено поражение формированиям…"), not the sites the agreements
  protect, and carry no time; they are refused as "not an accusation".
* **Time**: the time stated in the item (Moscow time) when there is one — an instant
  ("около 13.15 мск", ±15 min), a span ("с 16.10 до 17.20", its middle ± half), a day
  ("26 марта", with the year of the post); "в течение прошедшей ночи" is 20:00 the evening
  before to 07:00 MSK; otherwise the post's own time, ±2 h.
* **Place**: the region named (bundled approximate Russian regions, see
  :mod:`ceasefire.formats.russian_regions`: its point, radius of its area); Crimea and
  Sevastopol through the project's gazetteer; seas are refused (no area bundled).
* ``extra``: ``truncated`` (the snippet is cut at 400 characters, so items late in a list
  are missing: counts from this source are lower bounds), ``post_time_utc``,
  ``item`` (the clause the report was read from), ``target`` (a named site).
* Registers source ``ru-mod``: kind party, affiliation RU, reliability F (a party to the
  conflict: cannot be judged), origin group ``ru-mod``. ``perpetrator`` is UA.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ceasefire.core.evidence import Source, SourceKind
from ceasefire.formats.base import Chunk, Reader, prepare_csv, record_chunks
from ceasefire.formats.russian_regions import (
    GAZETTEER_REGIONS,
    SEAS,
    find_regions,
    region_by_stem,
    settlement,
)

COLUMNS = ("date", "datetime", "text_snippet")
SOURCE_ID = "ru-mod"
SNIPPET_LIMIT = 400
MSK = timezone(timedelta(hours=3))
POST_TIME_UNCERTAINTY_MIN = 120.0
NUMBERS = {"один": 1, "одна": 1, "одного": 1, "одному": 1, "два": 2, "две": 2, "двух": 2,
           "три": 3, "трех": 3, "трёх": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7,
           "восемь": 8, "девять": 9, "десять": 10, "одиннадцать": 11, "двенадцать": 12,
           "тринадцать": 13, "четырнадцать": 14, "пятнадцать": 15, "шестнадцать": 16,
           "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19, "двадцать": 20}
ORDINAL_DAYS = {"первого": 1, "второго": 2, "третьего": 3, "четвертого": 4, "четвёртого": 4,
                "пятого": 5, "шестого": 6, "седьмого": 7, "восьмого": 8, "девятого": 9,
                "десятого": 10}
MONTHS = {m: i + 1 for i, m in enumerate((
    "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
    "октября", "ноября", "декабря"))}
_NUM = r"(\d+|" + "|".join(NUMBERS) + r")"
_ANY_NUM = r"(?:\d+|" + "|".join(NUMBERS) + r")"
_DRONE = r"(?:бпла|беспилотн\w*|бла)"
_HHMM = r"(\d{1,2})[.:](\d{2})"
ENERGY_WORDS = ("энерг", "нефтеперекачивающ", "компрессорн", "газоизмерительн", "подстанц",
                "линии", "лэп", "нпз", "нефтебаз", "газопровод", "нефтепровод", "электро")
ATTACK_WORDS = ("атак", "удар", "поражен")
UA_WORDS = ("киевск", "всу", "украинск")
NOT_AN_ACCUSATION = "not an accusation: no Ukrainian attack with a place the reader can read"


def number(word: str) -> int | None:
    """A count written in digits or in words.

    >>> number("семь"), number("41"), number("много")
    (7, 41, None)
    """
    return int(word) if word.isdigit() else NUMBERS.get(word.lower())


@dataclass
class Claim:
    """One accusation read from a post."""

    stem: str
    observed_at: str
    uncertainty_min: float
    category: str
    weapon_class: str
    item: str
    count: int | None = None
    target: str | None = None
    target_class: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def clean(text: str) -> str:
    """Markdown and emoji out, whitespace folded: the text the patterns read."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_#]+", "", text)
    text = "".join(ch if ch.isalnum() or ch in " .,:;–-—«»()\"'%/+▪▫" else " " for ch in text)
    return " ".join(text.split())


def items(text: str) -> list[str]:
    """The post's bullets (``▪️``/``▫️``/``🔹``), each a candidate claim."""
    return [p for p in re.split(r"[▪▫🔹•]\ufe0f?", text) if p.strip()]


def _msk(post_utc: datetime) -> datetime:
    return post_utc.astimezone(MSK)


def _stated_time(item: str, post: datetime) -> tuple[datetime, float] | None:
    """The (middle, ± minutes) of a time stated in Moscow time, on or before the post."""
    low = item.lower()
    local = _msk(post)
    span = re.search(r"с\s+" + _HHMM + r"\s+до\s+" + _HHMM, low)
    if span:
        h1, m1, h2, m2 = (int(x) for x in span.groups())
        start = _before(local, h1, m1)
        end = _before(local, h2, m2)
        if end < start:
            start -= timedelta(days=1)
        return start + (end - start) / 2, (end - start).total_seconds() / 120.0
    at = re.search(r"(?:около|в)\s+" + _HHMM + r"\s*мск", low)
    if at:
        return _before(local, int(at.group(1)), int(at.group(2))), 15.0
    if "прошедшей ночи" in low:
        end = local.replace(hour=7, minute=0, second=0, microsecond=0)
        start = end - timedelta(hours=11)
        return start + (end - start) / 2, 330.0
    return None


def _before(local: datetime, hour: int, minute: int) -> datetime:
    """``hour:minute`` MSK on the post's day, or the day before when that is after the post."""
    moment = local.replace(hour=hour % 24, minute=minute % 60, second=0, microsecond=0)
    return moment - timedelta(days=1) if moment > local + timedelta(minutes=10) else moment


def _dated(item: str, post: datetime) -> tuple[datetime, float] | None:
    """A day stated in the item ("26 марта около 17.00", "с 23.38 восьмого апреля …")."""
    low = item.lower()
    day_re = r"(\d{1,2}|" + "|".join(ORDINAL_DAYS) + r")\s+(" + "|".join(MONTHS) + r")"
    found = re.search(day_re, low)
    if not found:
        return None
    word, month = found.groups()
    day = int(word) if word.isdigit() else ORDINAL_DAYS[word]
    year = _msk(post).year
    try:
        base = datetime(year, MONTHS[month], day, tzinfo=MSK)
    except ValueError:
        return None
    clock = re.search(r"(?:около|в)\s+" + _HHMM, low[found.start():]) or re.search(
        r"с\s+" + _HHMM, low)
    if clock:
        return base.replace(hour=int(clock.group(1)) % 24, minute=int(clock.group(2))), 30.0
    hours = re.search(r"около\s+" + _NUM + r"\s+час\w*\s+ночи", low)
    if hours and number(hours.group(1)) is not None:
        return base + timedelta(hours=number(hours.group(1)) or 0), 30.0
    if "часов ночи" in low or "ночью" in low:
        return base + timedelta(hours=3), 180.0
    return base + timedelta(hours=12), 720.0


def weapon(item: str) -> tuple[str, str]:
    """(category, weapon_class) from the weapon the item names; drones when none is named."""
    low = item.lower()
    if "himars" in low or "рсзо" in low:
        return "mlrs", "mlrs"
    if "ракет" in low and not re.search(_DRONE, low):
        return "missile_strike", "missile"
    if "артиллер" in low:
        return "shelling", "artillery"
    return "drone_strike", "drone"


def interceptions(text: str, post: datetime) -> list[Claim]:
    """Drone-interception claims: one per region named, with the count given for it."""
    low = text.lower()
    if not ("пво" in low or "сбит" in low or "перехвач" in low) or "украинск" not in low \
            or not re.search(_DRONE, low):
        return []
    when = _stated_time(text, post) or (post, POST_TIME_UNCERTAINTY_MIN)
    head = re.search(r"(?:уничтожен\w*|перехвачен\w*|сбит\w*)\s+" + _NUM + r"\s+украинск", low)
    total = number(head.group(1)) if head else (1 if re.search(
        r"уничтожен\s+украинский", low) else None)
    claims: list[Claim] = []
    parts = [p for p in re.split(r"[▪;]|,\s+(?=(?:по\s+)?" + _ANY_NUM + r"\s)|\s+и\s+(?=(?:по\s+)?"
                                 + _ANY_NUM + r"\s+" + _DRONE + ")", text, flags=re.IGNORECASE)
             if p.strip()]
    listed = len(parts) > 1
    for part in parts:
        over = re.split(r"\bнад\b", part, maxsplit=1, flags=re.IGNORECASE)
        stems = find_regions(over[1]) if len(over) > 1 else []
        if not stems:
            continue
        lead = re.search(r"(по\s+)?" + _NUM + r"\s+" + _DRONE + r"\s*[–—-]?\s*над\b",
                         part.lower())
        each = number(lead.group(2)) if lead else None
        for stem in stems:
            if lead and (lead.group(1) or len(stems) == 1):
                count = each
            elif not listed and len(stems) == 1:
                count = total
            else:
                count = None  # one number for several regions: not split
            claims.append(Claim(stem, _iso(when[0]), when[1], "drone_strike", "drone",
                                part.strip()[:200], count, None, None,
                                {} if count or total is None else {"post_total": total}))
    return claims


def energy_claims(text: str, post: datetime) -> list[Claim]:
    """Claims of attacks on energy sites: items with a site, an attack word and a day."""
    accusing = any(w in text.lower()[:300] for w in UA_WORDS)
    claims: list[Claim] = []
    for item in items(text):
        low = item.lower()
        if not (any(w in low for w in ENERGY_WORDS) and any(w in low for w in ATTACK_WORDS)):
            continue
        if not (accusing or any(w in low for w in UA_WORDS)):
            continue
        when = _dated(item, post)
        site = _named_site(item)
        stems = [s for s in find_regions(item) if s not in SEAS]
        town = settlement(site.group(1)) if site and not stems else None
        stems = [town[2]] if town else stems
        if when is None or (site is None and not stems):
            continue  # an aggregate ("четыре атаки за сутки"): no site, no day
        category, weapon_class = weapon(item)
        many = re.search(r"применением\s+" + _NUM + r"\s+" + _DRONE, low)
        site_name = _site(item, site)
        for stem in stems or [""]:
            claims.append(Claim(stem, _iso(when[0]), when[1], category, weapon_class,
                                item.strip()[:300], number(many.group(1)) if many else None,
                                site_name, "energy"))
    return claims


def _named_site(item: str) -> re.Match[str] | None:
    """The «quoted» name that follows a facility word (not «HIMARS», the weapon)."""
    quoted = list(re.finditer(r"«([^»]+)»", item))
    facility = [q for q in quoted if re.search(r"(станци|подстанц|объект|нпз|филиал|линии)\w*"
                                               r"\s+\S*\s*$", item[:q.start()].lower())]
    chosen = facility or quoted[-1:]
    return chosen[0] if chosen else None


def _site(item: str, quoted: re.Match[str] | None) -> str | None:
    """The site as the text names it: two words before the name, and a branch that follows
    it ("филиала ПАО «Россети Центр» – «Брянскэнерго»")."""
    if quoted is None:
        return None
    before = item[:quoted.start()].split()[-2:]
    branch = re.match(r"\s*[–—-]\s*«([^»]+)»", item[quoted.end():])
    named = f"«{quoted.group(1)}»" + (f" – «{branch.group(1)}»" if branch else "")
    return " ".join([*before, named])


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class ModTelegramReader(Reader):
    """Reader for the scraped RU MoD Telegram snippets."""

    def __init__(self) -> None:
        super().__init__(name="mod-telegram", timezone="UTC", screening="annotate")

    def sources(self, source_id: str | None) -> list[Source]:
        return [Source(source_id or SOURCE_ID, "Russian Ministry of Defence (Telegram)",
                       SourceKind.PARTY, "RU", "F", source_id or SOURCE_ID)]

    def read(self, path: Path, *, source_id: str | None = None) -> Iterator[Chunk]:
        header, encoding = prepare_csv(path, COLUMNS, "RU MoD Telegram")
        sid = source_id or SOURCE_ID
        yield from record_chunks(
            path, header, encoding,
            lambda chunk, row, record: post(chunk, sid, row, record["datetime"] or "",
                                            record["text_snippet"] or ""))


NAMES = ("report_id", "source_id", "observed_at", "time_uncertainty_min", "lat", "lon",
         "location_uncertainty_m", "place", "category", "perpetrator", "target_class",
         "weapon_class", "count", "text", "extra")


def post(chunk: Chunk, sid: str, row: int, stamp: str, snippet: str) -> None:
    """Append the claims of one post to ``chunk``, or the post refused with the reason."""
    try:
        moment = datetime.strptime(stamp.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    except ValueError:
        chunk.append(row, _placeholder(sid, row, stamp, snippet), NAMES,
                     ("datetime", f"not a 'YYYY-MM-DD HH:MM' UTC time: {stamp!r}"))
        return
    claims = energy_claims(snippet, moment) or interceptions(clean(snippet), moment)
    if not claims:
        chunk.append(row, _placeholder(sid, row, stamp, snippet), NAMES,
                     ("text_snippet", NOT_AN_ACCUSATION))
    digest = hashlib.blake2b(f"{stamp}\x1f{snippet}".encode(), digest_size=6).hexdigest()
    for k, claim in enumerate(claims):
        _add(chunk, row, sid, f"m{moment:%Y%m%d%H%M}-{digest}-{k}", claim, moment, snippet)


def _placeholder(sid: str, row: int, stamp: str, snippet: str) -> dict[str, Any]:
    """What a refused post shows in the quarantine."""
    return {"report_id": f"m-row{row}", "source_id": sid, "observed_at": stamp,
            "text": snippet}


def _add(chunk: Chunk, row: int, sid: str, rid: str, claim: Claim, moment: datetime,
         snippet: str) -> None:
    region = region_by_stem(claim.stem)
    place = GAZETTEER_REGIONS.get(claim.stem) or SEAS.get(claim.stem)
    values: dict[str, Any] = {
        "report_id": rid, "source_id": sid, "observed_at": claim.observed_at,
        "time_uncertainty_min": claim.uncertainty_min,
        "lat": region.lat if region else None, "lon": region.lon if region else None,
        "location_uncertainty_m": region.radius_m if region else None,
        "place": region.name_en if region else place,
        "category": claim.category, "perpetrator": "UA",
        "target_class": claim.target_class, "weapon_class": claim.weapon_class,
        "count": claim.count, "text": clean(snippet),
        "extra": {"truncated": len(snippet) >= SNIPPET_LIMIT, "item": claim.item,
                  "post_time_utc": f"{moment:%Y-%m-%dT%H:%MZ}", "target": claim.target,
                  **claim.extra}}
    refused = None
    if claim.stem in SEAS:
        refused = ("place", f"{SEAS[claim.stem]}: no sea area is bundled")
    elif region is None and place is None:
        refused = ("place", "the claim names no region the reader knows")
    chunk.append(row, values, NAMES, refused)

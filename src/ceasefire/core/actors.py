"""Who a news headline says acted: the perpetrator as claimed, read from Ukrainian/Russian text.

VIINA's event reports carry a headline but no actor column. This module reads the headline
for the party it presents as carrying out the hostile act it reports ("Росіяни обстріляли
Херсон" → ``RU``; "Удары ВСУ по позиции ВС РФ" → ``UA``) and returns the party id with the
cue it matched, so the value can be stored as a report's ``perpetrator`` with a rationale.

It is deliberately keyword/regex based: fast, explainable, and honest about doubt. When the
headline names no party as actor, names one only as the *source* of the news ("— повідомляє
Генштаб ЗСУ"), or uses a perspective-dependent word that the text cannot resolve, the answer
is ``None`` rather than a guess. Accuracy on a hand-labelled sample is measured in
``tests/core/test_actors.py`` (figures in ``bench/RESULTS.md``).

Rules, in order:

1. spans that name a party only as a *source* (General Staff, MoD, commanders) are blanked;
2. a headline with no war-act word (attack, strike, advance, capture, drone …) has no actor;
3. *defensive* headlines ("ЗСУ відбили 30 атак росіян", "Українська ППО збила 70 дронів")
   report the attacker: the party named with the attack, else the adversary of the defender;
4. otherwise the earliest cue in an *actor* role wins; a cue after "по/на/проти" or on an
   asset noun ("по позиціях ЗСУ", "збила російський Су-25") is the target, not the actor;
5. weapon names used by one side only (Shahed, Iskander, Lancet, KAB …) are a last resort.

"ворог"/"противник"/"враг" mean Russia in Ukrainian text; in Russian text they mean Russia
only if the text also has Ukrainian-perspective words ("оккупант", "россиян") and Ukraine if it
has Russian-perspective words ("ВСУ" as adversary, "боевики", "киевский режим"); else ``None``.

>>> parse_actor("Росіяни обстріляли Херсон: двоє загиблих").party
'RU'
>>> parse_actor("На Покровському напрямку відбулися бої, - повідомляє Генштаб ЗСУ").party
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

UA = "UA"
RU = "RU"
_OTHER = {UA: RU, RU: UA}


@dataclass(frozen=True)
class ActorMatch:
    """The party a headline presents as acting, the text that said so, and the rule used."""

    party: str | None
    cue: str | None = None
    rule: str = "none"

    @property
    def rationale(self) -> str:
        """One line for a finding's rationale, e.g. ``headline names RU ("росіяни", actor)``."""
        if self.party is None:
            return f"headline names no acting party ({self.rule})"
        return f'headline names {self.party} ("{self.cue}", {self.rule})'


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.UNICODE)


_W = r"[\w'’ʼ-]"  # a word character, counting apostrophes and hyphens (п'ять, су-25)

# Spans that name a party as the *source* of the news, not as the actor.
_SOURCE = _rx(
    r"(?<!\w)(?:генштаб\w*|генеральн\w* штаб\w*|главком\w*|мзс|мид|посол\w*|посл[аио]\w*"
    r"|головнокоманд\w*|командуван\w*|командовани\w*|міноборони|минобороны|минобороне"
    r"|речник\w*|спікер\w*|спикер\w*"
    r"|(?<!\w)(?:у|в)(?=\s+(?:зсу|всу)\s+(?:відпов|розпов|поясн|заяв|ответ|рассказ|заяв)))"
    r"(?:\s+" + _W + r"+){0,4}?\s+(?:зсу|всу|рф|россии|росії|україни|украины|зс україни)\b"
)

_SOURCE_HINT = re.compile(r"штаб|главком|головнокоманд|командуван|командовани|мінобор|минобор"
                          r"|речник|спікер|спикер|мзс|мид|посол|посл|[ув] [зв]су ")

# A war act must be reported for any party to be its actor.
_ACT = _rx(
    r"(?<!\w)(?:атак|атаку|удар|вдари|вдарил|ударил|обстр|штурм|наступ|просун|продвиж|окуп|оккуп"
    r"|захоп|захват|вбив|вбил|убил|убива|знищ|уничтож|бомб|дрон|бпла|безпілот|беспилот"
    r"|ракет|шахед|каб|поранен|ранен|загин|погиб|вибух|взрыв|підрив|подорв|взорв|бо[їй]|бойов"
    r"|боев|стріля|стреля|прорв|полон|плен|теракт|агент|диверс|накопич|перекида|концентр"
    r"|зосередж|оточ|окруж|звільн|освобожд|сафарі|вторгн|агресі|рветься|намага|пытает|пробу"
    r"|відсува|відтиска|заш|зайшл|вийшл|вышл|вошл|увійшл|проник|флаг|прапор|закріп|установ"
    r"|зруйнув|разруш|пошкод|поврежд|руйнув|арт|мінометн|обстріл|ліквід|ликвид|підірв|розбира"
    r"|авіа|авиа|іскандер|искандер|ланцет|калібр|калибр|плацдарм|кордон|границ|десант|елеватор"
    r"|юнармі|тиск|зайня|займа|заня|актив|ґвалт|гвалт|насил|контрол|повернул|збил|сбил"
    r"|віднов|восстанов|перерізал|перерезал|поранил|поранив|ранил|загроз|угроз|хоче|хочет"
    r"|план|погроз|зрівня|сравня|удару|ударі|наведен|навод)"
)

# Defensive acts: the attacker is the party named with the attack, else the defender's adversary.
_DEFENSIVE = _rx(
    r"(?<!\w)(?:відбил\w*|відбит\w*|відбиття|відбива\w*|зупинил\w*|спинил\w*|зірвал\w*|сорвал\w*"
    r"|отразил\w*|отбил\w*|захлинул\w*|стриму\w*|сдержива\w*"
    r"|(?:збил\w*|збит\w*|сбил\w*|збива\w*|сбива\w*|перехопил\w*|перехватил\w*"
    r"|знешкодил\w*|знищил\w*)"
    r"(?=(?:\s+" + _W + r"+){0,4}\s+(?:\d+\s+)?(?:" + _W + r"*\s+)?"
    r"(?:безпілот|бпла|дрон|ракет|шахед|беспилот|балістичн|баллистич|крилат|крылат)))"
)

# Nouns/adjectives of an attack: a party named right after one is the attacker (genitive agent)
# and an adjective of a party right before one marks the attacker.
_ATTACK_NOUN = (
    r"(?:атак\w*|удар\w*|обстріл\w*|обстрел\w*|штурм\w*|наступ\w*|наступлен\w*|вторгнен\w*"
    r"|агресі\w*|агресси\w*|просуван\w*|продвижен\w*|бомбардуван\w*|авіаудар\w*|сафарі)"
)
# Forces, weapons and people of a side: an adjective of a party before one marks an actor.
_FORCE_NOUN = (
    r"(?:військ\w*|войск\w*|військов\w*|военн\w*|армі\w*|арми\w*|авіаці\w*|авиаци\w*|дрон\w*"
    r"|безпілот\w*|беспилот\w*|бпла|бплa|ракет\w*|піхот\w*|пехот\w*|сил\w*|окупант\w*"
    r"|оккупант\w*|солдат\w*|пілот\w*|пилот\w*|десант\w*|диверсант\w*|захисник\w*|агент\w*"
    r"|підрозділ\w*|подразделен\w*|бригад\w*|ппо|пво|засоб\w*|средств\w*|шахед\w*|снаряд\w*"
    r"|бомб\w*|каб\w*|танк\w*|бойовик\w*|боевик\w*|окупаційн\w*|оккупационн\w*|влад\w*"
    r"|триколор\w*|прапор\w*|флаг\w*|роботи|роботы|артилері\w*|артиллери\w*)"
)
# Assets: a party after/before one of these is the owner of a target, not the actor.
_TARGET_BEFORE = _rx(
    r"(?<!\w)(?:(?:по|на|проти|против|від|от|з|с|для|між|между)\s+$"
    r"|(?:позиці\w*|позици\w*|порядк\w*|танк\w*|бронеавтомоб\w*|бронетехні\w*|склад\w*|техні\w*"
    r"|техник\w*|систем\w*|пункт\w*|комплекс\w*|флот\w*|гелікоптер\w*|вертол\w*|літак\w*"
    r"|самол\w*|колон\w*|штаб\w*|корабл\w*|посольств\w*|переговор\w*|представник\w*"
    r"|представител\w*|станці\w*|оборон\w*|полон\w*|плен\w*|контрол\w*|кордон\w*|границ\w*"
    r"|війн\w*|войн\w*|сторон\w*|територі\w*|территори\w*|тил\w*|тыл\w*|лінії|линии"
    r"|бік|бок\w*|захист\w*|защит\w*|допомог\w*|помощ\w*|підтримк\w*|поддержк\w*)"
    r"(?:\s+" + _W + r"+){0,1}\s+$)"
)
_ATTACK_BEFORE = _rx(r"(?<!\w)" + _ATTACK_NOUN + r"(?:\s+" + _W + r"+){0,1}\s+$")
_ASSET_AFTER = _rx(
    r"^\s+(?:позиці\w*|позици\w*|склад\w*|техні\w*|техник\w*|систем\w*|пункт\w*"
    r"|комплекс\w*|флот\w*|гелікоптер\w*|вертол\w*|літак\w*|самол\w*|су-\d+|мі-\d+|ми-\d+"
    r"|колон\w*|штаб\w*|корабл\w*|посольств\w*|рлс|радіолокац\w*|радиолокац\w*|аеродром\w*"
    r"|аэродром\w*|нафто\w*|нефт\w*|завод\w*|регіон\w*|регион\w*|територ\w*|территор\w*"
    r"|область|области|місто|город\w*|прапор\w*|триколор\w*|полон\w*|плен\w*|кордон\w*"
    r"|границ\w*|мов\w*|язык\w*|зерн\w*|громад\w*|гроші|деньг\w*|економ\w*|эконом\w*)"
    r"(?!\w)"
)
_FORCE_AFTER = _rx(r"^\s+(?:" + _W + r"+\s+){0,1}" + _FORCE_NOUN + r"(?!\w)")
_ATTACK_AFTER = _rx(r"^\s+(?:" + _W + r"+\s+){0,1}" + _ATTACK_NOUN + r"(?!\w)")

# Party cues. ``kind``: "noun" (a name for the side or its forces); "adj" (an adjective that
# marks an actor only on a force/weapon/attack noun); "state" (a nominative country name, an
# actor only before a war-act verb); "object" (accusative: never the actor); "object_adj"
# (accusative adjective: the actor only on an attack noun). ``None`` party = depends on the
# speaker's perspective (resolved by :func:`_perspective_party`).
_CUES: tuple[tuple[str, str | None, str], ...] = (
    (r"вс\s+рф|зс\s+рф|армі[яїюя]\s+рф|арми[яиюей]+\s+рф|ва\s+рф|фсб(?:\s+рф)?", RU, "noun"),
    (r"рф|росі(?:я|ї|єю)|росси(?:я|и|ей)|кремл\w*|путін\w*|путин\w*|рашист\w*", RU, "noun"),
    ((r"росіян\w*|россиян\w*|окупант\w*|оккупант\w*|загарбник\w*|агресор\w*|агрессор\w*"
      r"|кадиров\w*|вагнер\w*"), RU, "noun"),
    (r"росію|россию", RU, "object"),
    (r"ворог\w*", RU, "noun"),
    (r"ворож\w*", RU, "adj"),
    (r"російську|российскую", RU, "object_adj"),
    (r"українську|украинскую", UA, "object_adj"),
    (r"російськ\w*|российск\w*|окупаційн\w*|оккупационн\w*", RU, "adj"),
    (r"противник\w*|враг\w*|вражеск\w*|бойовик\w*|боевик\w*", None, "noun"),
    ((r"зсу|всу|вфу|зс\s+україни|сил[иаіу]?\s+оборони|сил[аыу]?\s+обороны|захисник\w*"
     r"|оборонц\w*|гур|ссо|сбс|прикордонник\w*|пограничник\w*|нгу|нацгвард\w*|омбр|ошб|дшв"
     r"|\d+-\w+\s+(?:окрем\w+\s+)?(?:механізован\w+\s+|штурмов\w+\s+)?бригад\w*"
     r"|повітрян\w+\s+сил\w*|наш\w+\s+(?:сил|військ|воїн|захисник)\w*|розвідник\w*"
     r"|партизан\w*|нацист\w*|киевск\w+\s+режим\w*"), UA, "noun"),
    (r"україн(?:а|a)|украин[аa]", UA, "state"),
    (r"україну|украину", UA, "object"),
    (r"українськ\w*|украинск\w*", UA, "adj"),
)
_CUE_RX = _rx(
    r"(?<![\w-])(?:"
    + "|".join(f"(?P<c{i}>(?:{pat})(?!\\w))" for i, (pat, _, _) in enumerate(_CUES))
    + ")"
)
# A nominative "Україна"/"Украина" acts only when a war-act verb follows closely.
_STATE_ACT_AFTER = _rx(
    r"^\s+(?:" + _W + r"+\s+){0,1}(?:завда\w*|атакуват\w*|атаковать|бит\w*|нанесл\w*"
    r"|вдарил\w*|ударил\w*|атакувал\w*"
    r"|атаковал\w*|вийшл\w*|вышл\w*|звільнил\w*|освободил\w*|обстрілял\w*|обстрелял\w*)"
)
_SIDE_WEAPON = _rx(
    r"(?<!\w)(?:шахед\w*|shahed|герань|іскандер\w*|искандер\w*|ланцет\w*|калібр\w*|калибр\w*"
    r"|х-101|х-59|х-22|кинджал\w*|кинжал\w*|каб(?:и|ів|ом|ами|ах|а)?|фаб-\d+|c-300|с-300"
    r"|кн-23)(?!\w)"
)
_RU_PERSPECTIVE = _rx(r"(?<!\w)(?:вфу|боевик\w*|киевск\w+\s+режим\w*|нацист\w*|сво|спецоперац\w*"
                      r"|освобожд\w*)(?!\w)")
_UA_PERSPECTIVE = _rx(r"(?<!\w)(?:оккупант\w*|россиян\w*|рашист\w*|агрессор\w*)(?!\w)")
_UK_LETTERS = re.compile(r"[іїєґІЇЄҐ]")


@dataclass(frozen=True)
class _Cue:
    start: int
    text: str
    party: str
    role: str  # "actor", "target" or "mention"


def _normalise(text: str) -> str:
    text = text.replace("’", "'").replace("ʼ", "'").replace("`", "'")
    return " ".join(text.split())


def _perspective_party(text: str) -> str | None:
    """Whom "ворог/противник/враг" means here, or None when the text cannot tell."""
    if _UK_LETTERS.search(text):
        return RU  # Ukrainian-language outlets: the enemy is Russia
    if _RU_PERSPECTIVE.search(text):
        return UA
    if _UA_PERSPECTIVE.search(text):
        return RU
    return None


def _cues(text: str) -> list[_Cue]:
    """Every party cue in ``text`` with its party and grammatical role."""
    found: list[_Cue] = []
    enemy: str | None | bool = False  # computed lazily: most headlines have no such word
    for m in _CUE_RX.finditer(text):
        index = int(m.lastgroup[1:])  # type: ignore[index]
        _, party, kind = _CUES[index]
        after = text[m.end():m.end() + 40]
        if kind == "object" or (kind == "object_adj" and not _ATTACK_AFTER.search(after)):
            # Accusative forms are what is acted on ("атакувала Україну", "забезпечують
            # російську армію"), unless they qualify an attack ("через російську атаку").
            continue
        if party is None:
            if enemy is False:
                enemy = _perspective_party(text)
            if enemy is None:
                continue
            party = enemy  # type: ignore[assignment]
        before = text[max(0, m.start() - 40):m.start()]
        if kind == "object_adj":
            role = "actor"
        elif kind == "adj":
            if _ASSET_AFTER.search(after):
                role = "target"
            elif _FORCE_AFTER.search(after) or _ATTACK_AFTER.search(after):
                role = "target" if _TARGET_BEFORE.search(before) else "actor"
            else:
                role = "mention"
        elif kind == "state":
            role = "actor" if _STATE_ACT_AFTER.search(after) else "mention"
        elif _ATTACK_BEFORE.search(before):
            role = "actor"
        elif _TARGET_BEFORE.search(before):
            role = "target"
        else:
            role = "actor"
        found.append(_Cue(m.start(), m.group(0), party, role))  # type: ignore[arg-type]
    return found


def parse_actor(headline: str | None) -> ActorMatch:
    """The party ``headline`` presents as acting (``UA``/``RU``) with its cue, or party None.

    >>> parse_actor("ЗСУ відбили майже 30 атак росіян на Покровському напрямку").party
    'RU'
    >>> parse_actor("Удары ВСУ по позиции ВС РФ у Новоселки").cue
    'всу'
    """
    if not headline:
        return ActorMatch(None, None, "empty")
    text = _normalise(headline).lower()
    if _SOURCE_HINT.search(text):  # cheap screen: the full pattern is slow and rarely needed
        text = _SOURCE.sub(lambda m: " " * len(m.group(0)), text)
    if not _ACT.search(text):
        return ActorMatch(None, None, "no war act")
    cues = _cues(text)
    actors = [c for c in cues if c.role == "actor"]
    defensive = _DEFENSIVE.search(text)
    if defensive:
        # The attacker: a party named with an attack ("атак росіян") or, failing that,
        # the adversary of the side that defended ("Українська ППО збила ...").
        for c in actors:
            before = text[max(0, c.start - 40):c.start]
            after = text[c.start + len(c.text):c.start + len(c.text) + 40]
            if _ATTACK_BEFORE.search(before) or _ATTACK_AFTER.search(after):
                return ActorMatch(c.party, c.text, "attacker named with a defensive act")
        if actors:
            first = actors[0]
            return ActorMatch(_OTHER[first.party], first.text,
                              f"defensive act by {first.party}: attacker is the adversary")
        others = [c for c in cues if c.role == "mention"]
        if others:
            return ActorMatch(_OTHER[others[0].party], others[0].text,
                              f"defensive act by {others[0].party}: attacker is the adversary")
    if actors:
        return ActorMatch(actors[0].party, actors[0].text, "actor")
    weapon = _SIDE_WEAPON.search(text)
    if weapon:
        return ActorMatch(RU, weapon.group(0), "weapon used by one side")
    return ActorMatch(None, None, "no acting party named")


def parse_actors(headlines: Iterable[str | None]) -> list[ActorMatch]:
    """:func:`parse_actor` over many headlines, parsing each distinct headline once.

    VIINA repeats one headline for every place it names (~1.8 rows per headline), so caching
    by text roughly halves the work over a monthly file.
    """
    cache: dict[str | None, ActorMatch] = {}
    out: list[ActorMatch] = []
    for h in headlines:
        hit = cache.get(h)
        if hit is None:
            hit = cache[h] = parse_actor(h)
        out.append(hit)
    return out


def parties(headlines: Sequence[str | None]) -> list[str | None]:
    """Only the party ids of :func:`parse_actors`, e.g. for a report's ``perpetrator`` column."""
    return [m.party for m in parse_actors(headlines)]

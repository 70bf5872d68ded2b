"""Suggested type, status and roles of a candidate event, from cue words near its date."""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .actors import ActorHit

_EMBASSY = r"(?:embassy|embassies|consulate|diplomatic\s+mission|mission)"


@dataclass(frozen=True, slots=True)
class Cue:
    """Words that suggest an event type. The cue nearest to the date wins; between cues equally
    near, the lower `priority` (the more specific event: an assassination over an attack)."""

    type: str
    priority: int
    pattern: re.Pattern[str]


TYPE_CUES: tuple[Cue, ...] = tuple(
    Cue(t, priority, re.compile(p, re.IGNORECASE))
    for t, priority, p in (
        (
            "embassy-opening",
            0,
            (
                rf"\b(?:re-?open(?:ed|s|ing)?|resum(?:ed|es|ing|ption)|open(?:ed|s|ing))\b[^.;]{{0,80}}\b{_EMBASSY}\b"
                rf"|\b{_EMBASSY}\b[^.;]{{0,80}}\b(?:re-?open(?:ed|s|ing)?|resum(?:ed|es|ing))\b"
            ),
        ),
        (
            "embassy-closure",
            10,
            (
                rf"\b(?:suspend(?:ed|s|ing)?|clos(?:ed|es|ing|ure)|shut(?:\s+down)?|evacuat(?:ed|es|ing))\b"
                rf"[^.;]{{0,80}}\b(?:{_EMBASSY}|diplomats|staff)\b|\b{_EMBASSY}\b[^.;]{{0,80}}\b(?:suspended|closed|shut)\b"
            ),
        ),
        ("veto", 20, r"\bveto(?:ed|es|ing)?\b"),
        ("assassination", 30, r"\bassassinat\w*"),
        ("claim-of-responsibility", 40, r"\bclaim(?:ed|s|ing)?\s+responsibility\b"),
        (
            "phone-call",
            50,
            r"\b(?:phoned|phone\s+call|telephone(?:d)?|by\s+phone|over\s+the\s+phone|calls?\s+with|his\s+call|her\s+call)\b",
        ),
        (
            "ceremony",
            60,
            r"\b(?:funerals?|inaugurat\w*|swearing-in|sworn\s+in|took\s+office|memorial|commemorat\w*|coronation|wedding)\b",
        ),
        ("conference", 70, r"\b(?:conference|summit|forum|congress)\b"),
        ("hearing", 75, r"\b(?:hearings?|testif(?:y|ied|ies)|testimony)\b"),
        ("talks", 80, r"\b(?:talks|negotiat(?:e|ed|es|ing|ions?)|dialogue)\b"),
        (
            "visit",
            90,
            r"\b(?:visit(?:ed|s|ing)?|trip\s+to|travel(?:s|l?ed|l?ing)?\s+to|arrived\s+in)\b",
        ),
        (
            "meeting",
            100,
            r"\b(?:met|meet(?:s|ing|ings)?|hosted|hosts|hosting|gathering|received\s+a\s+delegation)\b",
        ),
        (
            "airstrike",
            110,
            r"\b(?:air\s*strikes?|airstrikes?|aerial\s+strikes?|drone\s+strikes?|strikes?|struck|bomb(?:ed|ing|ings)|shelling|air\s+raids?)\b",
        ),
        (
            "attack",
            120,
            r"\b(?:attack(?:ed|s|ing)?|stormed|assault(?:ed)?|ambush(?:ed)?|raid(?:ed|s)?|opened\s+fire|shot|shooting)\b",
        ),
        ("condemnation", 130, r"\b(?:condemn\w*|denounc\w*|deplor\w*)\b"),
        ("denial", 140, r"\b(?:denied|denies|deny|denial)\b"),
        ("accusation", 150, r"\b(?:accus\w*|blam(?:ed|es|ing))\b"),
        ("agreement", 160, r"\b(?:agreements?|agreed|deal|signed|accord|memorandum|treaty)\b"),
        ("praise", 170, r"\b(?:prais\w*|congratulat\w*|hailed|lauded)\b"),
        (
            "appeal",
            180,
            r"\b(?:urg(?:ed|es|ing)|called\s+(?:on|for|upon)|appeal(?:ed|s)?|request(?:ed|s)?)\b",
        ),
        (
            "rally",
            190,
            r"\b(?:rall(?:y|ies)|protest(?:s|ed|ers)?|demonstrat(?:ion|ions|ed|ors)|march(?:ed)?)\b",
        ),
        (
            "restriction",
            200,
            r"\b(?:bann?(?:ed|s)?|restrict\w*|prohibit\w*|imposed|sanction\w*|blocked|barred|sealed)\b",
        ),
        ("arrest", 210, r"\b(?:arrest\w*|detain\w*|custody)\b"),
        ("release", 220, r"\b(?:released|freed|release\s+of)\b"),
        (
            "takeover",
            230,
            r"\b(?:t(?:ook|ake|akes|aking)\s+(?:over|control)|takeover|seized|captured|fell\s+to|swept\s+(?:back\s+)?to\s+power|overran)\b",
        ),
        ("clash", 240, r"\b(?:clash\w*|fighting|fought|skirmish\w*|battles?)\b"),
        ("aid", 250, r"\b(?:humanitarian\s+aid|donat\w*|aid\s+package)\b"),
    )
)
PRIORITY = {cue.type: cue.priority for cue in TYPE_CUES}
CUE_PATTERNS = {cue.type: cue.pattern for cue in TYPE_CUES}
# The type a noun names, for "hours after the attack": which earlier sentence told of it.
EVENT_NOUNS = {
    "attack": "attack",
    "raid": "attack",
    "assault": "attack",
    "strike": "airstrike",
    "bombing": "airstrike",
    "meeting": "meeting",
    "visit": "visit",
    "talk": "talks",
    "summit": "conference",
    "conference": "conference",
    "deal": "agreement",
    "agreement": "agreement",
    "call": "phone-call",
    "funeral": "ceremony",
    "ceremony": "ceremony",
    "takeover": "takeover",
    "invasion": "takeover",
    "election": "",
    "vote": "",
    "incident": "",
}
_CALLED = re.compile(
    r"\bcall(?:ed|s)\b(?!\s+(?:on|for|upon|it|them|off|out|up|itself)\b)", re.IGNORECASE
)
_KILLED = re.compile(r"\b(?:killed|killing|murdered|murder\s+of|killing\s+of)\b", re.IGNORECASE)

# (status, priority, cue): of the cues anywhere in the sentence, the lowest priority wins: a claim
# that "could not be verified" is unverified before it is claimed.
STATUS_CUES: tuple[tuple[str, int, re.Pattern[str]], ...] = tuple(
    (s, n, re.compile(p, re.IGNORECASE))
    for s, n, p in (
        (
            "unverified",
            0,
            (
                r"\b(?:could\s+not\s+(?:be\s+)?(?:immediately\s+|independently\s+)?(?:be\s+)?verified|unverified|"
                r"unconfirmed|not\s+(?:been\s+)?(?:independently\s+)?(?:verified|confirmed)|could\s+not\s+find)\b"
            ),
        ),
        ("disputed", 10, r"\b(?:disputed|contested|disputes)\b"),
        ("denied", 20, r"\b(?:denied|denies|deny)\b"),
        ("claimed", 30, r"\b(?:claim(?:s|ed)?|allegedly|alleged|purportedly)\b"),
        ("reported", 40, r"\b(?:reportedly|according\s+to|said\s+to|reported|reports)\b"),
    )
)

# Suggested roles: (actors named before the cue, actors named after it).
ROLE_BY_TYPE: dict[str, tuple[str, str]] = {
    "phone-call": ("initiator", "recipient"),
    "meeting": ("participant", "participant"),
    "visit": ("visitor", "host"),
    "talks": ("participant", "participant"),
    "conference": ("participant", "participant"),
    "ceremony": ("participant", "subject"),
    "airstrike": ("attacker", "target"),
    "attack": ("attacker", "target"),
    "assassination": ("attacker", "target"),
    "takeover": ("attacker", "target"),
    "clash": ("participant", "participant"),
    "condemnation": ("author", "target"),
    "accusation": ("author", "target"),
    "restriction": ("author", "target"),
    "arrest": ("author", "target"),
    "rally": ("participant", "subject"),
    "agreement": ("participant", "participant"),
    "hearing": ("participant", "participant"),
}


# How far from a date (in characters) its event's cue word may be.
CUE_REACH = 400


def suggest_type(
    sentence: str,
    position: int,
    hits: list[ActorHit],
    persons: set[str],
    taken: Iterable[tuple[int, int]] = (),
    after: bool = False,
) -> tuple[str, str | None, int | None]:
    """(type, cue word, cue position): the event cue nearest to the date, else `statement`.
    `taken` spans (the dates) hold no cues: "March" the month is no march. With `after`, cues after
    the position come first (the event after "two days after")."""
    found: list[tuple[int, int, str, str, int]] = []
    # Only cues within reach of the date: nearer ones win anyway, and a run-on "sentence" of
    # thousands of words (a page without full stops) stays linear in its length.
    lo, hi = max(0, position - CUE_REACH), position + CUE_REACH
    spans = _near(list(taken), lo, hi)
    hits = near_hits(hits, lo - 100, hi + 100)
    for cue in TYPE_CUES:
        for m in cue.pattern.finditer(sentence, lo, hi):
            if not any(a <= m.start() < b for a, b in spans):
                found.append(
                    (abs(m.start() - position), cue.priority, cue.type, m.group(), m.start())
                )
    for m in _CALLED.finditer(sentence, lo, hi):
        callee = next((h for h in hits if 0 <= h.start - m.end() <= 40), None)
        if callee and not re.match(
            r"\s+(?:a|an|the|as)\b", sentence[callee.end :]
        ):  # not "called Israel a usurper"
            found.append(
                (
                    abs(m.start() - position),
                    PRIORITY["phone-call"],
                    "phone-call",
                    m.group(),
                    m.start(),
                )
            )
    for m in _KILLED.finditer(sentence, lo, hi):
        target = any(
            h.chosen in persons and 0 <= h.start - m.end() <= 40 for h in hits
        ) or re.search(r"\b(?:was|were)\s+killed\b", sentence[max(0, m.start() - 12) : m.end()])
        named = any(h.chosen in persons for h in hits)
        etype = "assassination" if target and named else "attack"
        order = PRIORITY[etype]
        found.append((abs(m.start() - position), order, etype, m.group(), m.start()))
    if after and any(f[4] >= position for f in found):
        found = [f for f in found if f[4] >= position]
    if not found:
        return "statement", None, None
    _, _, etype, cue, where = min(found)
    if etype == "meeting" and cue.lower().startswith("host"):
        cue = cue.lower()
    return etype, cue, where


def _near(spans: list[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    """The spans (sorted by start, none longer than a date) that reach into lo..hi, by bisection:
    a run-on text has thousands."""
    first = bisect.bisect_left(spans, (lo - 400, 0))
    last = bisect.bisect_right(spans, (hi, len(spans) + hi))
    return [(a, b) for a, b in spans[first:last] if b > lo and a < hi]


def near_hits(hits: list[ActorHit], lo: int, hi: int) -> list[ActorHit]:
    """The hits (sorted by start) that start within lo..hi."""
    first = bisect.bisect_left(hits, lo, key=lambda h: h.start)
    return hits[first : bisect.bisect_right(hits, hi, key=lambda h: h.start)]


@functools.lru_cache(maxsize=64)  # asked once per date in the sentence
def suggest_status(sentence: str) -> tuple[str, str | None]:
    found = [
        (n, status, m.group())
        for status, n, pattern in STATUS_CUES
        if (m := pattern.search(sentence))
    ]
    if not found:
        return "reported", None
    _, status, cue = min(found)
    return status, cue


_PASSIVE = re.compile(r"\b(?:was|were|been|being|is|are|be|got)\s+(?:\w+ly\s+)?$", re.IGNORECASE)
_AGENT = re.compile(r"^[^,;:.]{0,80}?\bby\b", re.IGNORECASE)


def suggest_roles(
    etype: str, cue: str | None, cue_at: int | None, hits: list[ActorHit], sentence: str = ""
) -> dict[str, str]:
    """Roles follow the verb's direction: its subject takes the first role of the type (attacker,
    initiator, visitor), its object the second. In the passive ("Massoud was assassinated by
    al-Qaeda") and in a noun phrase ("the assassination of Massoud by al-Qaeda") the actor after
    "by" is the subject."""
    first, second = ROLE_BY_TYPE.get(etype, ("author", "subject"))
    if cue and cue.startswith("host"):
        first, second = "host", "visitor"
    agent_at: int | None = None
    passive = False
    if cue_at is not None and cue:
        end = cue_at + len(cue)
        passive = bool(_PASSIVE.search(sentence[max(0, cue_at - 30) : cue_at]))
        nominal = bool(re.match(r"\s+of\b", sentence[end:]))
        if (passive or nominal) and (by := _AGENT.match(sentence[end:])):
            agent_at = end + by.end()
    roles: dict[str, str] = {}
    for h in hits:
        if h.chosen is None or h.chosen in roles:
            continue
        if cue_at is None:
            roles[h.chosen] = first
        elif agent_at is not None and h.start >= agent_at:
            roles[h.chosen] = first  # "… by al-Qaeda": the doer
        elif passive:
            roles[h.chosen] = second  # "Massoud was assassinated": the one it was done to
        else:
            roles[h.chosen] = second if h.start > cue_at else first
    return roles

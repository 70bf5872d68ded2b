"""Suggested type, status and roles of a candidate event, from cue words near its date."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from .actors import ActorHit

_EMBASSY = r"(?:embassy|embassies|consulate|diplomatic\s+mission|mission)"
# (type, cue): the cue nearest to the date wins; ties go to the earlier entry.
TYPE_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((t, re.compile(p, re.IGNORECASE)) for t, p in (
    ("embassy-opening", (rf"\b(?:re-?open(?:ed|s|ing)?|resum(?:ed|es|ing|ption)|open(?:ed|s|ing))\b[^.;]{{0,80}}\b{_EMBASSY}\b"
                         rf"|\b{_EMBASSY}\b[^.;]{{0,80}}\b(?:re-?open(?:ed|s|ing)?|resum(?:ed|es|ing))\b")),
    ("embassy-closure", (rf"\b(?:suspend(?:ed|s|ing)?|clos(?:ed|es|ing|ure)|shut(?:\s+down)?|evacuat(?:ed|es|ing))\b"
                         rf"[^.;]{{0,80}}\b(?:{_EMBASSY}|diplomats|staff)\b|\b{_EMBASSY}\b[^.;]{{0,80}}\b(?:suspended|closed|shut)\b")),
    ("veto", r"\bveto(?:ed|es|ing)?\b"),
    ("assassination", r"\bassassinat\w*"),
    ("claim-of-responsibility", r"\bclaim(?:ed|s|ing)?\s+responsibility\b"),
    ("phone-call", r"\b(?:phoned|phone\s+call|telephone(?:d)?|by\s+phone|over\s+the\s+phone|calls?\s+with|his\s+call|her\s+call)\b"),
    ("ceremony", r"\b(?:funerals?|inaugurat\w*|swearing-in|sworn\s+in|took\s+office|memorial|commemorat\w*|coronation|wedding)\b"),
    ("conference", r"\b(?:conference|summit|forum|congress)\b"),
    ("talks", r"\b(?:talks|negotiat(?:e|ed|es|ing|ions?)|dialogue)\b"),
    ("visit", r"\b(?:visit(?:ed|s|ing)?|trip\s+to|travel(?:s|l?ed|l?ing)?\s+to|arrived\s+in)\b"),
    ("meeting", r"\b(?:met|meet(?:s|ing|ings)?|hosted|hosts|hosting|gathering|received\s+a\s+delegation)\b"),
    ("airstrike", r"\b(?:air\s*strikes?|airstrikes?|aerial\s+strikes?|drone\s+strikes?|strikes?|struck|bomb(?:ed|ing|ings)|shelling|air\s+raids?)\b"),
    ("attack", r"\b(?:attack(?:ed|s|ing)?|stormed|assault(?:ed)?|ambush(?:ed)?|raid(?:ed|s)?|opened\s+fire|shot|shooting)\b"),
    ("condemnation", r"\b(?:condemn\w*|denounc\w*|deplor\w*)\b"),
    ("denial", r"\b(?:denied|denies|deny|denial)\b"),
    ("accusation", r"\b(?:accus\w*|blam(?:ed|es|ing))\b"),
    ("agreement", r"\b(?:agreements?|agreed|deal|signed|accord|memorandum|treaty)\b"),
    ("praise", r"\b(?:prais\w*|congratulat\w*|hailed|lauded)\b"),
    ("appeal", r"\b(?:urg(?:ed|es|ing)|called\s+(?:on|for|upon)|appeal(?:ed|s)?|request(?:ed|s)?)\b"),
    ("rally", r"\b(?:rall(?:y|ies)|protest(?:s|ed|ers)?|demonstrat(?:ion|ions|ed|ors)|march(?:ed)?)\b"),
    ("restriction", r"\b(?:bann?(?:ed|s)?|restrict\w*|prohibit\w*|imposed|sanction\w*|blocked|barred|sealed)\b"),
    ("arrest", r"\b(?:arrest\w*|detain\w*|custody)\b"),
    ("release", r"\b(?:released|freed|release\s+of)\b"),
    ("takeover", r"\b(?:t(?:ook|ake|akes|aking)\s+(?:over|control)|takeover|seized|captured|fell\s+to|swept\s+(?:back\s+)?to\s+power|overran)\b"),
    ("clash", r"\b(?:clash\w*|fighting|fought|skirmish\w*|battles?)\b"),
    ("aid", r"\b(?:humanitarian\s+aid|donat\w*|aid\s+package)\b"),
))
_CALLED = re.compile(r"\bcall(?:ed|s)\b(?!\s+(?:on|for|upon|it|them|off|out|up|itself)\b)", re.IGNORECASE)
_KILLED = re.compile(r"\b(?:killed|killing|murdered|murder\s+of|killing\s+of)\b", re.IGNORECASE)

# (status, cue) in order of precedence: the first that matches anywhere in the sentence wins.
STATUS_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((s, re.compile(p, re.IGNORECASE)) for s, p in (
    ("unverified", (r"\b(?:could\s+not\s+(?:be\s+)?(?:immediately\s+|independently\s+)?(?:be\s+)?verified|unverified|"
                    r"unconfirmed|not\s+(?:been\s+)?(?:independently\s+)?(?:verified|confirmed)|could\s+not\s+find)\b")),
    ("disputed", r"\b(?:disputed|contested|disputes)\b"),
    ("denied", r"\b(?:denied|denies|deny)\b"),
    ("claimed", r"\b(?:claim(?:s|ed)?|allegedly|alleged|purportedly)\b"),
    ("reported", r"\b(?:reportedly|according\s+to|said\s+to|reported|reports)\b"),
))

# Suggested roles: (actors named before the cue, actors named after it).
ROLE_BY_TYPE: dict[str, tuple[str, str]] = {
    "phone-call": ("initiator", "recipient"), "meeting": ("participant", "participant"),
    "visit": ("visitor", "host"), "talks": ("participant", "participant"), "conference": ("participant", "participant"),
    "ceremony": ("participant", "subject"), "airstrike": ("attacker", "target"), "attack": ("attacker", "target"),
    "assassination": ("attacker", "target"), "takeover": ("attacker", "target"), "clash": ("participant", "participant"),
    "condemnation": ("author", "target"), "accusation": ("author", "target"), "restriction": ("author", "target"),
    "arrest": ("author", "target"), "rally": ("participant", "subject"), "agreement": ("participant", "participant"),
}


# How far from a date (in characters) its event's cue word may be.
CUE_REACH = 400


def suggest_type(sentence: str, position: int, hits: list[ActorHit], persons: set[str],
                 taken: Iterable[tuple[int, int]] = (), after: bool = False) -> tuple[str, str | None, int | None]:
    """(type, cue word, cue position): the event cue nearest to the date, else `statement`.
    `taken` spans (the dates) hold no cues: "March" the month is no march. With `after`, cues after
    the position come first (the event after "two days after")."""
    found: list[tuple[int, int, str, str, int]] = []
    # Only cues within reach of the date: nearer ones win anyway, and a run-on "sentence" of
    # thousands of words (a page without full stops) stays linear in its length.
    lo, hi = max(0, position - CUE_REACH), position + CUE_REACH
    spans = [(a, b) for a, b in taken if b > lo and a < hi]
    hits = [h for h in hits if lo - 100 <= h.start <= hi + 100]
    for order, (etype, pattern) in enumerate(TYPE_CUES):
        for m in pattern.finditer(sentence, lo, hi):
            if not any(a <= m.start() < b for a, b in spans):
                found.append((abs(m.start() - position), order, etype, m.group(), m.start()))
    for m in _CALLED.finditer(sentence, lo, hi):
        callee = next((h for h in hits if 0 <= h.start - m.end() <= 40), None)
        if callee and not re.match(r"\s+(?:a|an|the|as)\b", sentence[callee.end:]):  # not "called Israel a usurper"
            found.append((abs(m.start() - position), 5, "phone-call", m.group(), m.start()))
    for m in _KILLED.finditer(sentence, lo, hi):
        target = any(h.chosen in persons and 0 <= h.start - m.end() <= 40 for h in hits) or re.search(
            r"\b(?:was|were)\s+killed\b", sentence[max(0, m.start() - 12): m.end()])
        named = any(h.chosen in persons for h in hits)
        etype, order = ("assassination", 3) if target and named else ("attack", 12)
        found.append((abs(m.start() - position), order, etype, m.group(), m.start()))
    if after and any(f[4] >= position for f in found):
        found = [f for f in found if f[4] >= position]
    if not found:
        return "statement", None, None
    _, _, etype, cue, where = min(found)
    if etype == "meeting" and cue.lower().startswith("host"):
        cue = cue.lower()
    return etype, cue, where


@functools.lru_cache(maxsize=64)  # asked once per date in the sentence
def suggest_status(sentence: str) -> tuple[str, str | None]:
    for status, pattern in STATUS_CUES:
        if m := pattern.search(sentence):
            return status, m.group()
    return "reported", None


def suggest_roles(etype: str, cue: str | None, cue_at: int | None, hits: list[ActorHit]) -> dict[str, str]:
    before, after = ROLE_BY_TYPE.get(etype, ("author", "subject"))
    if cue and cue.startswith("host"):
        before, after = "host", "visitor"
    roles: dict[str, str] = {}
    for h in hits:
        if h.chosen is None or h.chosen in roles:
            continue
        roles[h.chosen] = after if cue_at is not None and h.start > cue_at else before
    return roles

"""Actors named in a sentence: the gazetteer of known names and aliases, and names it does not know."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import dates
from ..models import Actor
from .words import LOOK_BACK, MONTH_AND_DAY_NAMES
from .words import words as _words

TITLE_WORDS = _words(
    "mr mrs ms dr prof president minister secretary congressman congresswoman senator sen rep general gen "
    "colonel col lt lieutenant commander mullah mawlawi maulvi sheikh shaykh hafiz prince king queen emir amir "
    "ambassador envoy spokesman spokeswoman spokesperson chief deputy acting prime foreign interior defence "
    "defense leader chairman director judge governor gov pope sir lord lady brig maj capt sgt adm marshal "
    "vice former late president-elect first lady mayor imam cleric commander-in-chief"
)
NAME_PARTICLES = _words("al el bin ibn abu abd abdul van von de da del der la le ul ur")
CONNECTORS = _words("of the for de da del al el bin ibn van von")
# "of", "for" join capitalised words only after one of these: "Ministry of Foreign Affairs", not
# "Maria Gonzalez of the Eastern Shield Brigade".
ORG_HEADS = _words(
    "ministry department council front bank university chamber center centre office committee board institute "
    "league army party union agency organization organisation republic kingdom state states court church "
    "society bureau foundation association movement commission federation corps forces force directorate "
    "authority secretary minister ministers house school college academy embassy coalition alliance"
)
# Capitalised only because they open the sentence: never the start of a name.
FUNCTION_WORDS = _words(
    "the a an in on at for but and or as when while after before if this that these those his her their its our "
    "some many most according meanwhile however since during despite although though both each every other such "
    "even only also with without from to by of over under among between unlike like following given amid yet so "
    "then there here it he she they we i you what who how why where once until within"
)
# Country adjectives and nationals: general English, mapped to a country only if the gazetteer has it.
DEMONYMS = {
    "Afghan": "Afghanistan", "American": "United States", "British": "United Kingdom", "Pakistani": "Pakistan",
    "Iranian": "Iran", "Israeli": "Israel", "Palestinian": "Palestine", "Saudi": "Saudi Arabia", "Qatari": "Qatar",
    "Iraqi": "Iraq", "Jordanian": "Jordan", "Syrian": "Syria", "Turkish": "Turkey", "Turk": "Turkey",
    "Greek": "Greece", "Chinese": "China", "Russian": "Russia", "Indian": "India", "French": "France",
    "German": "Germany", "Egyptian": "Egypt", "Emirati": "United Arab Emirates", "Tajik": "Tajikistan",
    "Tajikistani": "Tajikistan", "Uzbek": "Uzbekistan", "Turkmen": "Turkmenistan", "Yemeni": "Yemen",
    "Lebanese": "Lebanon", "Ukrainian": "Ukraine", "Japanese": "Japan", "Kuwaiti": "Kuwait", "Omani": "Oman",
    "Bahraini": "Bahrain", "Kazakh": "Kazakhstan", "Kyrgyz": "Kyrgyzstan", "Norwegian": "Norway", "Swiss": "Switzerland",
    "Italian": "Italy", "Spanish": "Spain", "Canadian": "Canada", "Australian": "Australia", "Bangladeshi": "Bangladesh",
}


def _fold_with_map(text: str) -> tuple[str, list[int]]:
    """Accent- and case-folded text, with each folded character's index in the original."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = dates.fold(ch).translate(dates.TYPOGRAPHIC) if not ch.isascii() or ch.isupper() else ch
        for c in folded:
            out.append(c)
            where.append(i)
    where.append(len(text))
    return "".join(out), where


@dataclass(frozen=True, slots=True)
class ActorRef:
    id: str
    name: str


@dataclass(slots=True)
class ActorHit:
    """A matched name in a sentence; `candidates` holds more than one actor when it is ambiguous."""

    text: str
    start: int
    end: int
    chosen: str | None
    candidates: tuple[str, ...]
    ambiguous: bool


class Gazetteer:
    """Names and aliases of the known actors, matched case- and accent-insensitively on word
    boundaries, longest first. Acronyms (US, IEA) match in capitals only, so "us" is not the US."""

    def __init__(self, actors: Iterable[Actor]) -> None:
        self.actors = {a.id: a for a in actors}
        self.owner: dict[str, str] = {}
        self.exact: dict[str, set[str]] = {}
        self.full: set[str] = set()
        by_surname: dict[str, set[str]] = {}
        for actor in self.actors.values():
            for alias in dict.fromkeys([actor.name, *actor.aliases]):
                key = dates.name_key(alias)
                if not key:
                    continue
                self.owner.setdefault(key, actor.id)
                if _is_acronym(alias):
                    self.exact.setdefault(key, set()).add(alias)
                words = key.split()
                if len(words) >= 2 and words[0].rstrip(".") not in TITLE_WORDS:
                    self.full.add(key)
                if actor.kind == "person" and len(words) >= 2:
                    last = words[-1]
                    if len(last) >= 3 and last not in NAME_PARTICLES and not last.startswith("("):
                        by_surname.setdefault(last, set()).add(actor.id)
        self.by_surname = by_surname
        keys = sorted(set(self.owner) | set(by_surname), key=len, reverse=True)
        body = "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in keys) or r"(?!x)x"
        self.pattern = re.compile(rf"(?<![\w@])(?:{body})(?![\w])")
        countries = {name: self.owner.get(dates.name_key(country)) for name, country in DEMONYMS.items()}
        self.demonyms = {name: actor for name, actor in countries.items() if actor}
        names = sorted(self.demonyms, key=len, reverse=True)
        self.demonym_pattern = re.compile(rf"(?<![\w])({'|'.join(names)})(?:s|es)?(?![\w])") if names else None

    @classmethod
    def load(cls, data: Path) -> tuple[Gazetteer, list[str]]:
        """The gazetteer from a data folder's actors.yml, and any problems reading it (as text)."""
        from ..load import load_catalogue

        catalogue, problems = load_catalogue(data)
        relevant = [str(p) for p in problems if "actors.yml" in p.file]
        return cls(catalogue.actors.values()), relevant

    def ref(self, actor_id: str) -> ActorRef:
        return ActorRef(actor_id, self.actors[actor_id].name)

    def find(self, sentence: str, seen: dict[str, int], position: int) -> list[ActorHit]:
        """Actors named in one sentence. `seen` maps actor ids named in full so far to where, and is
        updated: a bare surname later in the article prefers the actor whose full name came before."""
        folded, where = _fold_with_map(sentence)
        hits: list[ActorHit] = []
        for m in self.pattern.finditer(folded):
            start, end = where[m.start()], where[m.end() - 1] + 1
            original = sentence[start:end]
            key = " ".join(m.group().split())
            if key in self.exact and original not in self.exact[key]:
                continue
            hit = self._resolve(key, original, sentence, start, end, seen)
            if hit is None:
                continue
            hits.append(hit)
            if key in self.full and hit.chosen:
                seen[hit.chosen] = position
        hits += self._demonyms(sentence, hits)
        return sorted(hits, key=lambda h: h.start)

    def _resolve(self, key: str, original: str, sentence: str, start: int, end: int, seen: dict[str, int]) -> ActorHit | None:
        owner = self.owner.get(key)
        surname_of = self.by_surname.get(key, set()) if " " not in key else set()
        pool = ({owner} if owner else set()) | surname_of
        if not pool:
            return None
        single = " " not in key
        persons = [a for a in pool if self.actors[a].kind == "person"]
        if single and persons and _part_of_longer_name(sentence, start, end):
            return None  # "Kabir Taneja" is not "Kabir"
        if owner is None and not (_after_title(sentence, start) or pool & set(seen)):
            return None  # a bare surname that is nobody's alias needs a title or an earlier full name
        if len(pool) == 1:
            (only,) = pool
            return ActorHit(original, start, end, only, (only,), owner is None and only not in seen)
        known = [a for a in pool if a in seen]
        if len(known) == 1:
            return ActorHit(original, start, end, known[0], tuple(sorted(pool)), False)
        if len(known) > 1:
            chosen = owner if owner in known else max(known, key=lambda a: seen[a])
        else:
            chosen = owner
        return ActorHit(original, start, end, chosen, tuple(sorted(pool)), True)

    def _demonyms(self, sentence: str, hits: list[ActorHit]) -> list[ActorHit]:
        if self.demonym_pattern is None:
            return []
        out = []
        for m in self.demonym_pattern.finditer(sentence):
            if any(h.start < m.end() and m.start() < h.end for h in hits):
                continue
            actor = self.demonyms[m.group(1)]
            out.append(ActorHit(m.group(), m.start(), m.end(), actor, (actor,), False))
        return out


def _is_acronym(alias: str) -> bool:
    letters = [c for c in alias if c.isalpha()]
    return bool(letters) and len(alias) <= 6 and all(c.isupper() for c in letters)


# Patterns anchored at the end of the text before a name or date read only this much of it:


def _after_title(sentence: str, start: int) -> bool:
    before = re.search(r"([\w.-]+)\s+$", sentence[max(0, start - LOOK_BACK):start])
    return bool(before) and before.group(1).lower().rstrip(".") in TITLE_WORDS  # type: ignore[union-attr]


def _part_of_longer_name(sentence: str, start: int, end: int) -> bool:
    """A single name glued to another capitalised word that is not a title: someone else's name."""
    after = re.match(r"\s+([A-Z][\w’'-]*)", sentence[end:])
    if after and after.group(1).lower() not in MONTH_AND_DAY_NAMES and after.group(1) not in DEMONYMS:
        word = after.group(1)
        if not word.isupper() and word.lower() not in TITLE_WORDS and word.lower() not in ("administration", "government"):
            return True
    back = max(0, start - LOOK_BACK)
    before = re.search(r"(^|[\s“\"(])([A-Z][\w’'-]*)\s+$", sentence[back:start])
    if before and sentence[: back + before.start(2)].strip():
        word = before.group(2)
        if word.lower().rstrip(".") not in TITLE_WORDS and word not in DEMONYMS and not word.isupper():
            return True
    return False


def _joins(run: list[re.Match[str]], connector: str) -> bool:
    """Whether a connector may extend this run: particles of names always ("bin", "al"), "of", "the"
    and "for" only after an organisation word ("Ministry of …")."""
    if connector in NAME_PARTICLES:
        return True
    heads = [t.group().lower() for t in run if t.group().lower() not in CONNECTORS]
    return bool(heads) and (heads[-1] in ORG_HEADS or run[-1].group().lower() in ("of", "for"))


_PROPER = re.compile(r"[^\W\d_](?:[\w’'-]|\.(?=\w))*")


def unknown_names(sentence: str, claimed: list[tuple[int, int]]) -> list[str]:
    """Multi-word capitalised names in the sentence that nothing else claimed: new actor suggestions."""
    runs: list[list[re.Match[str]]] = []
    current: list[re.Match[str]] = []
    taken = bytearray(len(sentence))  # 1 where something claimed the character
    for a, b in claimed:
        taken[a:b] = b"\x01" * (b - a)
    for tok in _PROPER.finditer(sentence):
        if taken.find(1, tok.start(), tok.end()) != -1:
            runs.append(current)
            current = []
            continue
        word = tok.group()
        contiguous = bool(current) and sentence[current[-1].end(): tok.start()] == " "
        if word[0].isupper() and word.lower().rstrip(".") not in MONTH_AND_DAY_NAMES:
            if not contiguous:
                runs.append(current)
                current = []
            current.append(tok)
        elif contiguous and word.lower() in CONNECTORS and _joins(current, word.lower()):
            current.append(tok)
        else:
            runs.append(current)
            current = []
    runs.append(current)
    names = []
    for run in runs:
        while run and (run[0].group().lower().rstrip(".") in TITLE_WORDS or run[0].group().lower() in FUNCTION_WORDS):
            run = run[1:]
        while run and (run[-1].group().lower() in CONNECTORS or run[-1].group().lower().rstrip(".") in TITLE_WORDS):
            run.pop()
        capitals = [t for t in run if t.group()[0].isupper()]
        if len(capitals) < 2 or all(t.group().lower().rstrip(".") in TITLE_WORDS for t in capitals):
            continue
        if all(t.group().isupper() for t in run):  # "NEW YORK (Wire) —": a dateline
            continue
        text = re.sub(r"['’]s$", "", sentence[run[0].start(): run[-1].end()]).rstrip(".,")
        names.append(text)
    return names

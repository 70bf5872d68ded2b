"""Actors named in a sentence: the gazetteer of known names and aliases, and names it does not
know."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import dates
from ..models import Actor
from .words import LOOK_BACK, MONTH_AND_DAY_NAMES
from .words import words as _words

TITLE_WORDS = _words(
    "mr mrs ms dr prof president minister secretary congressman congresswoman senator sen rep "
    "general gen colonel col lt lieutenant commander mullah mawlawi maulvi sheikh shaykh hafiz "
    "prince king queen emir amir ambassador envoy spokesman spokeswoman spokesperson chief deputy "
    "acting prime foreign interior defence defense leader chairman director judge governor gov "
    "pope sir lord lady brig maj capt sgt adm marshal vice former late president-elect first lady "
    "mayor imam cleric commander-in-chief"
)
NAME_PARTICLES = _words("al el bin ibn abu abd abdul van von de da del der la le ul ur")
CONNECTORS = _words("of the for de da del al el bin ibn van von")
# "of", "for" join capitalised words only after one of these: "Ministry of Foreign Affairs", not
# "Maria Gonzalez of the Eastern Shield Brigade".
ORG_HEADS = _words(
    "ministry department council front bank university chamber center centre office committee "
    "board institute league army party union agency organization organisation republic kingdom "
    "state states court church society bureau foundation association movement commission "
    "federation corps forces force directorate authority secretary minister ministers house school "
    "college academy embassy coalition alliance"
)
# Capitalised only because they open the sentence: never the start of a name.
FUNCTION_WORDS = _words(
    "the a an in on at for but and or as when while after before if this that these those his her "
    "their its our some many most according meanwhile however since during despite although though "
    "both each every other such even only also with without from to by of over under among between "
    "unlike like following given amid yet so then there here it he she they we i you what who how "
    "why where once until within"
)
# Country adjectives and nationals: general English, mapped to a country only if the gazetteer has
# it.
DEMONYMS = {
    "Afghan": "Afghanistan",
    "American": "United States",
    "British": "United Kingdom",
    "Pakistani": "Pakistan",
    "Iranian": "Iran",
    "Israeli": "Israel",
    "Palestinian": "Palestine",
    "Saudi": "Saudi Arabia",
    "Qatari": "Qatar",
    "Iraqi": "Iraq",
    "Jordanian": "Jordan",
    "Syrian": "Syria",
    "Turkish": "Turkey",
    "Turk": "Turkey",
    "Greek": "Greece",
    "Chinese": "China",
    "Russian": "Russia",
    "Indian": "India",
    "French": "France",
    "German": "Germany",
    "Egyptian": "Egypt",
    "Emirati": "United Arab Emirates",
    "Tajik": "Tajikistan",
    "Tajikistani": "Tajikistan",
    "Uzbek": "Uzbekistan",
    "Turkmen": "Turkmenistan",
    "Yemeni": "Yemen",
    "Lebanese": "Lebanon",
    "Ukrainian": "Ukraine",
    "Japanese": "Japan",
    "Kuwaiti": "Kuwait",
    "Omani": "Oman",
    "Bahraini": "Bahrain",
    "Kazakh": "Kazakhstan",
    "Kyrgyz": "Kyrgyzstan",
    "Norwegian": "Norway",
    "Swiss": "Switzerland",
    "Italian": "Italy",
    "Spanish": "Spain",
    "Canadian": "Canada",
    "Australian": "Australia",
    "Bangladeshi": "Bangladesh",
}


def _fold_with_map(text: str) -> tuple[str, list[int]]:
    """Accent- and case-folded text, with each folded character's index in the original."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = (
            dates.fold(ch).translate(dates.TYPOGRAPHIC) if not ch.isascii() or ch.isupper() else ch
        )
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
    fuzzy: bool = False  # matched across a spelling the gazetteer does not list


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
        self.spellings = _Spellings(self)
        keys = sorted(set(self.owner) | set(by_surname), key=len, reverse=True)
        body = "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in keys) or r"(?!x)x"
        self.pattern = re.compile(rf"(?<![\w@])(?:{body})(?![\w])")
        countries = {
            name: self.owner.get(dates.name_key(country)) for name, country in DEMONYMS.items()
        }
        self.demonyms = {name: actor for name, actor in countries.items() if actor}
        names = sorted(self.demonyms, key=len, reverse=True)
        self.demonym_pattern = (
            re.compile(rf"(?<![\w])({'|'.join(names)})(?:s|es)?(?![\w])") if names else None
        )

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
        updated: a bare surname later in the article prefers the actor whose full name came
        before."""
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
        hits += self.spellings.find(sentence, hits, seen)
        return sorted(hits, key=lambda h: h.start)

    def _resolve(
        self, key: str, original: str, sentence: str, start: int, end: int, seen: dict[str, int]
    ) -> ActorHit | None:
        owner = self.owner.get(key)
        surname_of = self.by_surname.get(key, set()) if " " not in key else set()
        pool = ({owner} if owner else set()) | surname_of
        if not pool:
            return None
        single = " " not in key
        persons = [a for a in pool if self.actors[a].kind == "person"]
        if single and persons and _part_of_longer_name(sentence, start, end):
            # "Kabir Taneja" is not "Kabir"; but "Ibrahim Raisi" and "Amir-Khan Muttaqi" are Raisi
            # and Muttaqi
            return self.spellings.longer_name(sentence, start, end, persons)
        if owner is None and not (_after_title(sentence, start) or pool & set(seen)):
            return (
                None  # a bare surname that is nobody's alias needs a title or an earlier full name
            )
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
    before = re.search(r"([\w.-]+)\s+$", sentence[max(0, start - LOOK_BACK) : start])
    return bool(before) and before.group(1).lower().rstrip(".") in TITLE_WORDS  # type: ignore[union-attr]


def _part_of_longer_name(sentence: str, start: int, end: int) -> bool:
    """A single name glued to another capitalised word that is not a title: someone else's name."""
    after = re.match(r"\s+([A-Z][\w’'-]*)", sentence[end:])
    if (
        after
        and after.group(1).lower() not in MONTH_AND_DAY_NAMES
        and after.group(1) not in DEMONYMS
    ):
        word = after.group(1)
        if (
            not word.isupper()
            and word.lower() not in TITLE_WORDS
            and word.lower() not in ("administration", "government")
        ):
            return True
    back = max(0, start - LOOK_BACK)
    before = re.search(r"(^|[\s“\"(])([A-Z][\w’'-]*)\s+$", sentence[back:start])
    if before and sentence[: back + before.start(2)].strip():
        word = before.group(2)
        if (
            word.lower().rstrip(".") not in TITLE_WORDS
            and word not in DEMONYMS
            and not word.isupper()
        ):
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
    """Multi-word capitalised names in the sentence that nothing else claimed: new actor
    suggestions."""
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
        contiguous = bool(current) and sentence[current[-1].end() : tok.start()] == " "
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
        while run and (
            run[0].group().lower().rstrip(".") in TITLE_WORDS
            or run[0].group().lower() in FUNCTION_WORDS
        ):
            run = run[1:]
        while run and (
            run[-1].group().lower() in CONNECTORS
            or run[-1].group().lower().rstrip(".") in TITLE_WORDS
        ):
            run.pop()
        capitals = [t for t in run if t.group()[0].isupper()]
        if len(capitals) < 2 or all(t.group().lower().rstrip(".") in TITLE_WORDS for t in capitals):
            continue
        if all(t.group().isupper() for t in run):  # "NEW YORK (Wire) —": a dateline
            continue
        text = re.sub(r"['’]s$", "", sentence[run[0].start() : run[-1].end()]).rstrip(".,")
        names.append(text)
    return names


# --- spellings the gazetteer does not list --------------------------------------------------------

_VOWELS = str.maketrans({"e": "i", "y": "i", "o": "u", "q": "k", "w": "v"})


def transliteration_key(name: str) -> str:
    """A name reduced to what survives transliteration: hyphens and apostrophes dropped, vowels
    and q/k folded, a final h and doubled letters dropped, so Haniyeh, Hanieh and Haniya, or
    Muttaqi and Mottaki, come close."""
    words = re.sub(r"['’`]", "", dates.name_key(name).replace("-", " ")).split()
    out = []
    for word in words:
        word = word.replace("ph", "f").replace("kh", "k").replace("ou", "u").translate(_VOWELS)
        word = re.sub(r"(?<=\w)h$", "", word)
        out.append(re.sub(r"(\w)\1+", r"\1", word))
    return " ".join(out)


# How alike two transliteration keys must be (rapidfuzz's ratio, 0-100), and by how much the best
# actor must beat the next one: below that margin two actors could be confused, and neither is
# chosen.
FUZZY_SCORE = 88
FUZZY_MARGIN = 6
_TOKEN = re.compile(r"(?<![\w@-])[A-Z][\w’'-]{3,}(?![\w-])")


class _Spellings:
    """Names matched across transliteration and hyphenation, with rapidfuzz. Single words are
    compared with single-word names and surnames of at least five letters, longer names with full
    names; a match must be clearly better for one actor than for any other."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.words: dict[str, set[str]] = {}  # single-word names and aliases
        self.surnames: dict[
            str, set[str]
        ] = {}  # last words of full names: as exact surnames, they need a title
        self.full: dict[str, set[str]] = {}
        for actor in gazetteer.actors.values():
            for alias in dict.fromkeys([actor.name, *actor.aliases]):
                key = transliteration_key(alias)
                if not key or _is_acronym(alias):
                    continue
                table = self.full if " " in key else self.words
                table.setdefault(key, set()).add(actor.id)
                if actor.kind == "person" and " " in key and len(last := key.split()[-1]) >= 5:
                    self.surnames.setdefault(last, set()).add(actor.id)
        self.words = {k: v for k, v in self.words.items() if len(k) >= 4}

    def _best(
        self, key: str, table: dict[str, set[str]], allowed: Iterable[str] | None = None
    ) -> str | None:
        from rapidfuzz import fuzz, process

        if allowed is not None:
            allowed = set(allowed)
            table = {k: v & allowed for k, v in table.items() if v & allowed}
        scored: dict[str, float] = {}
        for name, score, _ in process.extract(
            key, list(table), scorer=fuzz.ratio, limit=8, score_cutoff=FUZZY_SCORE - FUZZY_MARGIN
        ):
            for actor in table[name]:
                scored[actor] = max(scored.get(actor, 0), score)
        if not scored:
            return None
        ranked = sorted(scored.items(), key=lambda kv: -kv[1])
        best, score = ranked[0]
        if score < FUZZY_SCORE or (len(ranked) > 1 and ranked[1][1] > score - FUZZY_MARGIN):
            return None
        return best

    def find(self, sentence: str, hits: list[ActorHit], seen: dict[str, int]) -> list[ActorHit]:
        """Capitalised words no exact name claimed that are a known name in another spelling. A
        surname alone, as with exact names, needs a title before it or the full name earlier."""
        out: list[ActorHit] = []
        claimed = bytearray(
            len(sentence)
        )  # a run-on "sentence" has thousands of names: no pairwise look
        for h in hits:
            claimed[h.start : h.end] = b"\x01" * (h.end - h.start)
        for m in _TOKEN.finditer(sentence):
            word = m.group()
            if claimed.find(1, m.start(), m.end()) != -1 or _common_word(word):
                continue
            key, exact = transliteration_key(word), dates.name_key(word)
            if len(key) < 4 or exact in self.gazetteer.owner or exact in self.gazetteer.by_surname:
                continue
            actor = _cached_best(self, key, "words")
            if (
                actor is None
            ):  # a surname alone, as with exact names, needs a title or the full name before
                surname = _cached_best(self, key, "surnames")
                actor = (
                    surname
                    if surname and (_after_title(sentence, m.start()) or surname in seen)
                    else None
                )
            if actor is not None:
                out.append(ActorHit(word, m.start(), m.end(), actor, (actor,), False, True))
        return out

    def longer_name(
        self, sentence: str, start: int, end: int, persons: list[str]
    ) -> ActorHit | None:
        """A surname glued to the word before it, read as a spelling of one of `persons`' full
        names ("Ibrahim Raisi" for Ebrahim Raisi); None when it is someone else's name."""
        before = re.search(r"([A-Z][\w’'-]*)\s+$", sentence[max(0, start - LOOK_BACK) : start])
        if before is None:
            return None
        first = start - len(before.group())
        actor = self._best(transliteration_key(sentence[first:end]), self.full, persons)
        if actor is None:
            return None
        text = sentence[first:end]
        exact = transliteration_key(text) == transliteration_key(self.gazetteer.actors[actor].name)
        return ActorHit(
            text,
            first,
            end,
            actor,
            (actor,),
            False,
            not exact or dates.name_key(text) not in self.gazetteer.owner,
        )


@functools.lru_cache(maxsize=4096)
def _cached_best(spellings: _Spellings, key: str, table: str) -> str | None:
    return spellings._best(key, getattr(spellings, table))


def _common_word(word: str) -> bool:
    lower = word.lower().rstrip(".")
    return (
        lower in FUNCTION_WORDS
        or lower in TITLE_WORDS
        or lower in MONTH_AND_DAY_NAMES
        or word in DEMONYMS
        or word.isupper()
    )

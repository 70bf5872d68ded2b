"""The story's time line and the context a rule's resolver reads a mention in."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice, pairwise

from .. import dates
from ..dates import DateRange
from .cues import CUE_PATTERNS, EVENT_NOUNS
from .mentions import Mention, event_noun_end
from .ranges import _earliest, _latest, _over_anchor, _shift, _widen, edtf_for, following_unit
from .sentences import Sentence
from .tense import sentence_tense, tense_near

EVENT_REACH = 200  # dated mentions "the attack" may look back over: a long text stays linear


@dataclass(slots=True)
class Timeline:
    """What the story has dated so far: anaphoric phrases ("two months later", "that month")
    and yearless dates ("on 14 October") are read against it, as a reader would."""

    published: DateRange
    published_edtf: str
    uncertain: bool
    events: list[tuple[int, int, Mention]] = field(
        default_factory=list
    )  # (sentence, paragraph, mention)
    days: dict[tuple[int, int], Mention] = field(
        default_factory=dict
    )  # (month, day) → a dated mention of it

    texts: dict[int, str] = field(
        default_factory=dict
    )  # dated sentences' words, for "after the attack"

    def add(self, sentence: Sentence, mentions: list[Mention]) -> None:
        for m in mentions:
            if not _good_anchor(m):
                continue
            self.events.append((sentence.index, sentence.paragraph, m))
            self.texts[sentence.index] = sentence.text
            if m.basis == "stated" and m.range is not None and m.range.start == m.range.end:
                self.days[(m.range.start.month, m.range.start.day)] = m

    def dated_event(self, sentence: Sentence, noun: str) -> tuple[Mention, str] | None:
        """The latest date given to a sentence that speaks of `noun` ("attack"), anywhere before:
        the date of "the attack" in "hours after the attack". A definite description points at
        the last such event the story told, however many paragraphs of detail came between (up to
        EVENT_REACH dates back)."""
        word = re.compile(rf"\b{re.escape(noun.rstrip('s'))}", re.IGNORECASE)
        cue = CUE_PATTERNS.get(
            EVENT_NOUNS.get(noun.lower().rstrip("s"), "")
        )  # "stormed" tells of an attack
        for index, _, m in islice(reversed(self.events), EVENT_REACH):
            text = self.texts.get(index, "")
            if index < sentence.index and (word.search(text) or (cue and cue.search(text))):
                return m, f"the {noun} dated {sentence.index - index} sentence(s) earlier"
        return None

    # per sentence: its tense, and whether it is framed in the present (dated against publication)
    frames: list[tuple[str | None, bool]] = field(default_factory=list)

    def recent(
        self, sentence: Sentence, window: int, continuity: bool = False
    ) -> tuple[Mention, str] | None:
        """The first dated mention of the latest dated sentence, if that sentence is in the same
        paragraph or within `window` sentences. With `continuity` the story must be narrating the
        past all along: that sentence is not dated against publication ("on Sunday … since 2022"),
        and every sentence in between narrates in the past tense (one in the present, a caption or
        a byline means the story has turned from narrating to commenting)."""
        if not self.events:
            return None
        index, paragraph, _ = self.events[-1]
        mention = next(m for i, _, m in self.events if i == index)
        distance = sentence.index - index
        if paragraph != sentence.paragraph and distance > window:
            return None
        if continuity and (
            self.frames[index][1]
            or any(
                tense != "past" or framed
                for tense, framed in self.frames[index + 1 : sentence.index]
            )
        ):
            return None
        if distance == 1:
            return mention, "previous sentence"
        return (
            mention,
            "earlier in the paragraph"
            if paragraph == sentence.paragraph
            else f"{distance} sentences earlier",
        )


def _good_anchor(m: Mention) -> bool:
    if m.range is None or m.confidence == "low" or m.kind in ("vague", "relational"):
        return False
    return (m.range.end - m.range.start).days <= 400


@dataclass(slots=True)
class Reading:
    """What a rule reads in a mention: a range of possible days, its EDTF, how it was found. A
    rule's resolver returns one (or None: no date after all); the resolver records it."""

    range: DateRange
    basis: str  # stated | resolved | inferred
    confidence: str
    edtf: str | None = None
    qualifier: str | None = None
    anchor: str | None = None
    anchor_edtf: str | None = None
    notes: list[str] = field(default_factory=list)
    ambiguous: bool = False
    readings: list[str] = field(default_factory=list)
    dates_object: bool = False  # "X came two days after Y": the date is Y's, not X's
    text: str | None = (
        None  # the words read, when wider than the match ("two days after the 9/11 attacks")
    )


_QUOTATION = re.compile(r"“[^“”]{1,600}”|\"[^\"\n]{1,600}\"")
HEADLINE_FUTURE = re.compile(r"\b(?<!\bhas\s)(?<!\bhad\s)(?<!\bwas\s)to\s+[a-z]{3,}\b")


class Resolver:
    """Reads the mentions of one sentence, in three passes: absolute and deictic dates first,
    then anaphoric phrases (which need an earlier date), then relational ones ("two days after X").
    Each rule's resolver calls back `set`, `publication`, `recurring` … to record its reading."""

    def __init__(self, timeline: Timeline, sentence: Sentence) -> None:
        self.timeline = timeline
        self.sentence = sentence
        self.text = sentence.text
        self.mentions: list[Mention] = []
        self.headline = sentence.headline

    # helpers ----------------------------------------------------------------------------

    def narrative(
        self, mention: Mention, mentions: list[Mention], window: int, continuity: bool = False
    ) -> tuple[Mention, str] | None:
        left = [
            m for m in mentions if m.end <= mention.start and m is not mention and _good_anchor(m)
        ]
        if left:
            return left[-1], "same sentence"
        found = self.timeline.recent(self.sentence, window, continuity)
        if found and _good_anchor(found[0]):
            return found
        return None

    def future(self, mention: Mention) -> bool:
        if self.headline and HEADLINE_FUTURE.search(self.text, 0, mention.start):
            return True  # "Envoy to visit Kabul on Friday": a headline's infinitive is its future
        return tense_near(self.text, mention.start, mention.end) == "future"

    def set(
        self,
        rng: DateRange,
        basis: str,
        confidence: str,
        anchor: str | None = None,
        anchor_edtf: str | None = None,
        qualifier: str | None = None,
        edtf: str | None = None,
    ) -> Reading:
        """A reading of exactly `rng`, in the shortest EDTF that says it unless one is given."""
        if edtf is None:
            edtf, q = edtf_for(rng)
            qualifier = qualifier or q
        return Reading(rng, basis, confidence, edtf, qualifier, anchor, anchor_edtf)

    def publication(
        self,
        rng: DateRange,
        confidence: str = "medium",
        qualifier: str | None = None,
        edtf: str | None = None,
    ) -> Reading:
        """A reading resolved against the publication date (uncertain if that date is)."""
        reading = self.set(
            rng,
            "resolved",
            confidence,
            "publication",
            self.timeline.published_edtf,
            qualifier,
            edtf,
        )
        if (
            self.timeline.uncertain
            and reading.edtf
            and "/" not in reading.edtf
            and reading.edtf[-1] not in "?~%"
        ):
            reading.edtf += "?"
        return reading

    def recurring(
        self, m: Mention, make: Callable[[int], DateRange | None], continues: bool = False
    ) -> Reading | None:
        """A date without a year ("on 14 October", "in early August").

        Read against the publication: the most recent such date on or before it (the next one when
        the verb is in the future). But when the story is narrating an older year (its latest date
        is over a year before publication, in this sentence or paragraph, or just before in an
        unbroken past-tense narration), the year is the story's: the occurrence nearest to that
        date. Then the publication's reading is listed too, and the candidate is flagged ambiguous.
        """
        pub = self.timeline.published
        future = self.future(m)
        by_pub = _over_anchor(
            pub, (lambda d: _earliest(make, d)) if future else (lambda d: _latest(make, d))
        )
        story = (
            None
            if future or sentence_tense(self.text) == "present"
            else self._story_reading(m, make, continues)
        )
        if story is None or story[0] == by_pub:
            if by_pub is None:
                return None
            reading = self.publication(by_pub)
            if future:
                reading.notes.append("future tense: the next such date on or after publication")
            return reading
        rng, where, anchor_edtf = story
        reading = self.set(rng, "resolved", "medium", where, anchor_edtf)
        if by_pub is not None:
            other = edtf_for(by_pub)[0]
            reading.notes.append(
                f"read in the story's time line ({where}); against the publication date it would "
                f"be {other}"
            )
            reading.ambiguous = True
            reading.readings = [reading.edtf or "", other]
        return reading

    def _story_reading(
        self, m: Mention, make: Callable[[int], DateRange | None], continues: bool
    ) -> tuple[DateRange, str, str | None] | None:
        """The occurrence nearest to the story's latest date, if that date is in an older year."""
        found = self.narrative(m, self.mentions, 3, continuity=not continues)
        if not found:
            return None
        anchor, where = found
        pub = self.timeline.published
        if anchor.range.end >= pub.start - timedelta(days=365):  # type: ignore[union-attr]
            return None
        options = [
            r
            for y in range(anchor.range.start.year - 1, anchor.range.end.year + 2)  # type: ignore[union-attr]
            if (r := make(y)) is not None and r.start <= pub.end
        ]
        if not options:
            return None

        def gap(r: DateRange) -> tuple[int, int]:
            a = anchor.range  # type: ignore[union-attr]
            if r.overlaps(a):
                return 0, 0
            return (
                ((a.start - r.end).days, 1) if r.end < a.start else ((r.start - a.end).days, 0)
            )  # ties: forward

        return min(options, key=gap), f"{anchor.text!r} ({where})", anchor.edtf

    def resolve(self, mentions: list[Mention]) -> None:
        self.mentions = mentions
        for m in mentions:
            if m.kind in ("named", "absolute", "deictic", "vague"):
                self._read(m)
        for m in mentions:
            if m.kind == "deictic":
                self._quoted(m)
        for m in mentions:
            if m.kind == "anaphoric":
                self._read(m)
        for m in mentions:
            if m.kind == "relational":
                self._read(m)
        for m in mentions:
            self._after_publication(m)
            self._open_bound(m)
            self._by_bound(m)
            if m.approximate and m.edtf and "/" not in m.edtf and m.edtf[-1] not in "?~%":
                m.edtf += "~"  # "around 2019": EDTF approximate, same bounds

    def _quoted(self, m: Mention) -> None:
        """ "On 3 May 2023 he wrote: “We met yesterday.”": a deictic date inside a quotation is
        read against the quotation's own date, when the sentence states one outside the quotes."""
        quotes = [(q.start(), q.end()) for q in _QUOTATION.finditer(self.text)]
        inside = next(((a, b) for a, b in quotes if a < m.start and m.end <= b), None)
        if inside is None:
            return
        said = [
            o
            for o in self.mentions
            if o.kind in ("absolute", "named")
            and o.range is not None
            and o.basis == "stated"
            and o.range.start == o.range.end
            and not any(a <= o.start < b for a, b in quotes)
        ]
        if not said:
            return
        when = min(said, key=lambda o: abs(o.start - inside[0]))
        timeline = self.timeline
        self.timeline = Timeline(when.range, when.edtf or dates.to_edtf(when.range), False)  # type: ignore[arg-type]
        try:
            reading = m.rule.resolver(self, m)
        finally:
            self.timeline = timeline
        if reading is not None:
            reading.anchor = f"{when.text.strip()!r}, the quotation's own date"
            reading.notes.append(
                f"inside a quotation dated {when.edtf}: read against that date, not publication"
            )
            self.apply(m, reading)

    def _read(self, m: Mention) -> None:
        if (reading := m.rule.resolver(self, m)) is not None:
            self.apply(m, reading)

    @staticmethod
    def apply(m: Mention, reading: Reading) -> None:
        """Record a rule's reading on its mention."""
        m.range, m.edtf, m.qualifier, m.basis, m.confidence = (
            reading.range,
            reading.edtf,
            reading.qualifier,
            reading.basis,
            reading.confidence,
        )
        m.anchor, m.anchor_edtf, m.dates_object = (
            reading.anchor,
            reading.anchor_edtf,
            reading.dates_object,
        )
        m.ambiguous, m.readings = reading.ambiguous, reading.readings
        m.notes.extend(reading.notes)
        if reading.text is not None:
            m.text = reading.text

    def _after_publication(self, m: Mention) -> None:
        """A resolved date after publication in a sentence not about the future: the direction was
        probably wrong. A stated one is a plan or a deadline, and only noted."""
        if m.range is None or m.range.start <= self.timeline.published.end or self.future(m):
            return
        if m.basis == "stated":
            m.notes.append("after the publication date: a plan or a deadline")
        elif not re.search(r"\bwould\b", self.text):
            m.confidence = "low"
            m.notes.append("after the publication date, yet not in the future tense")

    def _open_bound(self, m: Mention) -> None:
        """ "after 2019", "before March 2020": the date is a bound of the event, not its date.

        After a past date, the event lies between the next day (at the bound's precision: "after
        2019" starts in 2020) and publication. Before a date, nothing bounds it from below: the
        bound stays as the date, with low confidence and a note saying what it is.
        """
        if m.range is None or m.relation not in ("before", "after") or m.kind == "relational":
            return
        if (noun := event_noun_end(self.text[m.end :])) is not None:
            # "after the 7 October 2023 attack": the date is the attack's, and it is stated; its
            # words take in the attack, so that they read as the date they give.
            m.text = self.text[m.start : m.end + noun]
            return
        bound, pub = m.edtf, self.timeline.published
        m.confidence = "low"
        if m.relation == "after" and m.range.end < pub.start and not self.future(m):
            following = following_unit(m.range)
            published = self.timeline.published_edtf
            end = published if not re.search(r"[/?~%]", published) else pub.end.isoformat()
            m.range = DateRange(following.start, pub.end)
            m.edtf, m.qualifier = f"{dates.to_edtf(following)}/{end}", None
            m.notes.append(
                f"{m.text.strip()!r} gives only a lower bound: from after {bound} to publication"
            )
        else:
            m.notes.append(
                f"{m.text.strip()!r} gives only "
                f"{'an upper' if m.relation == 'before' else 'a lower'} bound: {bound} is that "
                "bound, not the event's date"
            )

    def _by_bound(self, m: Mention) -> None:
        """ "In August 2021 it left Kabul. By November of the same year, it returned": "by" bounds
        the event from above, and the date the story has just given (what came before) from
        below."""
        if m.range is None or m.relation != "by" or m.kind == "relational" or self.future(m):
            return
        found = self.narrative(m, [o for o in self.mentions if o is not m], 3)
        if found is None or found[0].range is None or found[0].range.start >= m.range.start:
            return
        earlier, where = found
        bound = m.edtf
        m.range = DateRange(earlier.range.start, m.range.end)
        m.edtf, m.qualifier = edtf_for(m.range)
        m.basis, m.anchor, m.anchor_edtf = "inferred", f"{earlier.text!r} ({where})", earlier.edtf
        m.notes.append(
            f"{m.text.strip()!r} gives an upper bound ({bound}); the story's date before it, "
            f"{earlier.text.strip()!r}, the lower one"
        )

    def anchor_for(self, m: Mention) -> tuple[DateRange, str, str | None, bool]:
        """(range, description, EDTF, from the story?) for an anaphoric phrase: the latest date the
        story gave, or else the publication date."""
        found = self.narrative(m, self.mentions, 3)
        if found:
            anchor, where = found
            return anchor.range, f"{anchor.text!r} ({where})", anchor.edtf, True  # type: ignore[return-value]
        return self.timeline.published, "publication", self.timeline.published_edtf, False

    def anaphoric(
        self, rng: DateRange | None, rng_anchor: tuple[DateRange, str, str | None, bool]
    ) -> Reading | None:
        """A reading against the story's date when there was one, else against publication."""
        if rng is None:
            return None
        _, where, edtf, in_story = rng_anchor
        if in_story:
            return self.set(rng, "resolved", "medium", where, edtf)
        reading = self.publication(rng, "low")
        reading.notes.append(
            "no earlier date in the story to read it against: resolved against publication"
        )
        return reading

    def offset(self, base: DateRange, unit: str, sign: int, low: int, high: int) -> DateRange:
        a, b = sorted((sign * low, sign * high))
        if unit == "hour":
            return base  # "hours after the attack": the attack's day, as a reader takes it
        return _widen(DateRange(_shift(base.start, unit, a), _shift(base.end, unit, b)), unit)

    def object_follows(self, m: Mention) -> bool:
        return bool(
            re.match(r"\s+(?:the|a|an|his|her|their|its|[A-Z]\w+['’]s)\b", self.text[m.end :])
        )

    def object_of(self, m: Mention, mentions: list[Mention]) -> Mention | None:
        for o in mentions:
            if o is m or o.start < m.end or o.range is None or o.kind == "relational":
                continue
            gap = self.text[m.end : o.start]
            # "two days after the attack on 5 May", "four years after India shut its embassy in
            # 2021"
            if re.fullmatch(r"\s*(?:(?:the|a|an)\s+)?(?:[\w’'-]+\s+){0,8}", gap) and not re.search(
                r"[,;:]", gap
            ):
                return o
            return None
        return None


def _merge_adjacent(mentions: list[Mention], sentence: str) -> list[Mention]:
    """ "A few weeks later, in early October 2021": one time, said twice. Keep the stated one."""
    drop: set[int] = set()
    for a, b in pairwise(mentions):
        gap = sentence[a.end : b.start]
        if not re.fullmatch(r"[\s,(]*(?:(?:on|in|at|of|during)\s+)?", gap, re.IGNORECASE):
            continue
        vague_kinds = ("anaphoric", "deictic", "vague")
        if (
            a.kind in vague_kinds
            and b.kind not in vague_kinds + ("relational",)
            and b.range is not None
        ):
            drop.add(id(a))
            b.notes.append(f"also said as {a.text!r}")
        elif (
            b.kind in vague_kinds
            and a.kind not in vague_kinds + ("relational",)
            and a.range is not None
        ):
            drop.add(id(b))
            a.notes.append(f"also said as {b.text!r}")
    return [m for m in mentions if id(m) not in drop]

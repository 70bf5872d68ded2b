"""An article's paragraphs and news-style sentences, each a verbatim slice of the text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .words import words as _words

NEVER_FINAL = _words(
    "mr mrs ms messrs mme dr prof gen lt col maj capt sgt cpl adm brig cmdr gov sen rep rev hon "
    "st mt ft pres supt insp no nos vs v cf ca approx e.g i.e fig op art sec"
)
# Abbreviations that may end a sentence: split only when a typical sentence opener follows.
MAYBE_FINAL = _words(
    "u.s u.k u.n e.u u.s.a u.a.e inc ltd co corp bros jr sr etc a.m p.m al "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
SENTENCE_OPENERS = _words(
    "the a an he she it they we i you his her its their our this that these those there here in on "
    "at but and or so yet after before when while as if for some many most one two three mr mrs ms "
    "dr according however meanwhile"
)
_BOUNDARY = re.compile(r"([.!?…]+)([”\"’'»)\]]*)(\[\d+\])?(\s+)(?=[“\"‘'«(\[]*[A-Z0-9À-ÖØ-Þ])")
SPEECH_VERBS = (
    "said|says|told|tells|wrote|writes|added|adds|asked|noted|stated|tweeted|insisted|warned|"
    "replied|explained"
)
_ATTRIBUTION = re.compile(
    rf"(?:[^\s!?“”\"]+\s+){{0,8}}?(?:{SPEECH_VERBS})\b[^.!?“”\"]{{0,60}}[.!?]", re.IGNORECASE
)
_QUOTE_PAIRS = re.compile(r"“[^“”]{1,600}”|\"[^\"\n]{1,600}\"")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence as a verbatim slice of the article, with its paragraph number."""

    text: str
    start: int
    paragraph: int
    index: int

    @property
    def headline(self) -> bool:
        """An article's first line without a full stop is its headline, written in headline
        tenses."""
        return self.index == 0 and not re.search(r"[.!?”\"]\s*$", self.text)

    @property
    def clean(self) -> str:
        """Whitespace runs folded to one space: the form quoted in citations."""
        return " ".join(self.text.split())


def paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """(offset, text) of each paragraph: blank lines separate them, and so does a line break,
    unless the next line starts in lower case (hard-wrapped text)."""
    start = end = None
    previous = ""
    for m in re.finditer(r"[^\n]*(?:\n|$)", text):
        line = m.group().rstrip("\n")
        if not m.group():
            break
        stripped = line.strip()
        wrapped = (
            bool(stripped) and stripped[0].islower() and previous and previous[-1] not in '.!?:”"'
        )
        if start is not None and (not stripped or not wrapped):
            yield start, text[start:end]
            start = None
        if stripped:
            if start is None:
                start = m.start() + (len(line) - len(line.lstrip()))
            end = m.start() + len(line.rstrip())
        previous = stripped
    if start is not None:
        yield start, text[start:end]


def _is_boundary(para: str, m: re.Match[str], quoted: list[tuple[int, int]]) -> bool:
    """Whether a full stop (or ?, !) followed by a capital really ends the sentence."""
    if any(a < m.end(4) - 1 < b - 1 for a, b in quoted):
        return False  # inside a closed quotation: the quote stays with its attribution
    if m.group(2) and _ATTRIBUTION.match(para[m.end() :]):
        return False  # “…?” Mr. Biden said in July 2021.
    if m.group(1) != ".":
        return True
    before = re.search(r"(\S+)$", para[: m.start()])
    word = before.group(1).lstrip("“\"‘'(«[").lower() if before else ""
    if word in NEVER_FINAL:
        return False
    if (
        len(word) == 1
        and word.isalpha()
        and re.search(r"\b[A-Z][\w’'-]+\s+\S+$", para[: m.start()])
    ):
        return False  # an initial after a name: "Donald J. Trump" (but "posted on X. The")
    following = re.match(r"[“\"‘'«(\[]*([\w’']+)", para[m.end() :])
    opener = following.group(1).lower() if following else ""
    if word in MAYBE_FINAL or (("." in word) and word.replace(".", "").isalpha()):
        return opener in SENTENCE_OPENERS
    return True


def split_sentences(text: str) -> list[Sentence]:
    """News-style sentences: abbreviations (Mr., U.S., Jan.) and quotations do not split."""
    out: list[Sentence] = []
    for number, (offset, para) in enumerate(paragraphs(text)):
        quoted = [(q.start(), q.end()) for q in _QUOTE_PAIRS.finditer(para)]
        begin = 0
        for m in _BOUNDARY.finditer(para):
            if _is_boundary(para, m, quoted):
                end = m.start(4)
                out.append(Sentence(para[begin:end], offset + begin, number, len(out)))
                begin = m.end()
        if para[begin:].strip():
            out.append(Sentence(para[begin:].rstrip(), offset + begin, number, len(out)))
    return out

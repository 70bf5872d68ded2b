"""Candidate events from an article's text, to speed up curation: `chrono extract`.

The pipeline is pure and runs one way: paragraphs → sentences (`sentences`) → date mentions
(`mentions`), each read by its rule (`rules`) against the publication date or the story's own
time line (`resolver`, `grammar`) → actors from the gazetteer (`actors`) → a suggested type,
status and roles (`cues`) → candidates (`candidates`) → JSON or event stubs (`stubs`).
Nothing here is tuned to particular articles: the rules are general rules of English dates and
news style, kept as data tables where possible.

Honesty rules, as in `chrono.dates`: a date is a range of possible days and stays exactly as
wide as the text allows. Where the text allows two readings (22/12 vs 12/22, a month that may
belong to the story's year or to the publication's) the candidate says so.
"""

from .actors import ActorHit, ActorRef, Gazetteer, unknown_names
from .candidates import Candidate, Extraction, extract
from .grammar import ExtractError, dated_sentences, parse_published, read_date_phrase
from .mentions import Mention, find_mentions
from .pages import Article, PageError, fetch, looks_like_html, read_html
from .sentences import Sentence, split_sentences
from .stubs import to_json, to_yaml

__all__ = [
    "ActorHit",
    "ActorRef",
    "Article",
    "Candidate",
    "ExtractError",
    "Extraction",
    "Gazetteer",
    "Mention",
    "PageError",
    "Sentence",
    "dated_sentences",
    "extract",
    "fetch",
    "find_mentions",
    "looks_like_html",
    "parse_published",
    "read_date_phrase",
    "read_html",
    "split_sentences",
    "to_json",
    "to_yaml",
    "unknown_names",
]

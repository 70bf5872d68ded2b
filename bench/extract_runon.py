"""`chrono extract` on text without full stops: one "sentence" of thousands of words, as a page
scraped without its punctuation arrives. Prints the time per size; it should grow about
linearly, not with the square of the length.

    .venv/bin/python bench/extract_runon.py
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from chrono.extract import Gazetteer, extract
from chrono.load import load_catalogue

WORDS = [
    "the",
    "envoy",
    "met",
    "Muttaqi",
    "in",
    "Kabul",
    "on",
    "4",
    "August",
    "2021",
    "and",
    "Haniyeh",
    "called",
    "Baradar",
    "while",
    "officials",
    "said",
    "talks",
    "would",
    "resume",
    "in",
    "early",
    "October",
    "with",
    "Pakistan",
    "and",
    "others",
]


def main() -> None:
    catalogue, problems = load_catalogue(Path(__file__).resolve().parent.parent / "db")
    assert not problems, problems
    gazetteer = Gazetteer(catalogue.actors.values())
    rng = random.Random(1)
    print("| words | candidates | seconds |\n|---:|---:|---:|")
    for n in (2_000, 8_000, 32_000):
        text = " ".join(rng.choice(WORDS) for _ in range(n))
        started = time.perf_counter()
        found = extract(text, "2024-12-24", gazetteer)
        print(f"| {n:,} | {len(found.candidates)} | {time.perf_counter() - started:.2f} |")


if __name__ == "__main__":
    main()

"""Score `chrono extract` against the curated chronology: every seed article, its curated events."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from chrono import dates
from chrono.extract import Candidate, Gazetteer, extract

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "db"
SEEDS = ROOT.parent / "shared" / "seeds"


@dataclass
class Article:
    source: dict
    text: str


def split_compilation(text: str) -> list[tuple[str, str]]:
    """(title, text) of each article in a compilation where each ends with its title and
    "read more"."""
    chunks = re.split(r"(?im)^[ \t]*read more[ \t]*$", text)
    out = []
    for chunk in chunks:
        lines = [line.strip() for line in chunk.strip().splitlines() if line.strip()]
        if lines:
            out.append((lines[-1], chunk))
    return out


def _norm(title: str) -> str:
    return re.sub(r"\W+", " ", dates.fold(title)).strip()


def seed_articles() -> list[Article]:
    sources = yaml.safe_load((DATA / "sources.yml").read_text(encoding="utf-8"))
    articles = []
    for path in sorted(SEEDS.glob("*.txt")):
        mine = [s for s in sources if s.get("archive") == path.name]
        text = path.read_text(encoding="utf-8")
        if len(mine) == 1:
            articles.append(Article(mine[0], text))
            continue
        by_title = {_norm(s["title"]): s for s in mine}
        for title, chunk in split_compilation(text):
            source = by_title.get(_norm(title))
            if source is None:
                raise AssertionError(f"{path.name}: no source titled {title!r}")
            articles.append(Article(source, chunk))
    return articles


def candidate_range(c: Candidate) -> dates.DateRange:
    return c.mention.range  # type: ignore[return-value]


def matches(c: Candidate, event: dict, when: dates.NormalisedDate) -> bool:
    """The candidate's days cover the curated ones, or lie within them at the same precision,
    and it names at least one of the event's actors."""
    got = candidate_range(c)
    date_ok = got.covers(when.range) or (when.range.covers(got) and c.precision == when.precision)
    ids = {a.id for a in c.actors} | {x["id"] for a in c.ambiguous_actors for x in a["candidates"]}
    return date_ok and bool(ids & {a["id"] for a in event["actors"]})


def score() -> dict:
    gazetteer = Gazetteer(
        __import__("chrono.load", fromlist=["load_catalogue"])
        .load_catalogue(DATA)[0]
        .actors.values()
    )
    events = yaml.load((DATA / "events.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    rows = []
    for article in seed_articles():
        sid = article.source["id"]
        found = extract(article.text, article.source["published"], gazetteer).candidates
        cited = [e for e in events if any(c["source"] == sid for c in e["citations"])]
        norm = [
            (
                e,
                dates.normalise(
                    e["date"],
                    e.get("qualifier") if e.get("qualifier") not in (None, "null") else None,
                ),
            )
            for e in cited
        ]
        hit = [e["id"] for e, w in norm if any(matches(c, e, w) for c in found)]
        exact = [
            e["id"]
            for e, w in norm
            if any(matches(c, e, w) and candidate_range(c) == w.range for c in found)
        ]
        useful = [c for c in found if any(matches(c, e, w) for e, w in norm)]
        exactly = [
            c
            for c in found
            if any(matches(c, e, w) and candidate_range(c) == w.range for e, w in norm)
        ]
        rows.append(
            {
                "source": sid,
                "curated": len(cited),
                "recalled": len(hit),
                "exact": len(exact),
                "candidates": len(found),
                "matching": len(useful),
                "matching_exactly": len(exactly),
                "missed": [e["id"] for e in cited if e["id"] not in hit],
            }
        )
    keys = ("curated", "recalled", "exact", "candidates", "matching", "matching_exactly")
    total = {k: sum(r[k] for r in rows) for k in keys}
    total["recall"] = round(total["recalled"] / total["curated"], 3)
    total["exact_recall"] = round(total["exact"] / total["curated"], 3)
    total["precision"] = round(total["matching"] / total["candidates"], 3)
    total["exact_precision"] = round(total["matching_exactly"] / total["candidates"], 3)
    return {"sources": rows, "total": total}


def table(scores: dict) -> str:
    lines = [
        f"{'source':46} {'events':>6} {'found':>5} {'exact':>5} "
        f"{'cands':>5} {'match':>5} {'exact':>5}"
    ]
    for r in scores["sources"]:
        lines.append(
            f"{r['source']:46} {r['curated']:6} {r['recalled']:5} {r['exact']:5} "
            f"{r['candidates']:5} "
            f"{r['matching']:5} {r['matching_exactly']:5}"
        )
    t = scores["total"]
    lines.append(
        f"{'TOTAL':46} {t['curated']:6} {t['recalled']:5} {t['exact']:5} {t['candidates']:5} "
        f"{t['matching']:5} {t['matching_exactly']:5}"
    )
    lines.append(
        f"recall {t['recall']:.3f} (same range: {t['exact_recall']:.3f})  "
        f"precision {t['precision']:.3f} (same range: {t['exact_precision']:.3f})"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    s = score()
    print(table(s))
    for r in s["sources"]:
        if r["missed"]:
            print(r["source"], "missed:", r["missed"])

"""`chrono extract` on news it has never seen: the development set's scores, and the seeds' recall.

The development set (`../shared/devset` beside the checkout: real news articles, an analyst's
annotations and their `score.py`) is split in two. The odd-numbered articles were used to tune
the rules; the even-numbered ones never were, and their scores are the ones to quote. Its texts
stay there: nothing of them is copied into the project.

    .venv/bin/python bench/extract_devset.py            # both halves, then the seeds
    .venv/bin/python bench/extract_devset.py --misses   # also the tuning half's missed events

Without the development set it prints the seeds' recall only.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEVSET = ROOT.parent / "shared" / "devset"
CHRONO = Path(sys.executable).with_name("chrono")
SPLITS = {
    "tuning (odd-numbered articles)": [f"{n:02d}" for n in range(1, 21, 2)],
    "held out (even-numbered, never used for tuning)": [f"{n:02d}" for n in range(2, 21, 2)],
}


def devset_scores(articles: list[str], misses: bool = False) -> dict[str, int]:
    """Run the development set's own scorer on some articles; its totals."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "scores.json"
        command = [
            sys.executable,
            str(DEVSET / "score.py"),
            "--chrono",
            str(CHRONO),
            "--data",
            str(ROOT / "db"),
            "--json",
            str(out),
            *(a for n in articles for a in ("--article", n)),
        ]
        if not misses:
            command.append("--no-missed")
        shown = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
        if misses:
            print(shown.split("\nMissed events", 1)[-1])
        return json.loads(out.read_text(encoding="utf-8"))["totals"]


def pct(part: int, whole: int) -> str:
    return f"{part}/{whole} = {100 * part / whole:.1f} %" if whole else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--misses", action="store_true", help="list the tuning half's missed events"
    )
    args = parser.parse_args()
    if DEVSET.is_dir():
        print(
            "| dev set | events | recall (date and actors) | date-only recall | precision |\n"
            "|---|---:|---:|---:|---:|"
        )
        for name, articles in SPLITS.items():
            t = devset_scores(articles, misses=args.misses and name.startswith("tuning"))
            print(
                f"| {name} | {t['gold']} | {pct(t['found'], t['gold'])} | "
                f"{pct(t['found_date'], t['gold'])} | {pct(t['matched'], t['candidates'])} |"
            )
    else:
        print(f"no development set at {DEVSET}: seeds only")
    sys.path.insert(0, str(ROOT))
    from tests.seed_scores import score

    total = score()["total"]
    print(
        f"\nseeds: recall {total['recall']:.3f} ({total['recalled']}/{total['curated']}), "
        f"precision {total['precision']:.3f} ({total['matching']}/{total['candidates']})"
    )


if __name__ == "__main__":
    main()

"""Chooses the quote-length settings of `[answer]` on the public tuning split:
`python -m eval.quote_tuning`.

- `widen_below`: a sentence longer than `max_quote_chars` is trimmed to the run of words the
  answer locator finds most likely to hold the answer. When that run holds little of the
  locator's probability, it is unsure, and a short run often cuts the answer away; below this
  share the quote may grow to `wide_quote_chars`.
- `max_three_chars`: a third sentence is quoted only when the three are no longer than this.
- `pair_ratio`, `pair_quote_chars`: a runner-up this likely, too long to quote whole with the
  best sentence, is quoted too, both trimmed to runs of at most this many characters.

Each is measured over a grid, the others at their defaults: every answerable tuning question
(never a reported one) is asked, and per group the answers holding a gold answer and the median
answer length are printed. The choice is the value that answers most questions right while no
group whose median answer was within `max_quote_chars` at the grid's lowest value goes over it
(the highest such value on a tie). The second-sentence ratios (`make train`) are chosen first,
on sentences alone; these settings then shape the quotes given those ratios.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from statistics import median

from app.settings import Settings, load_settings
from eval.public import DEFAULT_DATA_DIR, MIXED_CORPORA, build_named_corpus
from eval.public_eval import answered_right, group_of
from eval.training import corpus_settings

CORPORA = ("en-tune", "ja-tune")
GRIDS: dict[str, tuple[float, ...]] = {"widen_below": (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
                                       "max_three_chars": (180, 200, 220, 260),
                                       "pair_ratio": (0.3, 0.4, 0.5, 0.6, 0.8, 1.1),
                                       "pair_quote_chars": (0, 80, 90, 100, 120)}

Outcomes = dict[str, tuple[int, int, float]]  # group -> (answers right, questions, median length)


def measure(settings: Settings, root: Path, data_dir: Path, grids: dict[str, tuple[float, ...]] = GRIDS,
            corpora: tuple[str, ...] = CORPORA) -> dict[str, dict[float, Outcomes]]:
    """For each `[answer]` setting of `grids`, the outcomes at each of its values (the others at
    their defaults); each corpus's service is loaded once for all of them."""
    from app.service import Kakehashi

    right: dict[tuple[str, float, str], list[bool]] = defaultdict(list)  # (setting, value, group)
    lengths: dict[tuple[str, float, str], list[int]] = defaultdict(list)
    for corpus in corpora:
        questions = [q for q in build_named_corpus(corpus, root, data_dir) if q.answerable]
        service = Kakehashi(corpus_settings(settings, root / corpus), log=lambda _: None)
        base = service.composer.settings
        for name, grid in grids.items():
            for value in grid:
                service.composer.settings = replace(base, **{name: type(getattr(base, name))(value)})
                for q in questions:
                    answer = service.ask(q.question)
                    key = (name, value, group_of(q, corpus in MIXED_CORPORA))
                    right[key].append(answered_right(answer, q))
                    if not answer.abstained:
                        lengths[key].append(len(answer.answer))
        service.composer.settings = base
    outcomes: dict[str, dict[float, Outcomes]] = {}
    for (name, value, group), held in right.items():
        outcomes.setdefault(name, {}).setdefault(value, {})[group] = (
            sum(held), len(held), float(median(lengths[(name, value, group)] or [0])))
    return outcomes


def choose(outcomes: dict[float, Outcomes], max_chars: int) -> float:
    """Of the values at which every group within `max_chars` at the lowest stays within it, the
    one with most answers right (the highest on a tie)."""
    lowest = outcomes[min(outcomes)]
    kept = [g for g, (_, _, length) in lowest.items() if length <= max_chars]
    within = [value for value, groups in outcomes.items() if all(groups[g][2] <= max_chars for g in kept)]
    return max(within, key=lambda v: (sum(r for r, _, _ in outcomes[v].values()), v), default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--only", nargs="+", choices=sorted(GRIDS), default=sorted(GRIDS),
                        help="the settings to measure (default: all)")
    args = parser.parse_args()
    settings = load_settings()
    measured = measure(settings, settings.path(settings.data_dir) / "public", args.data,
                       {name: GRIDS[name] for name in args.only})
    for name, outcomes in measured.items():
        for value, groups in sorted(outcomes.items()):
            print(f"{name} {value:g}: " + "; ".join(
                f"{g} {r}/{n} ({r / n:.3f}), median {m:.0f}" for g, (r, n, m) in sorted(groups.items())))
        print(f"chosen: {name} = {choose(outcomes, settings.answer.max_quote_chars):g}", flush=True)


if __name__ == "__main__":
    main()

"""Time and peak memory per rule from a finished workflow's `benchmark:` files (results/benchmarks/).

    .venv/bin/python bench/rule_times.py [results/benchmarks]

Prints a Markdown table: jobs, total and mean wall seconds, and the largest max_rss (MB) per rule.
"""

import sys
from pathlib import Path

import pandas as pd


def rule_times(root: Path) -> pd.DataFrame:
    rows = []
    for path in sorted(root.glob("*/*.tsv")):
        table = pd.read_csv(path, sep="\t")
        rows.append({"stage": path.parent.name, "job": path.stem, "s": table["s"].iloc[0],
                     "max_rss_mb": table["max_rss"].iloc[0]})
    jobs = pd.DataFrame(rows)
    return jobs.groupby("stage").agg(jobs=("job", "size"), total_s=("s", "sum"), mean_s=("s", "mean"),
                                     peak_rss_mb=("max_rss_mb", "max")).sort_values("total_s", ascending=False)


if __name__ == "__main__":
    table = rule_times(Path(sys.argv[1] if len(sys.argv) > 1 else "results/benchmarks"))
    print("| stage | jobs | total s | mean s | peak RSS (MB) |\n|---|---:|---:|---:|---:|")
    for stage, row in table.iterrows():
        print(f"| {stage} | {int(row.jobs)} | {row.total_s:.0f} | {row.mean_s:.1f} | {row.peak_rss_mb:.0f} |")

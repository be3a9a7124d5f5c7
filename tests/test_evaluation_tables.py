import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from shinobi_tools.errors import InputError
from shinobi_tools.evaluation.tables import metrics_table, write_baselines

CLI = Path(sys.executable).parent / "shinobi-tools"


def write_run(folder: Path, run: str, onsets: list[float], types: list[str], seconds: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"onset": onsets, "duration": 0.1, "trial_type": types}).to_csv(
        folder / f"{run}_events.tsv", sep="\t", index=False)
    (folder / f"{run}_summary.json").write_text(json.dumps({"duration": seconds}))
    return folder / f"{run}_events.tsv"


def test_baselines_and_metrics_table(tmp_path):
    events = tmp_path / "events"
    train = [write_run(events, f"sub-0{i}_ses-001_task-x_run-01", [1.0 * k for k in range(1, 20)],
                       ["FIRE"] * 18 + ["LifeLost"], 20.0) for i in (1, 2)]
    test = [write_run(events, "sub-03_ses-001_task-x_run-01", [2.0, 4.0, 6.0, 9.5], ["FIRE", "FIRE", "FIRE", "LifeLost"],
                      10.0)]
    summaries = lambda paths: [p.with_name(p.name.replace("_events.tsv", "_summary.json")) for p in paths]  # noqa: E731
    written = write_baselines(train, summaries(train), summaries(test), tmp_path / "pred", seed=1)
    assert sorted(p.parent.name for p in written) == ["periodic", "prior"]
    periodic = pd.read_csv(tmp_path / "pred" / "periodic" / "sub-03_ses-001_task-x_run-01_events.tsv", sep="\t")
    assert (periodic["trial_type"] == "FIRE").sum() == 9  # 0.9 events/s over 10 s

    table = metrics_table(test, {"periodic": [tmp_path / "pred" / "periodic" / test[0].name], "truth": test},
                          tolerances=(0.5,), salient=("LifeLost",))
    assert list(table.columns[:3]) == ["model", "event_type", "tolerance"]
    truth_rows = table[table["model"] == "truth"]
    assert (truth_rows["f1"] == 1.0).all() and set(truth_rows["event_type"]) >= {"ALL", "SALIENT", "FIRE"}
    with pytest.raises(InputError, match="has no predictions for run"):
        metrics_table(test, {"broken": []})


def test_evaluate_cli_json(tmp_path):
    truth = write_run(tmp_path / "t", "a", [1.0, 2.0], ["FIRE", "LifeLost"], 5.0)
    pred = write_run(tmp_path / "p", "whatever", [1.1, 3.0], ["FIRE", "LifeLost"], 5.0)
    result = subprocess.run([str(CLI), "evaluate", "--truth", str(truth), "--pred", str(pred), "--json"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["tolerances"] == [0.25, 0.5, 1.0, 2.0]
    assert out["overall"]["0.5"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert out["per_type"]["LifeLost"]["2"]["f1"] == 1.0
    missing = subprocess.run([str(CLI), "evaluate", "--truth", str(truth), "--pred", str(tmp_path / "nope.tsv")],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1

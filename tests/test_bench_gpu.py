"""bench/gpu.py runs small on CPU (tiny model): every measurement it reports, and its real-size architectures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("peft")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import gpu  # bench/gpu.py


@pytest.mark.slow
def test_bench_measures_training_with_and_without_checkpointing_and_annotation(tmp_path):
    out = tmp_path / "gpu.json"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "gpu.py"), "--models", "tiny-qwen3_vl", "--steps",
                           "3", "--batch", "2", "--json", str(out)], capture_output=True, text=True, timeout=900,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(out.read_text())
    assert [(r["model"], r["checkpointing"]) for r in rows] == [("tiny-qwen3_vl", False), ("tiny-qwen3_vl", True)]
    for r in rows:
        assert r["steps_per_s"] > 0 and r["tokens_per_s"] > 0 and r["peak_memory_mb"] > 100
    assert rows[0]["memory_vs_baseline"] == 1 and rows[0]["annotate_x_realtime_batch1"] > 0
    assert rows[0]["annotate_x_realtime_batch2"] > 0
    assert "| tiny-qwen3_vl | yes |" in done.stdout


@pytest.mark.parametrize(("name", "billions"), [("smolvlm2-2.2b", 2.25), ("qwen2_5_vl-3b", 3.75)])
def test_real_size_architectures_have_the_published_parameter_counts(name, billions):
    model, _ = gpu.real_size_model(name, "meta")  # shapes only, no memory
    assert sum(p.numel() for p in model.parameters()) / 1e9 == pytest.approx(billions, abs=0.01)

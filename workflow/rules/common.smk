# Helpers of the workflow: run discovery, wildcard constraints, input functions, final outputs.
# Anything longer than a few lines belongs in the library (lib/shinobi_tools), where it is tested.
import shlex
import sys
from pathlib import Path

# Jobs run `python -m shinobi_tools` from this checkout, also inside --sdm conda environments.
LIB = str(Path(workflow.basedir) / "lib")
sys.path.insert(0, LIB)
shell.prefix(f"export PYTHONPATH={shlex.quote(LIB)}${{{{PYTHONPATH:+:$PYTHONPATH}}}}; ")

from shinobi_tools.naming import find_runs  # noqa: E402

DATASET = Path(config["dataset"])
RUNS = {run.stem: run for run in find_runs(DATASET)}
RESULTS = "results"


def bk2_path(wildcards):
    """The dataset's bk2 for one run."""
    return str(DATASET / RUNS[wildcards.run].folder / f"{wildcards.run}.bk2")


#: Per-run final outputs, as templates with `{run}`; each stage file adds its own.
PER_RUN_TARGETS = []
#: Dataset-level final outputs (gathers, evaluation, report).
DATASET_TARGETS = []


def final_outputs():
    """Every final output (the inputs of the `all` target)."""
    return [t.format(run=run) for run in RUNS for t in PER_RUN_TARGETS] + DATASET_TARGETS


wildcard_constraints:
    run=r"sub-[^_/]+_ses-[^_/]+_task-[^_/]+_run-[^_/]+(_level-[^_/]+)?(_rep-[^_/]+)?",

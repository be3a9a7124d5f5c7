# Helpers of the workflow: run discovery, splits, wildcard constraints, input functions, the final outputs.
# Anything longer than a few lines belongs in the library (lib/shinobi_tools), where it is tested.
import shlex
import sys
from pathlib import Path

import yaml

# Jobs run `python -m shinobi_tools` from this checkout, also inside --sdm conda environments.
LIB = str(Path(workflow.basedir) / "lib")
sys.path.insert(0, LIB)
shell.prefix(f"export PYTHONPATH={shlex.quote(LIB)}${{{{PYTHONPATH:+:$PYTHONPATH}}}}; ")

from shinobi_tools.dataset.splits import assign_splits, read_explicit_splits  # noqa: E402
from shinobi_tools.errors import ShinobiToolsError  # noqa: E402
from shinobi_tools.games import get_game  # noqa: E402
from shinobi_tools.naming import annex_key, find_runs  # noqa: E402
from shinobi_tools.workflow_config import validate_config  # noqa: E402


def stop(error):
    """A user error while planning: one line and exit code 2, as every entry point of the project."""
    print(f"error: {error}", file=sys.stderr)
    sys.exit(2)


RESULTS = "results"
try:
    validate_config(config, Path(workflow.basedir) / "config" / "schema.yaml")
    get_game(config["game"])  # one of our names or a stable-retro id: an unknown game stops the planning
    DATASET = Path(config["dataset"])
    RUNS = {run.stem: run for run in find_runs(DATASET)}
    # The splits are a pure function of the run names and the config: the DAG knows the test runs up front, and
    # the dataset_splits rule writes this same table.
    SPLITS = assign_splits(
        list(RUNS.values()),
        by=config["split"]["by"],
        fractions=tuple(config["split"]["fractions"]),
        seed=config["split"]["seed"],
        explicit=read_explicit_splits(config["split"]["explicit"]),
    )
except ShinobiToolsError as error:
    stop(error)
#: Whether the dataset root is a DataLad dataset whose bk2s are fetched per run by fetch.smk.
DATALAD = config["datalad"]["get"] and (DATASET / ".datalad").is_dir()
RUNS_IN = {name: SPLITS.loc[SPLITS["split"] == name, "run"].tolist() for name in ("train", "val", "test")}
#: Whether there is something to evaluate: a model needs training runs and unseen test runs.
EVALUATED = bool(RUNS_IN["train"] and RUNS_IN["test"])
if not EVALUATED:
    print("Evaluation skipped: it needs at least one training run and one test run (see `split`).", file=sys.stderr)


def repo_file(path):
    """A path from the config: absolute, or relative to the working directory where it exists there,
    else to this repository (config/*.yaml, resources/)."""
    path = Path(path)
    return str(path) if path.is_absolute() or path.exists() else str(Path(workflow.basedir) / path)


def dataset_bk2(wildcards):
    """The dataset's bk2 for one run."""
    return str(DATASET / RUNS[wildcards.run].folder / f"{wildcards.run}.bk2")


def bk2_path(wildcards):
    """The bk2 a run's replay reads: the dataset's file, or in a DataLad dataset the copy fetch_bk2 makes."""
    return f"{RESULTS}/fetch/{wildcards.run}.bk2" if DATALAD else dataset_bk2(wildcards)


def fetch_key(wildcards):
    """The git-annex key (content hash) of a run's bk2: new content in the dataset reruns the run's jobs."""
    return annex_key(dataset_bk2(wildcards))


def models():
    """The models of the results table, in the order of its rows."""
    return (
        ["prior", "periodic"]
        + (["spotter"] if config["spotter"]["enabled"] else [])
        + (["vidllm", "vidllm_text"] if config["vlm"]["enabled"] else [])
    )


def final_outputs():
    """Every final output of the workflow (the inputs of `all`), with every condition on it."""
    per_run = [f"{RESULTS}/replay/{{run}}_states.parquet"]
    per_run += [f"{RESULTS}/replay/{{run}}.mp4"] if config["replay"]["video"] else []
    per_run += [f"{RESULTS}/events/{{run}}_events.tsv", f"{RESULTS}/events/{{run}}_summary.json"]
    per_run += [f"{RESULTS}/events/{{run}}.{fmt}" for fmt in config["events"]["formats"]]
    targets = [t.format(run=run) for run in RUNS for t in per_run]
    targets += [f"{RESULTS}/events/event_counts.tsv"]
    if not config["replay"]["video"]:  # clips, models and the report all need the videos
        return targets
    targets += [f"{RESULTS}/dataset/{fmt}/{split}.json" for fmt in ("llava", "llamafactory")
                for split in ("train", "val", "test")]
    targets += [f"{RESULTS}/dataset/llamafactory/dataset_info.json", f"{RESULTS}/dataset/statistics.tsv"]
    if EVALUATED:
        targets += [f"{RESULTS}/evaluation/metrics.tsv"]
        targets += [f"{RESULTS}/report/{name}" for name in
                    ("f1_bars.png", "split_statistics.png", "config.yaml", "preview.gif")]
        if config["spotter"]["enabled"] or config["vlm"]["enabled"]:
            targets += [f"{RESULTS}/report/training_curves.png"]
        targets += expand(f"{RESULTS}/report/timelines/{{run}}.png", run=RUNS_IN["test"])
    return targets


wildcard_constraints:
    run=r"sub-[^_/]+_ses-[^_/]+_task-[^_/]+_run-[^_/]+(_level-[^_/]+)?(_rep-[^_/]+)?",

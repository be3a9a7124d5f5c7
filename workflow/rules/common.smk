# Helpers of the workflow: run discovery, sessions, splits, wildcard constraints, input functions, final outputs.
# Anything longer than a few lines belongs in the library (lib/shinobi_tools), where it is tested.
#
# The per-run stages (fetch, replay, events, clips) run one job per session folder (sub-XX/ses-YYY): a 10,000-run
# dataset plans and submits hundreds of jobs, not tens of thousands. Results mirror the dataset's layout:
# results/<stage>/sub-XX/ses-YYY/<run>...; adding a session adds only its jobs.
import os
import shlex
import sys
from pathlib import Path

import yaml

# Jobs run `python -m shinobi_tools` from this checkout, also inside --sdm conda environments.
LIB = str(Path(workflow.basedir) / "lib")
sys.path.insert(0, LIB)
shell.prefix(f"export PYTHONPATH={shlex.quote(LIB)}${{{{PYTHONPATH:+:$PYTHONPATH}}}}; ")

from shinobi_tools.dataset.splits import assign_splits, read_explicit_splits, sample_runs  # noqa: E402
from shinobi_tools.errors import ShinobiToolsError  # noqa: E402
from shinobi_tools.naming import annex_key, discover_runs  # noqa: E402
from shinobi_tools.workflow_config import validate_config  # noqa: E402


def stop(error):
    """A user error while planning: one line and exit code 2, as every entry point of the project."""
    print(f"error: {error}", file=sys.stderr)
    sys.exit(2)


RESULTS = "results"
try:
    validate_config(config, Path(workflow.basedir) / "config" / "schema.yaml")
    DATASET = Path(config["dataset"])
    #: Whether the dataset root is a DataLad dataset whose bk2s are fetched per session by fetch.smk.
    DATALAD = config["datalad"]["get"] and (DATASET / ".datalad").is_dir()
    DISCOVERY = discover_runs(DATASET, annexed_ok=DATALAD)
    RUNS = {run.stem: run for run in DISCOVERY.runs}
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
if DISCOVERY.warning():
    print(DISCOVERY.warning(), file=sys.stderr)
#: Session folder ("sub-01/ses-001") → its runs, in name order.
SESSIONS = {}
for _run in RUNS.values():
    SESSIONS.setdefault(_run.session_folder, []).append(_run.stem)
RUNS_IN = {name: SPLITS.loc[SPLITS["split"] == name, "run"].tolist() for name in ("train", "val", "test")}
#: Whether there is something to evaluate: a model needs training runs and unseen test runs.
EVALUATED = bool(RUNS_IN["train"] and RUNS_IN["test"])
if not EVALUATED:
    print("Evaluation skipped: it needs at least one training run and one test run (see `split`).", file=sys.stderr)
#: The test runs drawn in per-run report figures (the dataset-level figures cover all of them).
REPORT_RUNS = sample_runs(RUNS_IN["test"], config["report"]["timelines"], config["split"]["seed"])
#: The test run of the annotated preview GIF.
PREVIEW_RUN = (REPORT_RUNS or RUNS_IN["test"])[:1]


def repo_file(path):
    """A path from the config: absolute, or relative to the working directory where it exists there,
    else to this repository (config/*.yaml, resources/)."""
    path = Path(path)
    return str(path) if path.is_absolute() or path.exists() else str(Path(workflow.basedir) / path)


def sessions_of(runs):
    """The session folders holding ``runs``, sorted."""
    return sorted({RUNS[run].session_folder for run in runs})


def run_file(stage, run, suffix):
    """A run's file inside its stage's session folder: results/<stage>/sub-XX/ses-YYY/<run><suffix>."""
    return f"{RESULTS}/{stage}/{RUNS[run].session_folder}/{run}{suffix}"


def stage_folder(session_folder):
    """results/<stage> from one of its session folders (results/<stage>/sub-XX/ses-YYY)."""
    return str(Path(session_folder).parent.parent)


def session_bk2s(wildcards):
    """What a session's replay reads: the dataset's bk2s, or in a DataLad dataset the folder of copies that
    fetch_session makes."""
    if DATALAD:
        return f"{RESULTS}/fetch/{wildcards.session}"
    return [str(DATASET / RUNS[run].folder / f"{run}.bk2") for run in SESSIONS[wildcards.session]]


def session_files(wildcards, folder, suffix):
    """The files of a session's runs inside one of its input folders."""
    return [f"{folder}/{run}{suffix}" for run in SESSIONS[wildcards.session]]


def fetch_keys(wildcards):
    """The git-annex keys (content hashes) of a session's bk2s: new content in the dataset reruns its jobs."""
    return " ".join(annex_key(DATASET / RUNS[run].folder / f"{run}.bk2") for run in SESSIONS[wildcards.session])


def models():
    """The models of the results table, in the order of its rows."""
    return (
        ["prior", "periodic"]
        + (["spotter"] if config["spotter"]["enabled"] else [])
        + (["vidllm", "vidllm_text"] if config["vlm"]["enabled"] else [])
    )


def final_outputs():
    """Every final output of the workflow (the inputs of `all`), with every condition on it."""
    stages = ["replay", "events"] + (["clips"] if config["replay"]["video"] else [])
    targets = [f"{RESULTS}/{stage}/{session}" for stage in stages for session in SESSIONS]
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
        targets += expand(f"{RESULTS}/report/timelines/{{run}}.png", run=REPORT_RUNS)
    return targets


wildcard_constraints:
    session=r"sub-[^_/]+/ses-[^_/]+",
    run=r"sub-[^_/]+_ses-[^_/]+_task-[^_/]+_run-[^_/]+(_level-[^_/]+)?(_rep-[^_/]+)?",

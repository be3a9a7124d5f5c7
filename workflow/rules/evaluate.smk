# Stage 6: every model's events on the unseen test runs against the emulator-derived truth → metrics.tsv.

EVALUATION = config["evaluation"]
PREDICTIONS = f"{RESULTS}/predictions"
#: Models in the results table (later stage files add theirs).
MODELS = ["prior", "periodic"]
if RUNS_IN["train"] and RUNS_IN["test"]:
    DATASET_TARGETS.append(f"{RESULTS}/evaluation/metrics.tsv")
else:
    print("Evaluation skipped: it needs at least one training run and one test run (see `split`).", file=sys.stderr)


rule evaluate_baselines:
    input:
        train_events=expand(f"{RESULTS}/events/{{run}}_events.tsv", run=RUNS_IN["train"]),
        train_summaries=expand(f"{RESULTS}/events/{{run}}_summary.json", run=RUNS_IN["train"]),
        test_summaries=expand(f"{RESULTS}/events/{{run}}_summary.json", run=RUNS_IN["test"]),
    output:
        prior=expand(f"{PREDICTIONS}/prior/{{run}}_events.tsv", run=RUNS_IN["test"]),
        periodic=expand(f"{PREDICTIONS}/periodic/{{run}}_events.tsv", run=RUNS_IN["test"]),
    params:
        out_dir=lambda wildcards, output: Path(output.prior[0]).parent.parent,
        seed=EVALUATION["seed"],
    log:
        f"{RESULTS}/logs/evaluate/baselines.log",
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools baselines --train-events {input.train_events} "
        "--train-summaries {input.train_summaries} --test-summaries {input.test_summaries} "
        "--out-dir {params.out_dir} --seed {params.seed} > {log} 2>&1"


rule evaluate_metrics:
    input:
        truth=expand(f"{RESULTS}/events/{{run}}_events.tsv", run=RUNS_IN["test"]),
        predictions=lambda wildcards: expand(
            f"{PREDICTIONS}/{{model}}/{{run}}_events.tsv", model=MODELS, run=RUNS_IN["test"]
        ),
    output:
        metrics=report(
            f"{RESULTS}/evaluation/metrics.tsv",
            caption="../report/metrics.rst",
            category="Evaluation",
        ),
    params:
        models=lambda wildcards: " ".join(f"{model}={PREDICTIONS}/{model}" for model in MODELS),
        game=config["game"],
        tolerances=" ".join(map(str, EVALUATION["tolerances"])),
    log:
        f"{RESULTS}/logs/evaluate/metrics.log",
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools metrics-table --truth {input.truth} --model {params.models} "
        "--game {params.game} --tolerances {params.tolerances} --out {output.metrics} > {log} 2>&1"

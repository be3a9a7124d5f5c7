# Stage 6: every model's events on the unseen test runs against the emulator-derived truth → metrics.tsv.

EVALUATION = config["evaluation"]
PREDICTIONS = f"{RESULTS}/predictions"


rule evaluate_baselines:
    input:
        events=expand(f"{RESULTS}/events/{{session}}", session=sessions_of(RUNS_IN["train"] + RUNS_IN["test"])),
    output:
        prior=expand(f"{PREDICTIONS}/prior/{{run}}_events.tsv", run=RUNS_IN["test"]),
        periodic=expand(f"{PREDICTIONS}/periodic/{{run}}_events.tsv", run=RUNS_IN["test"]),
    params:
        train_events=[run_file("events", run, "_events.tsv") for run in RUNS_IN["train"]],
        train_summaries=[run_file("events", run, "_summary.json") for run in RUNS_IN["train"]],
        test_summaries=[run_file("events", run, "_summary.json") for run in RUNS_IN["test"]],
        out_dir=lambda wildcards, output: Path(output.prior[0]).parent.parent,
        seed=EVALUATION["seed"],
        game=GAME,
    log:
        f"{RESULTS}/logs/evaluate/baselines.log",
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools baselines --train-events {params.train_events:q} "
        "--train-summaries {params.train_summaries:q} --test-summaries {params.test_summaries:q} "
        "--out-dir {params.out_dir:q} --seed {params.seed} {params.game} > {log:q} 2>&1"


rule evaluate_metrics:
    input:
        events=expand(f"{RESULTS}/events/{{session}}", session=sessions_of(RUNS_IN["test"])),
        predictions=expand(f"{PREDICTIONS}/{{model}}/{{run}}_events.tsv", model=models(), run=RUNS_IN["test"]),
    output:
        metrics=report(
            f"{RESULTS}/evaluation/metrics.tsv",
            caption="../report/metrics.rst",
            category="Evaluation",
        ),
    params:
        truth=[run_file("events", run, "_events.tsv") for run in RUNS_IN["test"]],
        models=" ".join(shlex.quote(f"{model}={PREDICTIONS}/{model}") for model in models()),
        game=GAME,
        tolerances=" ".join(map(str, EVALUATION["tolerances"])),
    log:
        f"{RESULTS}/logs/evaluate/metrics.log",
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools metrics-table --truth {params.truth:q} --model {params.models} "
        "{params.game} --tolerances {params.tolerances} --out {output.metrics:q} > {log:q} 2>&1"

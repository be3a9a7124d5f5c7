# Stage 6: every model's events on the unseen test runs against the emulator-derived truth → metrics.tsv.

EVALUATION = config["evaluation"]
PREDICTIONS = f"{RESULTS}/predictions"


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
        game=GAME,
    log:
        f"{RESULTS}/logs/evaluate/baselines.log",
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools baselines --train-events {input.train_events:q} "
        "--train-summaries {input.train_summaries:q} --test-summaries {input.test_summaries:q} "
        "--out-dir {params.out_dir:q} --seed {params.seed} {params.game} > {log:q} 2>&1"


rule evaluate_metrics:
    input:
        truth=expand(f"{RESULTS}/events/{{run}}_events.tsv", run=RUNS_IN["test"]),
        predictions=expand(f"{PREDICTIONS}/{{model}}/{{run}}_events.tsv", model=models(), run=RUNS_IN["test"]),
    output:
        metrics=report(
            f"{RESULTS}/evaluation/metrics.tsv",
            caption="../report/metrics.rst",
            category="Evaluation",
        ),
    params:
        models=" ".join(shlex.quote(f"{model}={PREDICTIONS}/{model}") for model in models()),
        game=GAME,
        tolerances=" ".join(map(str, EVALUATION["tolerances"])),
    log:
        f"{RESULTS}/logs/evaluate/metrics.log",
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools metrics-table --truth {input.truth:q} --model {params.models} "
        "{params.game} --tolerances {params.tolerances} --out {output.metrics:q} > {log:q} 2>&1"

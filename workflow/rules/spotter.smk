# The non-LLM baseline: a CNN + temporal-convolution event spotter trained from scratch on the train runs
# (the validation runs tune its thresholds), then run on the unseen test runs.

SPOTTER = config["spotter"]


rule spotter_train:
    input:
        splits=rules.dataset_build.output.splits,
        videos=expand(f"{RESULTS}/replay/{{run}}.mp4", run=RUNS_IN["train"] + RUNS_IN["val"]),
        events=expand(f"{RESULTS}/events/{{run}}_events.tsv", run=RUNS_IN["train"] + RUNS_IN["val"]),
        counts=rules.events_counts.output.counts,
        config=repo_file(SPOTTER["config"]),
    output:
        checkpoint=f"{RESULTS}/models/spotter/spotter.pt",
        metrics=f"{RESULTS}/models/spotter/metrics.tsv",
    params:
        video_dir=lambda wildcards, input: Path(input.videos[0]).parent,
        events_dir=lambda wildcards, input: Path(input.events[0]).parent,
        out_dir=lambda wildcards, output: Path(output.checkpoint).parent,
        steps=f"--steps {SPOTTER['steps']}" if SPOTTER["steps"] else "",
        game=GAME,
    log:
        f"{RESULTS}/logs/spotter/train.log",
    benchmark:
        f"{RESULTS}/benchmarks/spotter/train.tsv"
    threads: 2
    resources:
        mem_mb=6000,
        runtime=120,
    conda:
        "../envs/ml.yaml"
    shell:
        "python -m shinobi_tools spotter-train --splits {input.splits:q} --video-dir {params.video_dir:q} "
        "--events-dir {params.events_dir:q} --types-from {input.counts:q} --out-dir {params.out_dir:q} "
        "--config {input.config:q} {params.steps} {params.game} > {log:q} 2>&1"


rule spotter_predict:
    input:
        checkpoint=rules.spotter_train.output.checkpoint,
        videos=expand(f"{RESULTS}/replay/{{run}}.mp4", run=RUNS_IN["test"]),
    output:
        events=expand(f"{PREDICTIONS}/spotter/{{run}}_events.tsv", run=RUNS_IN["test"]),
    params:
        out_dir=lambda wildcards, output: Path(output.events[0]).parent,
    log:
        f"{RESULTS}/logs/spotter/predict.log",
    benchmark:
        f"{RESULTS}/benchmarks/spotter/predict.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../envs/ml.yaml"
    shell:
        "python -m shinobi_tools spot {input.videos:q} --checkpoint {input.checkpoint:q} "
        "--out-dir {params.out_dir:q} > {log:q} 2>&1"

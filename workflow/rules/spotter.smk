# The non-LLM baseline: a CNN + temporal-convolution event spotter trained from scratch on the train runs
# (the validation runs tune its thresholds), then run on the unseen test runs.

SPOTTER = config["spotter"]


rule spotter_train:
    input:
        splits=f"{DATASET_OUT}/splits.tsv",
        replay=expand(f"{RESULTS}/replay/{{session}}", session=sessions_of(RUNS_IN["train"] + RUNS_IN["val"])),
        events=expand(f"{RESULTS}/events/{{session}}", session=sessions_of(RUNS_IN["train"] + RUNS_IN["val"])),
        counts=f"{RESULTS}/events/event_counts.tsv",
        config=repo_file(SPOTTER["config"]),
    output:
        checkpoint=f"{RESULTS}/models/spotter/spotter.pt",
        metrics=f"{RESULTS}/models/spotter/metrics.tsv",
    params:
        # The runs are found in their session folders under these (runs_from_splits).
        video_dir=lambda wildcards, input: stage_folder(input.replay[0]),
        events_dir=lambda wildcards, input: stage_folder(input.events[0]),
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
        checkpoint=f"{RESULTS}/models/spotter/spotter.pt",
        replay=expand(f"{RESULTS}/replay/{{session}}", session=sessions_of(RUNS_IN["test"])),
    output:
        events=expand(f"{PREDICTIONS}/spotter/{{run}}_events.tsv", run=RUNS_IN["test"]),
    params:
        videos=[run_file("replay", run, ".mp4") for run in RUNS_IN["test"]],
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
        "python -m shinobi_tools spot {params.videos:q} --checkpoint {input.checkpoint:q} "
        "--out-dir {params.out_dir:q} > {log:q} 2>&1"

# Stage 4b: run-level splits and the training files (LLaVA and LLaMA-Factory JSON) for the whole dataset.

DATASET_OUT = f"{RESULTS}/dataset"


rule dataset_splits:
    output:
        splits=f"{DATASET_OUT}/splits_assigned.tsv",
    params:
        # The table common.smk computed from the run names and the `split` config (the DAG's test runs).
        table=SPLITS.to_csv(sep="\t", index=False),
    log:
        f"{RESULTS}/logs/dataset/splits.log",
    run:
        Path(output.splits).write_text(params.table)


rule dataset_build:
    input:
        clips=expand(f"{RESULTS}/clips/{{session}}", session=SESSIONS),
        splits=f"{DATASET_OUT}/splits_assigned.tsv",
        counts=f"{RESULTS}/events/event_counts.tsv",
    output:
        llava=[f"{DATASET_OUT}/llava/{split}.json" for split in ("train", "val", "test")],
        llamafactory=[f"{DATASET_OUT}/llamafactory/{split}.json" for split in ("train", "val", "test")],
        info=f"{DATASET_OUT}/llamafactory/dataset_info.json",
        splits=f"{DATASET_OUT}/splits.tsv",
        statistics=report(
            f"{DATASET_OUT}/statistics.tsv",
            caption="../report/statistics.rst",
            category="Dataset",
        ),
    params:
        out_dir=lambda wildcards, output: Path(output.splits).parent,
    log:
        f"{RESULTS}/logs/dataset/build.log",
    conda:
        "../envs/replay.yaml"
    shell:
        "python -m shinobi_tools dataset {input.clips:q} --splits {input.splits:q} --counts {input.counts:q} "
        "--out-dir {params.out_dir:q} > {log:q} 2>&1"

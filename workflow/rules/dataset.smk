# Stage 4b: run-level splits and the training files (LLaVA and LLaMA-Factory JSON) for the whole dataset.

SPLIT = config["split"]
DATASET_OUT = f"{RESULTS}/dataset"
DATASET_TARGETS.extend(
    [f"{DATASET_OUT}/{fmt}/{split}.json" for fmt in ("llava", "llamafactory") for split in ("train", "val", "test")]
    + [f"{DATASET_OUT}/llamafactory/dataset_info.json", f"{DATASET_OUT}/statistics.tsv"]
)


rule dataset_splits:
    output:
        splits=f"{DATASET_OUT}/splits_assigned.tsv",
    params:
        runs=" ".join(RUNS),
        options=(
            f"--by {SPLIT['by']} --fractions {' '.join(map(str, SPLIT['fractions']))} --seed {SPLIT['seed']}"
            + (f" --explicit {SPLIT['explicit']}" if SPLIT["explicit"] else "")
        ),
    log:
        f"{RESULTS}/logs/dataset/splits.log",
    conda:
        "../envs/replay.yaml"
    shell:
        "python -m shinobi_tools splits {params.runs} {params.options} --out {output.splits} > {log} 2>&1"


rule dataset_build:
    input:
        records=expand(f"{RESULTS}/clips/{{run}}.json", run=RUNS),
        splits=rules.dataset_splits.output.splits,
        counts=rules.events_counts.output.counts,
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
        clips_root=lambda wildcards, input: Path(input.records[0]).parent,
        out_dir=lambda wildcards, output: Path(output.splits).parent,
    log:
        f"{RESULTS}/logs/dataset/build.log",
    conda:
        "../envs/replay.yaml"
    shell:
        "python -m shinobi_tools dataset {input.records} --clips-root {params.clips_root} "
        "--splits {input.splits} --counts {input.counts} --out-dir {params.out_dir} > {log} 2>&1"

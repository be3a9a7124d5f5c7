# Stage 2: replay each run's bk2 in stable-retro → frame-exact mp4 + per-frame states table.


rule replay_run:
    input:
        bk2=bk2_path,
    output:
        states=f"{RESULTS}/replay/{{run}}_states.parquet",
        video=f"{RESULTS}/replay/{{run}}.mp4" if config["replay"]["video"] else [],
    params:
        out_dir=lambda wildcards, output: Path(output.states).parent,
        game=config["game"],
        options=" ".join(
            [
                "" if config["replay"]["video"] else "--no-video",
                "--audio" if config["replay"]["audio"] else "",
                f"--preset {config['replay']['preset']}",
                f"--crf {config['replay']['crf']}",
                f"--fps {config['replay']['fps']}" if config["replay"]["fps"] else "",
            ]
        ),
    log:
        f"{RESULTS}/logs/replay/{{run}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/replay/{{run}}.tsv"
    threads: 2  # emulation and video encoding run in two processes
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/replay.yaml"
    shell:
        "python -m shinobi_tools replay {input.bk2:q} --out-dir {params.out_dir:q} --game {params.game} "
        "{params.options} --quiet > {log:q} 2>&1"

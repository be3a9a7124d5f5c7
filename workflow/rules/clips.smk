# Stage 4a: per-run clips (sliding windows + event-centred) and their question-answer records.

CLIPS = config["clips"]


rule clips_cut:
    input:
        video=f"{RESULTS}/replay/{{run}}.mp4",
        states=f"{RESULTS}/replay/{{run}}_states.parquet",
        events=f"{RESULTS}/events/{{run}}_events.tsv",
    output:
        clips=directory(f"{RESULTS}/clips/{{run}}"),
        records=f"{RESULTS}/clips/{{run}}.json",
    params:
        out_dir=lambda wildcards, output: Path(output.clips).parent,
        game=GAME,
        options=(
            f"--length {CLIPS['length']} --stride {CLIPS['stride']} --clip-fps {CLIPS['fps']} "
            f"--width {CLIPS['width']} --height {CLIPS['height']} "
            f"--point-queries {CLIPS['point_queries']} --seed {CLIPS['seed']}"
        ),
    log:
        f"{RESULTS}/logs/clips/{{run}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/clips/{{run}}.tsv"
    resources:
        mem_mb=1500,
        runtime=20,
    conda:
        "../envs/replay.yaml"
    shell:
        "python -m shinobi_tools clips {params.game} --video {input.video:q} --states {input.states:q} "
        "--events {input.events:q} --out-dir {params.out_dir:q} --records {output.records:q} {params.options} "
        "> {log:q} 2>&1"

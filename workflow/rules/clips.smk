# Stage 4a: per-run clips (sliding windows + event-centred) and their question-answer records, one job per session.

CLIPS = config["clips"]


rule clips_session:
    input:
        replay=f"{RESULTS}/replay/{{session}}",
        events=f"{RESULTS}/events/{{session}}",
    output:
        clips=directory(f"{RESULTS}/clips/{{session}}"),
    params:
        game=GAME,
        options=(
            f"--length {CLIPS['length']} --stride {CLIPS['stride']} --clip-fps {CLIPS['fps']} "
            f"--width {CLIPS['width']} --height {CLIPS['height']} "
            f"--point-queries {CLIPS['point_queries']} --seed {CLIPS['seed']}"
        ),
    log:
        f"{RESULTS}/logs/clips/{{session}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/clips/{{session}}.tsv"
    resources:
        mem_mb=1500,
        runtime=lambda wildcards: 10 + len(SESSIONS[wildcards.session]),
    conda:
        "../envs/replay.yaml"
    shell:
        "python -m shinobi_tools clips {params.game} --replay-dir {input.replay:q} --events-dir {input.events:q} "
        "--out-dir {output.clips:q} {params.options} > {log:q} 2>&1"

# Stage 3: per-run events (BIDS events.tsv + sidecar, summary, SRT/VTT subtitles, ELAN) and their counts.
# Events in the vocabulary of events.vocabulary (cneuromod or legacy), which every later stage passes on with --game;
# onsets use the game's true rate (59.922743404312 fps for the Genesis) unless events.fps is set.

EVENTS = config["events"]
#: The game and the event vocabulary, for every command that reads events.
GAME = f"--game {shlex.quote(config['game'])} --vocabulary {EVENTS['vocabulary']}"


rule events_extract:
    input:
        states=f"{RESULTS}/replay/{{run}}_states.parquet",
    output:
        events=f"{RESULTS}/events/{{run}}_events.tsv",
        sidecar=f"{RESULTS}/events/{{run}}_events.json",
        summary=f"{RESULTS}/events/{{run}}_summary.json",
        exports=[f"{RESULTS}/events/{{run}}.{fmt}" for fmt in EVENTS["formats"]],
    params:
        out_dir=lambda wildcards, output: Path(output.events).parent,
        game=GAME,
        formats=f"--formats {','.join(EVENTS['formats'])}" if EVENTS["formats"] else "",
        fps=f"--fps {EVENTS['fps']}" if EVENTS["fps"] else "",
        descriptions=f"--descriptions {shlex.quote(repo_file(EVENTS['descriptions']))}" if EVENTS["descriptions"] else "",
        seed=EVENTS["seed"],
        # The ELAN file links the run's video, relative to the events folder.
        video=lambda wildcards: f"--video ../replay/{wildcards.run}.mp4" if config["replay"]["video"] else "",
    log:
        f"{RESULTS}/logs/events/{{run}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/events/{{run}}.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools events {params.game} --states {input.states:q} --out-dir {params.out_dir:q} "
        "{params.formats} {params.fps} {params.descriptions} --seed {params.seed} {params.video} > {log:q} 2>&1"


rule events_counts:
    input:
        events=expand(f"{RESULTS}/events/{{run}}_events.tsv", run=RUNS),
    output:
        counts=report(
            f"{RESULTS}/events/event_counts.tsv",
            caption="../report/event_counts.rst",
            category="Events",
        ),
    log:
        f"{RESULTS}/logs/events/event_counts.log",
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools event-counts {input.events:q} --out {output.counts:q} > {log:q} 2>&1"

# Stage 3: per-run events (BIDS events.tsv + sidecar, summary, SRT/VTT subtitles, ELAN), one job per session,
# and their counts. Events in the vocabulary of events.vocabulary (cneuromod or legacy), which every later stage
# passes on with --game; onsets use the game's true rate (59.922743404312 fps for the Genesis) unless events.fps.

EVENTS = config["events"]
#: The game and the event vocabulary, for every command that reads events.
GAME = f"--game {shlex.quote(config['game'])} --vocabulary {EVENTS['vocabulary']}"


rule events_session:
    input:
        replay=f"{RESULTS}/replay/{{session}}",
    output:
        events=directory(f"{RESULTS}/events/{{session}}"),
    params:
        states=lambda wildcards, input: session_files(wildcards, input.replay, "_states.parquet"),
        game=GAME,
        formats=f"--formats {','.join(EVENTS['formats'])}" if EVENTS["formats"] else "",
        fps=f"--fps {EVENTS['fps']}" if EVENTS["fps"] else "",
        descriptions=f"--descriptions {shlex.quote(repo_file(EVENTS['descriptions']))}" if EVENTS["descriptions"] else "",
        seed=EVENTS["seed"],
        # The ELAN files link the runs' videos, relative to the events folder.
        video=lambda wildcards, input, output: (
            f"--video {shlex.quote(os.path.relpath(input.replay, output.events))}" if config["replay"]["video"] else ""
        ),
    log:
        f"{RESULTS}/logs/events/{{session}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/events/{{session}}.tsv"
    resources:
        mem_mb=1000,
        runtime=lambda wildcards: 5 + len(SESSIONS[wildcards.session]),
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools events {params.game} --states {params.states:q} --out-dir {output.events:q} "
        "{params.formats} {params.fps} {params.descriptions} --seed {params.seed} {params.video} > {log:q} 2>&1"


rule events_counts:
    input:
        events=expand(f"{RESULTS}/events/{{session}}", session=SESSIONS),
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

"""Write one run's events: BIDS ``events.tsv`` + JSON sidecar, summary JSON, SRT/VTT subtitles, ELAN.

Each writer takes the events table of :func:`shinobi_tools.events.extract_events` and a path,
writes the file and returns the path. Times are the events' ``onset``/``duration`` (seconds at the
fps the events were extracted with; the sidecar records it).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from shinobi_tools.errors import InputError
from shinobi_tools.events import vocabulary as voc
from shinobi_tools.events.descriptions import load_descriptions
from shinobi_tools.events.extract import events_fps, extract_events, summarize_run
from shinobi_tools.events.tsv import write_events_tsv
from shinobi_tools.events.variables import read_frames
from shinobi_tools.files import atomic_output, write_json
from shinobi_tools.games import CNEUROMOD, GameDefinition, get_game
from shinobi_tools.naming import run_of
from shinobi_tools.replay.states import frame_rate

#: Subtitles show an event at least this long, so instantaneous events stay readable (s).
MIN_CUE_S = 1.0
#: At most this many events in one subtitle cue (the earliest-starting ones).
MAX_CUE_LINES = 4
_COLUMN_DOCS = {
    "onset": ("Start of the event from the first frame of the run", "s"),
    "duration": ("Length of the event (0 for instantaneous events)", "s"),
    "trial_type": ("Event type (button events take the game's button names)", None),
    "level": ("Level of the repetition", None),
    "frame_start": ("First frame of the event (frame i starts at i / fps)", None),
    "frame_stop": ("First frame after the event (equal to frame_start for instantaneous events)", None),
    "stim_file": ("The replay (.bk2) of the repetition, on its gym-retro_game row only", None),
    "description": ("One-sentence description of the event", None),
    "family": ("Event family (movement, action, combat, health, item, life, level, state); one ELAN tier each", None),
    "button": ("Button pressed, for button events", None),
    "value_before": ("Value of the RAM variable behind the event on the frame before", None),
    "value_after": ("Value of that variable on frame_start", None),
    "points": ("Points scored by the event", None),
    "cause": ("Cause of a death or life loss (enemy, fall)", None),
    "x_player": ("Player x position on frame_start, made continuous across wraps", "pixels"),
    "y_player": ("Player y position on frame_start", "pixels"),
}


#: Where the cneuromod vocabulary's conventions differ from the legacy ones.
_CNEUROMOD_DOCS = {
    "trial_type": ("Event type in CNeuroMod's vocabulary (Action/*, Screen/*, PlayerState/*, EnemyDefeated ...); "
                   "gym-retro_game is the repetition itself (metadata, not an event)", None),
    "frame_stop": ("Last frame of the event, inclusive (equal to frame_start for instantaneous events); on the "
                   "gym-retro_game row the number of frames", None),
    "duration": ("(frame_stop - frame_start) / SamplingFrequency: 0 for instantaneous events and one-frame presses",
                 "s"),
    "points": ("Points scored by the enemy defeated", None),
}


def events_sidecar(events: pd.DataFrame, game: GameDefinition, fps: float) -> dict:
    """The BIDS JSON sidecar: one entry per column, with the event types, the vocabulary and the fps used."""
    docs = {**_COLUMN_DOCS, **(_CNEUROMOD_DOCS if game.vocabulary == CNEUROMOD else {})}
    sidecar: dict = {}
    for column in events.columns:
        description, units = docs.get(column, (f"Game-specific column {column}", None))
        entry: dict = {"Description": description}
        if units:
            entry["Units"] = units
        sidecar[column] = entry
    types = sorted(events["trial_type"].dropna().unique())
    sidecar["trial_type"]["Levels"] = {str(t): ("salient event" if t in game.salient_events else "event") for t in types}
    sidecar["GameName"] = game.name
    sidecar["Vocabulary"] = game.vocabulary
    sidecar["SamplingFrequency"] = fps
    sidecar["SalientEvents"] = list(game.salient_events)
    sidecar["InvisibleEvents"] = list(game.invisible_events)
    return sidecar


def write_events_json(events: pd.DataFrame, game: GameDefinition, fps: float, path: str | Path) -> Path:
    return write_json(path, events_sidecar(events, game, fps), indent=2)


def write_summary(summary: dict, path: str | Path) -> Path:
    return write_json(path, summary, indent=2)


def subtitle_cues(events: pd.DataFrame, min_duration: float = MIN_CUE_S,
                  max_lines: int = MAX_CUE_LINES) -> list[tuple[float, float, str]]:
    """Non-overlapping ``(start, end, text)`` cues: each shows the events active in it, one per line.

    An event is active from its onset for ``max(duration, min_duration)`` seconds; a background state (``Screen/*``,
    ``PlayerState/*``: the screen shown, the player's form) only for ``min_duration``, when it begins; the
    ``gym-retro_game`` row (the repetition itself) never.
    """
    spans = [(float(r.onset), float(r.onset) + (min_duration if str(r.trial_type).startswith(voc.STATE_PREFIXES)
                                                else max(float(r.duration), min_duration)), str(r.description))
             for r in events.itertuples() if r.trial_type not in voc.NOT_EVENTS]
    bounds = sorted({t for start, end, _ in spans for t in (start, end)})
    cues: list[tuple[float, float, str]] = []
    for start, end in zip(bounds, bounds[1:]):
        active = [text for s, e, text in spans if s <= start and e >= end]
        if not active:
            continue
        lines = list(dict.fromkeys(active))  # drop repeats, keep order
        text = "\n".join(lines[:max_lines] + ([f"(+{len(lines) - max_lines} more)"] if len(lines) > max_lines else []))
        if cues and cues[-1][2] == text and math.isclose(cues[-1][1], start):
            cues[-1] = (cues[-1][0], end, text)
        else:
            cues.append((start, end, text))
    return cues


def _clock(seconds: float, separator: str) -> str:
    ms = int(round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def write_srt(events: pd.DataFrame, path: str | Path, min_duration: float = MIN_CUE_S) -> Path:
    """SubRip subtitles (pysrt) showing each event while it happens."""
    import pysrt

    subs = pysrt.SubRipFile()
    for index, (start, end, text) in enumerate(subtitle_cues(events, min_duration), start=1):
        subs.append(pysrt.SubRipItem(index=index, start=pysrt.SubRipTime(milliseconds=round(start * 1000)),
                                     end=pysrt.SubRipTime(milliseconds=round(end * 1000)), text=text))
    with atomic_output(path) as partial:
        subs.save(str(partial), encoding="utf-8")
    return Path(path)


def write_vtt(events: pd.DataFrame, path: str | Path, min_duration: float = MIN_CUE_S) -> Path:
    """WebVTT subtitles (webvtt-py) showing each event while it happens."""
    import webvtt

    vtt = webvtt.WebVTT()
    for start, end, text in subtitle_cues(events, min_duration):
        vtt.captions.append(webvtt.Caption(_clock(start, "."), _clock(end, "."), text))
    with atomic_output(path) as partial:
        vtt.save(str(partial))
    return Path(path)


def write_eaf(events: pd.DataFrame, path: str | Path, video: str | Path | None = None,
              fps: float = 60.0) -> Path:
    """ELAN annotation file (pympi): one tier per event family, linked to the run's mp4.

    Instantaneous events last one frame (ELAN needs end > start). Overlapping events of one family
    go to extra tiers named ``<family> 2``, ``<family> 3``... (ELAN tiers cannot overlap).
    """
    from pympi.Elan import Eaf

    eaf = Eaf(author="shinobi-tools")
    eaf.remove_tier("default")
    if video is not None:
        video = Path(video)
        eaf.add_linked_file(video.resolve().as_uri(), relpath=str(Path(video).name), mimetype="video/mp4")
    frame_ms = max(1, math.ceil(1000 / fps))
    lane_ends: dict[str, list[int]] = {}
    for row in events.sort_values(["onset", "duration"], kind="stable").itertuples():
        start = int(round(row.onset * 1000))
        end = max(int(round((row.onset + row.duration) * 1000)), start + frame_ms)
        family = str(row.family) if isinstance(row.family, str) else "events"
        ends = lane_ends.setdefault(family, [])
        lane = next((i for i, last in enumerate(ends) if last <= start), len(ends))
        tier = family if lane == 0 else f"{family} {lane + 1}"
        if lane == len(ends):
            ends.append(end)
            eaf.add_tier(tier)
        else:
            ends[lane] = end
        eaf.add_annotation(tier, start, end, f"{row.trial_type}: {row.description}")
    with atomic_output(path) as partial:
        eaf.to_file(str(partial))
    return Path(path)


#: Export formats beside the always-written events.tsv/.json and summary.json.
FORMATS = ("srt", "vtt", "eaf")


def export_run(
    frames_path: str | Path,
    game: GameDefinition | str,
    out_dir: str | Path,
    formats: tuple[str, ...] | list[str] = (),
    fps: float | None = None,
    options: dict | None = None,
    descriptions: str | Path | None = None,
    seed: int = 0,
    video: str | Path | None = None,
    vocabulary: str | None = None,
) -> dict[str, Path]:
    """Events of one run from a states parquet or variables JSON, written to ``out_dir``, in ``vocabulary``
    (``cneuromod``, the default, or ``legacy``).

    Writes ``<stem>_events.tsv``, ``<stem>_events.json`` and ``<stem>_summary.json`` (``<stem>``:
    the input name without ``_states``/``_variables`` and extension), plus ``<stem>.srt``/``.vtt``/
    ``.eaf`` for the requested ``formats``. Returns the written paths by kind. The summary's ``duration`` is at
    the input's own rate unless ``fps`` is given (60 Hz for CNeuroMod's files, as their published summaries).
    """
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise InputError(f"unknown export format(s) {', '.join(unknown)}; choose among {', '.join(FORMATS)}")
    if isinstance(game, str):
        game = get_game(game)
    if vocabulary is not None:
        game = game.for_vocabulary(vocabulary)
    table = read_frames(frames_path)
    stem = run_of(frames_path)
    events = extract_events(table, game, fps=fps, options=options,
                            descriptions=load_descriptions(game, descriptions), seed=seed, stem=stem)
    summary = summarize_run(table, events, game, fps or frame_rate(table), options)
    fps = events_fps(table, game, fps)
    out_dir = Path(out_dir)
    written = {
        "events": write_events_tsv(events, out_dir / f"{stem}_events.tsv"),
        "sidecar": write_events_json(events, game, fps, out_dir / f"{stem}_events.json"),
        "summary": write_summary(summary, out_dir / f"{stem}_summary.json"),
    }
    if "srt" in formats:
        written["srt"] = write_srt(events, out_dir / f"{stem}.srt")
    if "vtt" in formats:
        written["vtt"] = write_vtt(events, out_dir / f"{stem}.vtt")
    if "eaf" in formats:
        written["eaf"] = write_eaf(events, out_dir / f"{stem}.eaf", video=video, fps=fps)
    return written

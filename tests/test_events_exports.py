"""Exports of one run's events: BIDS TSV + sidecar, SRT, VTT and ELAN, each read back by its library."""

from __future__ import annotations

import json

import pandas as pd
import pysrt
import pytest
import webvtt
from pympi.Elan import Eaf

from shinobi_tools.events.exports import (
    events_sidecar,
    subtitle_cues,
    write_eaf,
    write_events_json,
    write_srt,
    write_vtt,
)
from shinobi_tools.events.extract import extract_events
from shinobi_tools.events.tsv import write_events_tsv
from shinobi_tools.events.variables import read_frames
from shinobi_tools.games import get_game
from shinobi_tools.replay.states import frame_rate


@pytest.fixture(scope="module")
def run(airstriker_states):
    table = read_frames(airstriker_states)
    return extract_events(table, get_game("airstriker")), frame_rate(table)


def test_tsv_and_sidecar(tmp_path, run):
    events, fps = run
    back = pd.read_csv(write_events_tsv(events, tmp_path / "r_events.tsv"), sep="\t", na_values="n/a")
    assert list(back.columns) == list(events.columns) and len(back) == len(events)
    assert back["onset"].tolist() == pytest.approx(events["onset"].tolist(), abs=5e-4)   # rounded to 1 ms
    sidecar = json.loads(write_events_json(events, get_game("airstriker"), fps, tmp_path / "r_events.json").read_text())
    assert set(events.columns) <= set(sidecar) and sidecar["SamplingFrequency"] == pytest.approx(59.922743)
    assert sidecar["trial_type"]["Levels"]["PlayerDied"] == "salient event" and sidecar["Vocabulary"] == "cneuromod"
    assert events_sidecar(events, get_game("airstriker"), fps)["onset"]["Units"] == "s"


def test_subtitles_open_in_their_readers(tmp_path, run):
    events, _ = run
    cues = subtitle_cues(events)
    assert all(a[1] <= b[0] for a, b in zip(cues, cues[1:]))  # no overlap: one cue on screen at a time
    srt = pysrt.open(str(write_srt(events, tmp_path / "r.srt")))
    vtt = webvtt.read(str(write_vtt(events, tmp_path / "r.vtt")))
    assert len(srt) == len(vtt) == len(cues)
    texts = "\n".join(c.text for c in vtt)
    for description in events.loc[events["trial_type"].isin(["PlayerDied", "EnemyDefeated"]), "description"]:
        assert description in texts
    assert "One game attempt" not in texts   # the gym-retro_game row is the repetition, not an event to show
    first = events[events["trial_type"] != "gym-retro_game"].iloc[0]
    assert srt[0].start.ordinal == round(first["onset"] * 1000) and srt[0].text.startswith(first["description"])


def test_elan_tiers_per_family_linked_to_video(tmp_path, run):
    events, fps = run
    eaf = Eaf(str(write_eaf(events, tmp_path / "r.eaf", video=tmp_path / "r.mp4", fps=fps)))
    families = set(events["family"])
    tiers = set(eaf.get_tier_names())
    assert families <= tiers and all(t.split(" ")[0] in families for t in tiers)
    assert sum(len(eaf.get_annotation_data_for_tier(t)) for t in tiers) == len(events)
    assert eaf.media_descriptors[0]["RELATIVE_MEDIA_URL"] == "r.mp4"
    for tier in tiers:  # ELAN tiers cannot hold overlapping annotations
        spans = sorted(a[:2] for a in eaf.get_annotation_data_for_tier(tier))
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))

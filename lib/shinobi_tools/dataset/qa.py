"""Questions and answers about one clip, from the run's emulator-derived events.

Each clip gets a dense-annotation question, one grounding question per salient event type and a
few point queries; answers follow :mod:`shinobi_tools.dataset.answers`. Times are relative to the clip start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shinobi_tools.dataset.answers import AnswerEvent, format_events, format_intervals, format_point_answer

DENSE_QUESTION = "List the gameplay events in this clip with their times."
#: Grounding questions per event type (both vocabularies); other types get "When does a <type> event happen?".
GROUNDING_QUESTIONS = {
    "EnemyDefeated": "When is an enemy defeated?",
    "PlayerDied": "When does the player die?",
    "PlayerDamaged": "When is the player damaged?",
    "HealthGained": "When does the player gain health?",
    "LifeGained": "When does the player gain a life?",
    "LevelCompleted": "When is the level completed?",
    "ProjectileAppeared/Shuriken": "When does the player throw a shuriken?",
    "ItemCollected/Shurikens": "When does the player pick up shurikens?",
    "Action/Attack": "When does the player attack?",
    "Action/Jump": "When does the player jump?",
    "Screen/Death": "When is the death screen shown?",
    "Screen/GameOver": "When is the game over screen shown?",
    "EnemyDestroyed": "When is an enemy destroyed?",
    "LifeLost": "When does the player lose a life?",
    "GameOver": "When does the game end?",
    "Kill": "When does the player kill an enemy?",
    "HealthLoss": "When does the player lose health?",
    "HealthGain": "When does the player gain health?",
    "Death": "When does the player die?",
    "FIRE": "When does the player fire?",
    "HIT": "When does the player attack?",
    "JUMP": "When does the player jump?",
}
#: A point query counts an instantaneous event as under way for this long (s).
POINT_WINDOW = 0.25


@dataclass(frozen=True)
class QAOptions:
    dense_types: tuple[str, ...] | None = None   # event types listed in dense answers; None = all
    grounding_types: tuple[str, ...] = ()        # one grounding question per type
    point_queries: int = 1
    seed: int = 0


def clip_events(events: pd.DataFrame, frame_start: int, frame_stop: int, fps: float,
                types: tuple[str, ...] | None = None) -> list[AnswerEvent]:
    """Events whose first frame lies in the clip, in clip-relative seconds (ends cut at the clip end)."""
    inside = events[(events["frame_start"] >= frame_start) & (events["frame_start"] < frame_stop)]
    if types is not None:
        inside = inside[inside["trial_type"].isin(types)]
    return [
        AnswerEvent(
            onset=(row.frame_start - frame_start) / fps,
            offset=(min(max(row.frame_stop, row.frame_start), frame_stop) - frame_start) / fps,
            trial_type=str(row.trial_type),
            description=str(row.description),
        )
        for row in inside.sort_values(["frame_start", "trial_type"]).itertuples()
    ]


def grounding_question(trial_type: str) -> str:
    return GROUNDING_QUESTIONS.get(trial_type, f"When does a {trial_type} event happen?")


def point_question(seconds: float) -> str:
    return f"What is happening at {seconds:.2f}s?"


def clip_turns(events: list[AnswerEvent], length: float, options: QAOptions,
               rng: np.random.Generator) -> list[dict[str, str]]:
    """The question-answer turns of one clip."""
    dense = [e for e in events if options.dense_types is None or e.trial_type in options.dense_types]
    turns = [{"question": DENSE_QUESTION, "answer": format_events(dense)}]
    for trial_type in options.grounding_types:
        intervals = [(e.onset, e.offset) for e in events if e.trial_type == trial_type]
        turns.append({"question": grounding_question(trial_type), "answer": format_intervals(intervals)})
    for _ in range(options.point_queries):
        if events and rng.random() < 0.5:
            event = events[int(rng.integers(len(events)))]
            moment = event.onset + rng.random() * max(event.offset - event.onset, 0.0)
        else:
            moment = rng.random() * length
        moment = round(float(moment), 2)
        under_way = [e.description for e in events if e.onset <= moment <= max(e.offset, e.onset + POINT_WINDOW)]
        turns.append({"question": point_question(moment), "answer": format_point_answer(under_way)})
    return turns


def run_records(run: str, plan: pd.DataFrame, events: pd.DataFrame, fps: float, options: QAOptions,
                video_folder: str) -> list[dict]:
    """One record per planned clip: id, run, video (``video_folder/<clip>.mp4``), frames, turns, events."""
    rng = np.random.default_rng([options.seed, *map(ord, run)])
    records = []
    for row in plan.itertuples():
        in_clip = clip_events(events, row.frame_start, row.frame_stop, fps)
        length = (row.frame_stop - row.frame_start) / fps
        records.append({
            "id": row.clip,
            "run": run,
            "video": f"{video_folder}/{row.clip}.mp4",
            "frame_start": int(row.frame_start),
            "frame_stop": int(row.frame_stop),
            "kind": row.kind,
            "fps": fps,
            "turns": clip_turns(in_clip, length, options, rng),
            "events": [
                {"onset": round(e.onset, 4), "offset": round(e.offset, 4), "trial_type": e.trial_type,
                 "description": e.description}
                for e in in_clip
            ],
        })
    return records

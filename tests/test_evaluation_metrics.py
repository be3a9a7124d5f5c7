import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shinobi_tools.evaluation.metrics import evaluate, match_onsets, metrics_json

events_strategy = st.lists(
    st.tuples(st.floats(0, 100, allow_nan=False), st.sampled_from(["FIRE", "LifeLost", "EnemyDestroyed"])),
    min_size=1, max_size=30,
)


def table(pairs, duration=0.2):
    return pd.DataFrame({"onset": [p[0] for p in pairs], "trial_type": [p[1] for p in pairs], "duration": duration})


def rows(result, event_type, tolerance):
    return result[(result.event_type == event_type) & (result.tolerance == tolerance)].iloc[0]


@settings(max_examples=60, deadline=None)
@given(events_strategy)
def test_identical_inputs_score_one(pairs):
    truth = table(pairs)
    result = evaluate(truth, truth.copy(), salient=["LifeLost", "EnemyDestroyed"])
    assert np.allclose(result["f1"], 1.0)
    assert np.allclose(result["onset_mae"].dropna(), 0.0)


separated_events = st.lists(
    st.tuples(st.integers(0, 50).map(lambda i: i * 20.0), st.sampled_from(["FIRE", "LifeLost"])),
    min_size=1, max_size=20, unique_by=lambda p: p[0],
)


@settings(max_examples=60, deadline=None)
@given(separated_events, st.floats(0.01, 5))
def test_shifting_beyond_the_tolerance_scores_zero(pairs, extra):
    truth = table(pairs)
    tolerance = 0.5
    shifted = truth.assign(onset=truth["onset"] + tolerance + extra)
    result = evaluate(truth, shifted, tolerances=(tolerance,))
    assert (result["f1"] == 0).all() and (result["tp"] == 0).all()


def test_empty_predictions_give_zero_recall_without_dividing_by_zero():
    truth = table([(1.0, "FIRE"), (2.0, "LifeLost")])
    result = evaluate(truth, pd.DataFrame(columns=["onset", "trial_type"]), tolerances=(0.5,), salient=["LifeLost"])
    assert (result["recall"] == 0).all() and (result["precision"] == 0).all() and (result["f1"] == 0).all()
    assert rows(result, "ALL", 0.5)["n_true"] == 2
    assert evaluate(pd.DataFrame(columns=["onset", "trial_type"]), truth, tolerances=(0.5,))["recall"].eq(0).all()


def test_matching_is_one_to_one_and_maximal():
    # A greedy nearest match would pair 1.0 with 1.3 and leave 1.6 unmatched.
    matching = match_onsets(np.array([1.0, 1.6]), np.array([1.3, 0.9]), tolerance=0.4)
    assert sorted(zip(matching.truth, matching.pred)) == [(0, 1), (1, 0)]
    assert len(match_onsets(np.array([1.0]), np.array([1.1, 0.95]), 0.5).truth) == 1


def test_per_type_micro_macro_salient_and_runs():
    truth = pd.DataFrame({"onset": [1.0, 2.0, 3.0, 1.0], "trial_type": ["FIRE", "FIRE", "LifeLost", "FIRE"],
                          "run": ["a", "a", "a", "b"], "duration": [0.1, 0.1, 1.0, 0.1]})
    pred = pd.DataFrame({"onset": [1.1, 3.2, 5.0, 2.0], "trial_type": ["FIRE", "LifeLost", "LifeLost", "FIRE"],
                         "run": ["a", "a", "a", "b"], "duration": [0.1, 1.0, 1.0, 0.1]})
    result = evaluate(truth, pred, tolerances=(0.5,), salient=["LifeLost"])
    fire, life = rows(result, "FIRE", 0.5), rows(result, "LifeLost", 0.5)
    # run b's FIRE at 2.0 must not match run a's FIRE at 2.0.
    assert (fire.tp, fire.n_true, fire.n_pred) == (1, 3, 2)
    assert fire.precision == pytest.approx(0.5) and fire.recall == pytest.approx(1 / 3)
    assert (life.tp, life.precision, life.recall) == (1, 0.5, 1.0)
    assert life.onset_mae == pytest.approx(0.2) and life.iou == pytest.approx(0.8 / 1.2)
    assert rows(result, "ALL", 0.5).f1 == pytest.approx(2 * 2 / (4 + 4))
    assert rows(result, "MACRO", 0.5).f1 == pytest.approx((fire.f1 + life.f1) / 2)
    assert rows(result, "SALIENT", 0.5).f1 == pytest.approx(life.f1)
    as_json = metrics_json(result)
    assert as_json["tolerances"] == [0.5] and set(as_json["overall"]["0.5"]) == {"precision", "recall", "f1"}
    assert as_json["per_type"]["LifeLost"]["0.5"]["recall"] == 1.0


def test_hierarchical_types_spans_and_the_container_row():
    """CNeuroMod's vocabulary: onsets decide the matches (F1); durational true events also score their spans;
    the gym-retro_game row (the repetition itself) and the excluded types are never scored."""
    truth = pd.DataFrame({
        "onset": [0.0, 0.0, 5.0, 7.0, 9.0],
        "duration": [30.0, 0.0, 2.0, 0.0, 0.5],
        "trial_type": ["gym-retro_game", "LevelStarted", "Screen/Death", "EnemyDefeated", "Action/Up"],
    })
    pred = pd.DataFrame({"onset": [5.2, 7.1, 20.0], "duration": [1.0, 0.0, 3.0],
                         "trial_type": ["Screen/Death", "EnemyDefeated", "gym-retro_game"]})
    result = evaluate(truth, pred, tolerances=(0.5,), exclude=["Action/Up"])
    assert set(result["event_type"]) == {"LevelStarted", "Screen/Death", "EnemyDefeated", "ALL", "MACRO"}
    death, kill = rows(result, "Screen/Death", 0.5), rows(result, "EnemyDefeated", 0.5)
    assert death.f1 == 1.0 and death.onset_mae == pytest.approx(0.2)
    assert death.iou == pytest.approx(1.0 / 2.0) and death.offset_mae == pytest.approx(0.8)  # [5.2, 6.2] vs [5, 7]
    assert kill.f1 == 1.0 and np.isnan(kill.iou) and np.isnan(kill.offset_mae)  # point events: no span to score
    assert rows(result, "ALL", 0.5)[["tp", "n_true", "n_pred"]].tolist() == [2, 3, 2]

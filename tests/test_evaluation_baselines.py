import numpy as np
import pandas as pd
import pytest

from shinobi_tools.evaluation.baselines import event_rates, periodic_events, prior_events


def test_rates_and_baseline_counts_follow_the_training_rate():
    train = pd.DataFrame({"trial_type": ["FIRE"] * 60 + ["LifeLost"] * 6, "duration": [0.1] * 60 + [1.4] * 6})
    rates = event_rates(train, train_seconds=60.0)
    assert rates.loc["FIRE", "rate"] == pytest.approx(1.0) and rates.loc["LifeLost", "duration"] == pytest.approx(1.4)
    prior = prior_events(rates, seconds=600, seed=1)
    assert abs((prior["trial_type"] == "FIRE").sum() - 600) < 100
    assert prior.equals(prior_events(rates, seconds=600, seed=1))
    assert prior["onset"].between(0, 600).all()
    grid = periodic_events(rates, seconds=100)
    fire = grid[grid["trial_type"] == "FIRE"]["onset"].to_numpy()
    assert len(fire) == 100 and np.allclose(np.diff(fire), 1.0)
    assert (grid[grid["trial_type"] == "LifeLost"]["duration"] == 1.4).all()

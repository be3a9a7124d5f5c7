import pytest

from shinobi_tools.dataset.splits import assign_splits
from shinobi_tools.errors import InputError
from shinobi_tools.naming import parse_run_name

RUNS = [
    parse_run_name(f"sub-{s:02d}_ses-{ses:03d}_task-airstriker_run-{r:02d}_level-1_rep-01")
    for s in range(1, 5) for ses in (1, 2) for r in (1, 2)
]


@pytest.mark.parametrize("by", ["run", "subject", "session"])
def test_groups_never_straddle_splits(by):
    table = assign_splits(RUNS, by=by, seed=3)
    assert sorted(table["run"]) == sorted(r.stem for r in RUNS)
    assert set(table["split"]) == {"train", "val", "test"}
    key = {"run": lambda r: r.stem, "subject": lambda r: r.subject, "session": lambda r: (r.subject, r.session)}[by]
    split_of = dict(zip(table["run"], table["split"]))
    groups = {}
    for run in RUNS:
        groups.setdefault(key(run), set()).add(split_of[run.stem])
    assert all(len(splits) == 1 for splits in groups.values())


def test_seeded_sized_and_stable_when_runs_are_added():
    first = assign_splits(RUNS, seed=1)
    assert first.equals(assign_splits(RUNS, seed=1))
    assert not first.equals(assign_splits(RUNS, seed=2))
    counts = first["split"].value_counts()
    assert counts["train"] > counts["val"] >= 1 and counts["test"] >= 1
    more = RUNS + [parse_run_name(f"sub-09_ses-001_task-airstriker_run-{r:02d}") for r in range(1, 30)]
    grown = assign_splits(more, seed=1).set_index("run")["split"]
    assert all(grown[run] == split for run, split in zip(first["run"], first["split"]))


def test_every_split_gets_a_group_when_possible():
    for seed in range(20):
        assert set(assign_splits(RUNS[:3], seed=seed)["split"]) == {"train", "val", "test"}


def test_explicit_lists():
    stems = [r.stem for r in RUNS]
    table = assign_splits(RUNS, by="explicit", explicit={"test": stems[:2], "val": [stems[2]]})
    assert table.set_index("run").loc[stems[0], "split"] == "test"
    assert (table["split"] == "train").sum() == len(RUNS) - 3
    with pytest.raises(InputError, match="listed in two splits"):
        assign_splits(RUNS, by="explicit", explicit={"test": stems[:1], "val": stems[:1]})
    with pytest.raises(InputError, match="not in the dataset: sub-99"):
        assign_splits(RUNS, by="explicit", explicit={"test": ["sub-99_ses-001_task-x_run-01"]})


def test_bad_options():
    with pytest.raises(InputError, match="unknown split grouping"):
        assign_splits(RUNS, by="level")
    with pytest.raises(InputError, match="no runs"):
        assign_splits([])

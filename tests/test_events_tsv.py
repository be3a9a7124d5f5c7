import pandas as pd

from shinobi_tools.events.tsv import event_counts


def test_counts_per_type_per_run(tmp_path):
    a = tmp_path / "sub-01_ses-001_task-x_run-01_events.tsv"
    b = tmp_path / "sub-02_ses-001_task-x_run-01_events.tsv"
    pd.DataFrame({"onset": [0.1, 0.2, 0.5], "trial_type": ["FIRE", "FIRE", "LifeLost"]}).to_csv(a, sep="\t", index=False)
    pd.DataFrame({"onset": [1.0], "trial_type": ["EnemyDestroyed"]}).to_csv(b, sep="\t", index=False)
    table = event_counts([b, a])
    assert table.columns.tolist() == ["run", "EnemyDestroyed", "FIRE", "LifeLost"]
    assert table.values.tolist() == [
        ["sub-01_ses-001_task-x_run-01", 0, 2, 1],
        ["sub-02_ses-001_task-x_run-01", 1, 0, 0],
    ]


def test_a_table_without_events_reads_back(tmp_path):
    """A model that finds nothing writes the header alone; reading it back is not an error."""
    import pandas as pd

    from shinobi_tools.events.tsv import read_events_tsv, write_events_tsv

    path = write_events_tsv(pd.DataFrame(columns=["onset", "duration", "trial_type"]), tmp_path / "r_events.tsv")
    assert read_events_tsv(path).empty
    (tmp_path / "bad_events.tsv").write_text("onset\tduration\ttrial_type\nsoon\t1\tA\n")
    import pytest

    from shinobi_tools.errors import InputError

    with pytest.raises(InputError, match="column onset holds non-numbers"):
        read_events_tsv(tmp_path / "bad_events.tsv")


def test_a_header_alone_is_an_empty_events_table(tmp_path):
    """A model that found nothing writes the header only; later stages read it as no events."""
    from shinobi_tools.events.tsv import read_events_tsv

    path = tmp_path / "sub-01_ses-001_task-x_run-01_events.tsv"
    path.write_text("onset\tduration\ttrial_type\tdescription\n")
    table = read_events_tsv(path)
    assert table.empty and table["onset"].dtype == float and table["duration"].dtype == float

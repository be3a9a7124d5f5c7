import pytest

from shinobi_tools.errors import InputError
from shinobi_tools.naming import find_runs, parse_run_name


def test_parses_cneuromod_names_with_any_suffix():
    run = parse_run_name("sub-01_ses-003_task-shinobi_run-01_level-1_rep-01_variables.json.gz")
    assert (run.subject, run.session, run.task, run.run, run.level, run.rep) == ("01", "003", "shinobi", "01", "1", "01")
    assert run.stem == "sub-01_ses-003_task-shinobi_run-01_level-1_rep-01"
    assert str(run.folder) == "sub-01/ses-003/gamelogs"


def test_level_and_rep_are_optional():
    run = parse_run_name("sub-02_ses-001_task-airstriker_run-03.bk2")
    assert run.level is None and run.rep is None
    assert run.stem == "sub-02_ses-001_task-airstriker_run-03"


def test_rejects_other_names():
    with pytest.raises(InputError, match="not a BIDS-like run name"):
        parse_run_name("Airstriker-Genesis-best.bk2")


def test_find_runs_includes_broken_symlinks_and_ignores_others(tmp_path):
    folder = tmp_path / "sub-01" / "ses-001" / "gamelogs"
    folder.mkdir(parents=True)
    (folder / "sub-01_ses-001_task-x_run-02_level-1_rep-01.bk2").write_bytes(b"")
    (folder / "sub-01_ses-001_task-x_run-01_level-1_rep-01.bk2").symlink_to(tmp_path / "missing-annex-object")
    (folder / "notes.bk2").write_bytes(b"")
    (folder / "sub-01_ses-001_task-x_run-01_level-1_rep-01_summary.json").write_text("{}")
    runs = find_runs(tmp_path)
    assert [r.stem for r in runs] == [
        "sub-01_ses-001_task-x_run-01_level-1_rep-01",
        "sub-01_ses-001_task-x_run-02_level-1_rep-01",
    ]


def test_find_runs_on_missing_folder(tmp_path):
    with pytest.raises(InputError, match="dataset folder not found"):
        find_runs(tmp_path / "nope")

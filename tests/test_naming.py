import pytest

from shinobi_tools.errors import InputError
from shinobi_tools.naming import discover_runs, parse_run_name


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


def test_discovery_keeps_annexed_files_and_names_what_it_ignores(tmp_path):
    folder = tmp_path / "sub-01" / "ses-001" / "gamelogs"
    folder.mkdir(parents=True)
    (folder / "sub-01_ses-001_task-x_run-02_level-1_rep-01.bk2").write_bytes(b"")
    (folder / "sub-01_ses-001_task-x_run-01_level-1_rep-01.bk2").symlink_to(tmp_path / "missing-annex-object")
    (folder / "notes.bk2").write_bytes(b"")
    (folder / "sub-02_ses-009_task-x_run-01.bk2").write_bytes(b"")          # another session's file
    (folder / "sub-01_ses-001_task-x_run-01_level-1_rep-01_summary.json").write_text("{}")
    (tmp_path / "sub-01_ses-001_task-x_run-03.bk2").write_bytes(b"")       # outside the layout
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "sub-01_ses-001_task-x_run-04.bk2").write_bytes(b"")   # hidden folders are not data
    found = discover_runs(tmp_path)
    assert [r.stem for r in found.runs] == [
        "sub-01_ses-001_task-x_run-01_level-1_rep-01",
        "sub-01_ses-001_task-x_run-02_level-1_rep-01",
    ]
    reasons = {path.name: reason for path, reason in found.ignored}
    assert set(reasons) == {"notes.bk2", "sub-02_ses-009_task-x_run-01.bk2", "sub-01_ses-001_task-x_run-03.bk2"}
    assert "name is not" in reasons["notes.bk2"]
    assert reasons["sub-02_ses-009_task-x_run-01.bk2"] == "in the wrong folder: its name says sub-02/ses-009/gamelogs"
    assert reasons["sub-01_ses-001_task-x_run-03.bk2"] == "in the wrong folder: its name says sub-01/ses-001/gamelogs"
    warning = found.warning()
    assert warning.startswith("warning: 3 file(s) ignored: ") and str(folder / "notes.bk2") in warning
    # A plain folder cannot fetch annexed content: such files are ignored, with the fix.
    plain = discover_runs(tmp_path, annexed_ok=False)
    assert [r.stem for r in plain.runs] == ["sub-01_ses-001_task-x_run-02_level-1_rep-01"]
    assert any("annexed without content" in reason for _, reason in plain.ignored)
    assert discover_runs(folder.parent.parent.parent / "sub-01" / "ses-001").runs == []


def test_discovery_on_missing_folder(tmp_path):
    with pytest.raises(InputError, match="dataset folder not found"):
        discover_runs(tmp_path / "nope")

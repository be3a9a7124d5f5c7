"""notebooks/explore.ipynb runs top to bottom on a run made by the test."""

import nbformat
import pytest
from nbclient import NotebookClient

from shinobi_tools.events.exports import export_run
from shinobi_tools.replay.run import replay_bk2

from conftest import REPO_ROOT


@pytest.mark.slow
def test_explore_notebook_executes(make_airstriker_bk2, tmp_path, monkeypatch):
    results = tmp_path / "results"
    replay = replay_bk2(make_airstriker_bk2(frames=600, seed=2), results / "replay", progress=False)
    export_run(replay.states, "airstriker", results / "events")
    monkeypatch.setenv("SHINOBI_RESULTS", str(results))
    notebook = nbformat.read(REPO_ROOT / "notebooks" / "explore.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert (tmp_path / "timeline.png").exists()

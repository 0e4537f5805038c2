"""Jobs and devices panels show the engine's state and send the user's actions."""

from app.widgets.devices_panel import DevicesPanel
from app.widgets.jobs_panel import JobsPanel, format_eta


def _jobs():
    return {
        "a": {"id": "a", "kind": "video.generate", "name": "film", "status": "running", "progress": 0.42,
              "stage": "denoising step 3/8", "eta_s": 75, "created": 2, "started": 3, "devices": ["cpu:0"]},
        "b": {"id": "b", "kind": "video.generate", "name": "old", "status": "interrupted", "progress": 0.5,
              "created": 1, "devices": []},
    }


def test_jobs_panel_rows_and_actions(qtbot):
    panel = JobsPanel()
    qtbot.addWidget(panel)
    panel.set_jobs(_jobs())
    assert panel.table.rowCount() == 2
    assert panel.table.item(0, 0).text() == "film"                  # newest first
    assert panel.table.item(0, 1).text() == "running · denoising step 3/8"
    assert panel.table.cellWidget(0, 2).value() == 420
    assert panel.table.item(0, 3).text() == "1:15"
    panel.table.selectRow(0)
    assert panel.buttons["cancel"].isEnabled() and not panel.buttons["resume"].isEnabled()
    with qtbot.waitSignal(panel.action_requested) as sent:
        panel.buttons["cancel"].click()
    assert sent.args == ["a", "cancel"]
    panel.table.selectRow(1)
    assert panel.buttons["resume"].isEnabled() and panel.buttons["retry"].isEnabled()
    jobs = _jobs()
    jobs["a"]["status"] = "completed"
    panel.set_jobs(jobs)                                             # the selection survives updates
    assert panel.selected_job()["id"] == "b"
    assert format_eta(None) == "" and format_eta(9.6) == "10s"


def test_devices_panel_shows_memory_and_running_job(qtbot):
    panel = DevicesPanel()
    qtbot.addWidget(panel)
    devices = [{"id": "cpu:0", "kind": "cpu", "name": "CPU slot 0"},
               {"id": "cuda:0", "kind": "cuda", "name": "H200", "total_memory_bytes": 141 * 2**30,
                "free_memory_bytes": 100 * 2**30}]
    panel.set_devices(devices, _jobs())
    assert panel.table.item(0, 3).text() == "film"
    assert panel.table.item(1, 2).text() == "41.0 / 141.0 GiB"
    assert panel.summary.text() == "2 device(s), 1 busy"

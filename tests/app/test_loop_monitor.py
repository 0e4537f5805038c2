"""The loop monitor sees a slot that hogs the UI thread, in CPU time and in heartbeat gaps."""

import time

from PySide6.QtCore import QTimer

from app.loop_monitor import LoopMonitor


def _burn_cpu(seconds: float) -> None:
    start = time.thread_time()
    while time.thread_time() - start < seconds:
        pass


def test_a_blocking_slot_shows_up(qtbot):
    with LoopMonitor() as loop:
        qtbot.wait(100)
        QTimer.singleShot(0, lambda: _burn_cpu(0.06))
        qtbot.wait(300)
    assert loop.worst_busy_s >= 0.06
    assert loop.worst_gap_s >= 0.06
    quiet = sorted(loop.busy)[len(loop.busy) // 2]
    assert quiet < 0.005

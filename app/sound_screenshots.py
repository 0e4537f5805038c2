"""The sound half of ``noiseloom screenshots``: ``soundscape.png``, ``audio.png`` and ``spatial.png``.

With the window's engine connected: the example street recording is imported, a masker search runs on
the engine, the best masker is auditioned and applied (``soundscape.png``: the ranking, the
pleasantness-vs-gain curves, the circumplex; ``audio.png``: the tracks with the street and the masker,
the spectrogram of the street); then a fly-by and a static fountain are
placed in space, rendered to FOA and verified (``spatial.png``: the paths, the estimated directions and
the SELD metrics). The window's docks are put back as they were afterwards.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter

from app.theme import resources_dir

STREET = resources_dir() / "examples" / "traffic_street.flac"


def _wait_job(job, timeout_s: float, what: str) -> None:
    from app.screenshots import ScreenshotError, wait_for

    errors: list[str] = []
    job.failed.connect(errors.append)
    wait_for(lambda: not job.running or bool(errors), timeout_s, what)
    if errors:
        raise ScreenshotError(f"{what} failed: {errors[0]}")


def sound_screenshots(window, out_dir: Path, timeout_s: float = 300.0) -> list[Path]:
    """Write ``soundscape.png``, ``audio.png`` and ``spatial.png`` of ``window`` (connected to an engine) to ``out_dir``."""
    from app.screenshots import ScreenshotError, grab

    sound = window.sound
    state = window.saveState()
    for dock in window.findChildren(type(sound.dock)):
        if dock is not sound.dock:
            dock.hide()
    central = window.centralWidget()
    if isinstance(central, QSplitter):       # the preview and the timeline give the panels room
        central.setSizes([150, 190])
    room = window.height() - window.centralWidget().minimumSizeHint().height() - 120
    window.resizeDocks([sound.dock], [max(300, room)], Qt.Orientation.Vertical)
    written = []

    panel = sound.soundscape
    sound.tabs.setCurrentWidget(panel)
    panel.import_soundscape(STREET)
    if not panel.search():
        raise ScreenshotError(panel.status.text())
    _wait_job(panel.search_job, timeout_s, "the masker search")
    if not panel.audition():
        raise ScreenshotError(panel.status.text())
    _wait_job(panel.render_job, timeout_s, "the audition render")
    panel.apply()
    window.timeline.set_playhead(12.0)
    written.append(grab(window, Path(out_dir) / "soundscape.png"))

    sound.tabs.setCurrentWidget(sound.audio)
    window.timeline.set_selection([panel.soundscape_clip().id])
    written.append(grab(window, Path(out_dir) / "audio.png"))

    spatial = sound.spatial
    sound.tabs.setCurrentWidget(spatial)
    spatial.set_setting("duration", 8.0)
    spatial.add_source("rain_light", "a car passing from left to right slowly")
    spatial.add_source("fountain", "a fountain front right close")
    spatial.set_setting("format", "foa")
    if not spatial.verify():
        raise ScreenshotError(spatial.status.text())
    _wait_job(spatial.job, timeout_s, "the spatial render and verification")
    window.timeline.set_playhead(2.6)
    written.append(grab(window, Path(out_dir) / "spatial.png"))
    window.restoreState(state)
    sound.tabs.setCurrentWidget(sound.audio)
    return written

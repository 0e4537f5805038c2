"""The sound half of ``noiseloom screenshots``: ``soundscape.png``, ``audio.png`` and ``spatial.png``.

With the window's engine connected: the example street recording is imported, a masker search runs on
the engine, the best masker is auditioned and applied (``soundscape.png``: the ranking, the
pleasantness-vs-gain curves, the circumplex; ``audio.png``: the tracks with the street and the masker,
the spectrogram of the street); then a fly-by and a static fountain are
placed in space, rendered to FOA and verified (``spatial.png``: the paths, the estimated directions and
the SELD metrics, the keyframes on the timeline's Spatial lane with the fly-by's middle one selected).
The video preview is hidden meanwhile to give the panels room; the window's docks are put back as they were
afterwards.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QSplitter

from app.theme import resources_dir

STREET = resources_dir() / "examples" / "traffic_street.flac"


def _wait_panel(panel, timeout_s: float, what: str) -> None:
    """Until a sound panel's work has ended (its ``busy``: engine jobs and the file work after them);
    a failure it reports (``message``) ends the wait with that message."""
    from app.screenshots import ScreenshotError, wait_for

    errors: list[str] = []
    panel.message.connect(errors.append)
    wait_for(lambda: not panel.busy or bool(errors), timeout_s, what)
    if errors:
        raise ScreenshotError(f"{what} failed: {errors[0]}")


def sound_screenshots(window, out_dir: Path, timeout_s: float = 300.0) -> list[Path]:
    """Write ``soundscape.png``, ``audio.png`` and ``spatial.png`` of ``window`` (connected to an engine) to ``out_dir``."""
    from app.screenshots import ScreenshotError, grab, wait_for

    sound = window.sound
    state = window.saveState()
    for dock in window.findChildren(type(sound.dock)):
        if dock is not sound.dock:
            dock.hide()
    central = window.centralWidget()
    preview = central.widget(0) if isinstance(central, QSplitter) else None
    if preview is not None:                  # no video here: the preview steps aside, the panels get room
        preview.hide()
        QCoreApplication.processEvents()
    room = window.height() - window.timeline.minimumHeight() - 150
    window.resizeDocks([sound.dock], [max(300, room)], Qt.Orientation.Vertical)
    written = []

    panel = sound.soundscape
    sound.tabs.setCurrentWidget(panel)
    panel.import_soundscape(STREET)
    wait_for(lambda: bool(panel.masker_bank.entries), timeout_s, "the engine's masker bank")
    if not panel.search():
        raise ScreenshotError(panel.status.text())
    _wait_panel(panel, timeout_s, "the masker search")
    if not panel.audition():
        raise ScreenshotError(panel.status.text())
    _wait_panel(panel, timeout_s, "the audition render")
    if panel.apply() is None:
        raise ScreenshotError(panel.status.text())
    window.timeline.set_playhead(12.0)
    overviews = window.timeline.lanes.overviews
    wait_for(lambda: all(overviews.get(c.path) is not None for t in window.project.audio.tracks for c in t),
             timeout_s, "the waveforms")
    written.append(grab(window, Path(out_dir) / "soundscape.png"))

    sound.tabs.setCurrentWidget(sound.audio)
    window.timeline.set_selection([panel.soundscape_clip().id])
    written.append(grab(window, Path(out_dir) / "audio.png"))

    spatial = sound.spatial
    sound.tabs.setCurrentWidget(spatial)
    spatial.set_setting("duration", 8.0)
    fly_by = spatial.add_source("rain_light", "a car passing from left to right slowly")
    spatial.add_source("fountain", "a fountain front right close")
    spatial.set_setting("format", "foa")
    if not spatial.verify():
        raise ScreenshotError(spatial.status.text())
    _wait_panel(spatial, timeout_s, "the spatial render and verification")
    window.timeline.select_spatial_key(fly_by, len(fly_by.trajectory) // 2)
    written.append(grab(window, Path(out_dir) / "spatial.png"))
    window.restoreState(state)
    if preview is not None:
        preview.show()
    sound.tabs.setCurrentWidget(sound.audio)
    return written

"""``noiseloom screenshots --out DIR``: the studio's main views rendered offscreen to PNG.

A real session, not a mock-up: the main window starts a private local engine, shows the empty project
(``main-empty.png``), loads the example project, generates it with the builtin model, captures the
window while blocks are in flight (``main-running.png``) and once the whole video is back
(``main-video.png``); before the video, the sound panels after a masker search and a verified
spatial render (``soundscape.png``, ``audio.png``, ``spatial.png``, see ``app.sound_screenshots``).
Every image is 1600x960 (at least the 1280x800 the README needs).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from engine.resources import resources_dir

EXAMPLE = resources_dir() / "examples" / "shapes-day.nloom"
SIZE = (1600, 960)
ENDED = ("completed", "failed", "canceled", "interrupted")


class ScreenshotError(RuntimeError):
    """The session behind the screenshots did not get where it had to (engine, generation)."""


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Run the event loop until ``condition()``; raises ``ScreenshotError`` naming ``what`` on timeout."""
    from app.loop_monitor import run_until

    if not run_until(condition, timeout_s):
        raise ScreenshotError(f"timed out after {timeout_s:.0f}s waiting for {what}")


def _check_not_failed(window) -> None:
    gen = window.generation
    if gen.status in ENDED and gen.status != "completed":
        job = window.client.jobs.get(gen.job_id or "", {})
        raise ScreenshotError(f"the generation ended {gen.status}: {job.get('error') or 'no reason given'}")


def grab(window, path: Path) -> Path:
    """Render ``window`` to ``path`` (PNG)."""
    from PySide6.QtCore import QCoreApplication

    for _ in range(5):
        QCoreApplication.processEvents()
    if not window.grab().save(str(path), "PNG"):
        raise ScreenshotError(f"could not write {path}")
    return path


def render_screenshots(out_dir: Path, devices: str = "cpu:2", timeout_s: float = 900.0,
                       project: Path = EXAMPLE) -> list[Path]:
    """Write ``main-empty.png``, the sound panels' ``soundscape.png``, ``audio.png`` and ``spatial.png``,
    then ``main-running.png`` and ``main-video.png`` to ``out_dir``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow
    from app.sound_screenshots import sound_screenshots
    from app.theme import apply_theme

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(["noiseloom-screenshots"])
    apply_theme(app)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="noiseloom-shots-") as tmp:
        root = Path(tmp)
        window = MainWindow(settings=QSettings(str(root / "studio.ini"), QSettings.Format.IniFormat),
                            autosave_dir=root / "autosave", cache_dir=root / "cache")
        window.confirm_close = False
        window.resize(*SIZE)
        window.show()
        try:
            window.client.start_local(root / "engine", devices)
            wait_for(lambda: window.client.state == "connected", 120, "the local engine")
            written.append(grab(window, out_dir / "main-empty.png"))
            written += sound_screenshots(window, out_dir, timeout_s)    # needs no video model

            if not window.open_project(project):
                raise ScreenshotError(window.last_error)
            window.timeline.zoom_fit()
            if not window.generate():
                raise ScreenshotError(window.statusBar().currentMessage())
            gen = window.generation
            def mid_run() -> bool:
                """A third of the blocks are done, some of their frames on the filmstrip, more to come."""
                done = sum(b.state == "done" for b in gen.blocks)
                return gen.status == "running" and bool(gen.frames) and len(gen.blocks) / 3 <= done < len(gen.blocks)

            wait_for(lambda: mid_run() or gen.status in ENDED, timeout_s, "the generation to be well under way")
            _check_not_failed(window)
            running = next((b for b in gen.blocks if b.state == "running"), gen.blocks[0])
            window.timeline.set_playhead(running.start / gen.fps)
            written.append(grab(window, out_dir / "main-running.png"))

            wait_for(lambda: gen.status in ENDED, timeout_s, "the generation")
            _check_not_failed(window)
            wait_for(lambda: not window.loader.busy and len(gen.frames) >= gen.total_frames, 120,
                  "the video's frames")
            window.side_tabs.setCurrentIndex(0)
            clips = window.project.prompt_track.clips
            window.timeline.set_selection([clips[len(clips) // 2].id])
            window.timeline.set_playhead(clips[len(clips) // 2].start + 0.5)
            written.append(grab(window, out_dir / "main-video.png"))
        finally:
            window.close()
            window.deleteLater()
            app.processEvents()
    return written

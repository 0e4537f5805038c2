"""One studio window's generations: submitting the project, following the current job, fetching its
video into the generation state, cancel / retry / resume, and export.

It talks to the engine only through ``EngineClient`` and reports to the window through signals
(messages for the status bar, whether Cancel applies, a generation that started).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices

from app.client import EngineClient
from app.export import ExportTask, Soundtrack, export_package, sidecar
from app.project.jobspec import (
    ProjectNotReady,
    add_regeneration,
    check_request,
    expected_frames,
    project_to_request,
    temporal_factor,
)
from app.project.model import Project
from app.project.snap import frame_of
from app.video_frames import VIDEO_SUFFIXES, FrameLoader
from app.widgets.generation import GenerationState

ENDED = ("completed", "failed", "canceled", "interrupted")


class GenerationSession(QObject):
    message = Signal(str, int)          # text, milliseconds to show it
    cancel_possible = Signal(bool)
    started = Signal(str)               # job id
    video_ready = Signal(int)           # frames

    def __init__(self, client: EngineClient, cache_dir: Path, parent: QObject | None = None):
        super().__init__(parent)
        self.client = client
        self.cache_dir = Path(cache_dir)
        self.generation = GenerationState(self)
        self.loader = FrameLoader(self)
        self.loader.frames_loaded.connect(self.generation.set_frames)
        self.loader.finished.connect(self._frames_finished)
        self.current_job: str | None = None
        self.current_request: dict[str, Any] | None = None
        self.video_file: Path | None = None
        self._ended: str | None = None       # the job whose end was handled (once per job)
        client.event.connect(self.generation.on_event)
        client.event.connect(self._on_event)
        client.preview.connect(self.generation.on_preview)
        client.jobs_changed.connect(self._catch_up)

    def _say(self, text: str, ms: int = 6000) -> None:
        self.message.emit(text, ms)

    def generate(self, project: Project, playhead: float, from_playhead: bool = False) -> bool:
        """Send ``project`` to the engine; ``from_playhead`` keeps the whole blocks before ``playhead``."""
        try:
            request = project_to_request(project)
        except ProjectNotReady as exc:
            self._say(f"Cannot generate yet: {exc}", 10000)
            return False
        errors = check_request(request)
        if errors:
            self._say("Cannot generate: " + "; ".join(
                f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in errors), 15000)
            return False
        if self.client.state != "connected":
            self._say(f"The engine is {self.client.state}: wait for it or restart it", 10000)
            return False
        total, block, fps = self.frame_plan(request, project)
        keep = frame_of(playhead, fps) if from_playhead else 0
        keep -= keep % block
        if from_playhead:
            request["name"] = f"{project.name} from {playhead:.2f}s"[:200]
            add_regeneration(request, keep / fps, self._last_completed_job())

        def submitted(ok: bool, _status: int, body: Any) -> None:
            if not ok:
                self._say(f"The engine refused the job: {body}", 15000)
                return
            self.current_job, self.current_request, self.video_file = body["id"], request, None
            self.generation.reset(total, block, fps, body["id"], keep_before=keep)
            self.cancel_possible.emit(True)
            self.started.emit(body["id"])
            self._say(f"Generating {total} frames with {project.settings.model}…")

        self.client.submit(request, submitted)
        return True

    def _last_completed_job(self) -> str | None:
        """The job on screen, if it finished (its blocks can be reused)."""
        job = self.client.jobs.get(self.current_job or "")
        return job["id"] if job and job.get("status") == "completed" else None

    def cancel(self) -> None:
        if self.current_job:
            self.job_action(self.current_job, "cancel")

    def job_action(self, job_id: str, action: str) -> None:
        def done(ok: bool, _status: int, body: Any) -> None:
            if not ok:
                self._say(f"Could not {action}: {body}", 10000)
            elif action == "retry":
                self._follow(body)
        self.client.job_action(job_id, action, done)

    def frame_plan(self, request: dict[str, Any], project: Project | None = None) -> tuple[int, int, float]:
        """(frames, video frames per block, fps) the engine will produce for ``request``."""
        params = request.get("params", {})
        fps = float(params.get("fps", 8))
        fallback = project.settings.total_frames if project else round(float(params.get("seconds") or 0) * fps)
        total = expected_frames(request, max(1, fallback))
        if params.get("mode") == "full" or not params.get("block_frames"):
            return total, total, fps
        return total, int(params["block_frames"]) * temporal_factor(str(params.get("model", ""))), fps

    def _follow(self, job: dict[str, Any]) -> None:
        self.current_job = job["id"]
        self.current_request = job.get("request")
        total, block, fps = self.frame_plan(self.current_request or {})
        self.generation.reset(total, block, fps, job["id"])
        self.cancel_possible.emit(True)

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("job_id") == self.current_job and event.get("type") == "job.status":
            self._status_reached(event["payload"].get("status", ""), event["payload"].get("error"))

    def _catch_up(self) -> None:
        job = self.client.jobs.get(self.current_job or "")
        if job is not None and job.get("status") != self.generation.status:
            self._status_reached(job.get("status", ""), job.get("error"))

    def _status_reached(self, status: str, error: str | None) -> None:
        """The current job got to ``status`` (from its event, or from a job list that was ahead)."""
        if status in ("pending", "running") and self._ended == self.current_job:
            self._ended = None           # resumed or retried in place: its end comes again
        first_time = self._ended != self.current_job
        self.generation.sync_status(status)
        if status in ENDED and first_time:
            self._ended = self.current_job
            self.cancel_possible.emit(False)
            if status == "completed":
                self._fetch_video(self.current_job)
            else:
                self._say(f"Generation {status}. {error or ''}".strip(), 15000)

    def show_job(self, job_id: str) -> None:
        """Load a finished job's video into the timeline and player."""
        job = self.client.jobs.get(job_id)
        if job and job.get("status") == "completed":
            self._follow(job)
            self._ended = job_id
            self.cancel_possible.emit(False)
            self.generation.sync_status("completed")
            self._fetch_video(job_id)

    def _fetch_video(self, job_id: str) -> None:
        def listed(ok: bool, _status: int, outputs: Any) -> None:
            if not ok:
                self._say(f"Could not list the outputs: {outputs}")
                return
            videos = [o["name"] for o in outputs if Path(o["name"]).suffix.lower() in VIDEO_SUFFIXES]
            if not videos:
                self._say("The job finished without a video output")
                return
            dest = self.cache_dir / "outputs" / job_id / videos[0]
            self.client.download(job_id, videos[0], dest, downloaded)

        def downloaded(ok: bool, _status: int, path: Any) -> None:
            if not ok:
                self._say(f"Could not download the video: {path}")
                return
            self.video_file = Path(path)
            self.loader.load(self.video_file)

        self.client.call("GET", f"/api/jobs/{job_id}/outputs", callback=listed)

    def _frames_finished(self, count: int, error: str) -> None:
        if error:
            self._say(error, 15000)
        else:
            self._say(f"Video ready: {count} frames")
            self.video_ready.emit(count)

    def open_output(self, job_id: str) -> None:
        """Fetch the job's main output (its video when it has one) and open it with the system's viewer."""
        def listed(ok: bool, _status: int, outputs: Any) -> None:
            if not ok or not outputs:
                self._say(f"The job has no output to open{'' if ok else f': {outputs}'}")
                return
            names = [o["name"] for o in outputs]
            name = next((n for n in names if Path(n).suffix.lower() in VIDEO_SUFFIXES), names[0])
            self.client.download(job_id, name, self.cache_dir / "outputs" / job_id / name, opened)

        def opened(ok: bool, _status: int, path: Any) -> None:
            if not ok:
                self._say(f"Download failed: {path}")
            elif not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
                self._say(f"No application opens {Path(path).name}; it is in {Path(path).parent}", 15000)

        self.client.call("GET", f"/api/jobs/{job_id}/outputs", callback=listed)

    def start_export(self, project: Project, dest: Path, png_frames: bool = False,
                     soundtrack: Soundtrack | None = None) -> ExportTask:
        """Export in a background thread (the task is started; follow its signals)."""
        if self.video_file is None and not self.generation.frames:
            raise ValueError("nothing to export yet: generate the video first (Ctrl+Enter)")
        job = self.client.jobs.get(self.current_job or "")
        meta = sidecar(project, self.current_request, job)
        video, frames = self.video_file, dict(self.generation.frames)
        task = ExportTask(lambda progress, stop: export_package(Path(dest), video, frames, meta, png_frames,
                                                                soundtrack, progress, stop), self)
        task.start()
        return task

    def stop(self) -> None:
        self.loader.stop()

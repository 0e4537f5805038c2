"""The sound half of the main window: the Sound dock with the Audio, Soundscape and Spatial panels.

The audio tracks themselves are lanes of the timeline (one time axis with the video). ``SoundStudio(window)``
builds the panels, docks them, keeps their playhead in step with the timeline's (both ways), shows the
audio clip selected on the timeline in the Audio tab, the source of a spatial keyframe clicked on the
timeline in the Spatial tab, plays the audio tracks while the video preview
plays, gives the panels the window's engine client, undo stack and project, and adds the soundtrack to
an exported MP4. The main window creates it once and calls ``set_project`` whenever a project is loaded.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QTabWidget

from app.audio_timeline import MIX_RATE, mix_document
from app.export import Soundtrack
from app.project.audio import AudioDocument
from app.project.model import Project
from app.widgets.audio_track import AudioPanel
from app.widgets.soundscape_panel import SoundscapePanel
from app.widgets.spatial_panel import SpatialPanel


class SoundStudio(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        work = Path(window.cache_dir) / "sound"
        self.audio = AudioPanel(window.stack, work / "recordings")
        self.soundscape = SoundscapePanel(window.stack, self.audio.player, work)
        self.spatial = SpatialPanel(window.stack, self.audio.player, work)
        for panel in (self.soundscape, self.spatial):
            panel.set_client(window.client)
            panel.message.connect(window.show_message)
        self.spatial.set_bank(self.soundscape.masker_bank)
        self.audio.message.connect(window.show_message)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.audio, "Audio")
        self.tabs.addTab(self.soundscape, "Soundscape")
        self.tabs.addTab(self.spatial, "Spatial")
        self.dock = window._dock("Sound", self.tabs, Qt.DockWidgetArea.BottomDockWidgetArea, 600)
        window.resizeDocks([self.dock], [280], Qt.Orientation.Vertical)
        timeline = window.timeline
        timeline.playhead_moved.connect(self._follow_timeline)
        timeline.selection_changed.connect(self._show_selection)
        timeline.spatial_key_selected.connect(self._show_source)
        self.audio.playhead_moved.connect(lambda s: timeline.set_playhead(s, follow=True))
        window.player.playing_changed.connect(self._video_playing)

    def _video_playing(self, playing: bool) -> None:
        """The video preview plays: the audio tracks play along (the picture leads the playhead)."""
        if playing and self.audio.play_button.isEnabled():
            self.audio.play(lead=False)
        elif not playing:
            self.audio.stop()

    def _show_selection(self, clip_ids: list[str]) -> None:
        """The last audio clip selected on the timeline is the Audio tab's."""
        audio_ids = [i for i in clip_ids if i in self.window.timeline.lanes.items]
        self.audio.select(audio_ids[-1] if audio_ids else None)

    def _show_source(self, source_id: str) -> None:
        """A spatial keyframe was clicked on the timeline: its source, selected in the Spatial tab."""
        self.tabs.setCurrentWidget(self.spatial)
        self.spatial.select_source(source_id)

    def _follow_timeline(self, seconds: float) -> None:
        self.audio.set_playhead(seconds)
        self.spatial.set_playhead(seconds)

    def set_project(self, project: Project) -> None:
        self.audio.set_document(project.audio)
        self.soundscape.set_document(project.audio)
        self.spatial.set_document(project.audio)

    def soundtrack(self) -> Soundtrack | None:
        """The mix of the audio tracks for an export, to be made in the export's thread from a copy of
        the sound document taken now (None when there is no audio)."""
        doc = self.window.project.audio
        if not any(len(t) for t in doc.tracks):
            return None
        snapshot = AudioDocument.from_dict(doc.to_dict())
        duration = self.window.project.settings.duration
        return lambda: (mix_document(snapshot, duration), MIX_RATE)

    def shutdown(self) -> None:
        self.audio.shutdown()

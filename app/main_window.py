"""The studio's main window: player above the timeline, inspector on the left, jobs / devices / models
on the right; File, Edit, View, Generate and Engine menus with shortcuts; autosave and recovery; the
generation actions (Generate, Regenerate from playhead, Cancel, Export), which ``GenerationSession`` runs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolButton,
    QWidget,
)

from app.client import EngineClient
from app.export import ExportTask
from app.generation_session import GenerationSession
from app.plugin_host import PluginHost
from app.project.autosave import Autosaver, Recovery
from app.project.fileio import SUFFIX, ProjectFileError, load_project, save_project
from app.project.model import Project
from app.sound_studio import SoundStudio
from app.theme import Colors, icon
from app.video_frames import FrameLoader
from app.widgets.devices_panel import DevicesPanel
from app.widgets.engine_dialog import EngineDialog, EngineSettings
from app.widgets.inspector import Inspector
from app.widgets.jobs_panel import JobsPanel
from app.widgets.model_manager import ModelManager
from app.widgets.player import PreviewPlayer
from app.widgets.plugin_manager import PluginManagerDialog
from app.widgets.timeline import TimelineView, TimelineWidget
from engine.plugins import PluginManager
from engine.video.transitions import PROMPT_TRANSITIONS

AUTOSAVE_MS = 30_000
STATE_COLORS = {"connected": Colors.done, "connecting": Colors.accent, "starting": Colors.accent,
                "reconnecting": Colors.accent, "dead": Colors.cut, "offline": Colors.dim}


class MainWindow(QMainWindow):
    def __init__(self, client: EngineClient | None = None, settings: QSettings | None = None,
                 autosave_dir: Path | None = None, cache_dir: Path | None = None,
                 plugins: PluginManager | None = None):
        super().__init__()
        self.settings = settings or QSettings("NoiseLoom", "Studio")
        self.client = client or EngineClient(self)
        self.cache_dir = Path(cache_dir or QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.CacheLocation) or Path.home() / ".cache" / "noiseloom")
        self.confirm_close = True
        self.last_error = ""
        self.project = Project()
        self.path: Path | None = None
        self.stack = QUndoStack(self)
        self.session = GenerationSession(self.client, self.cache_dir, self)
        self.generation = self.session.generation
        self.autosaver = Autosaver(self.project, None, autosave_dir)
        self.export_task: ExportTask | None = None

        self.timeline = TimelineView(self.project, self.stack, self.generation, cache_dir=self.cache_dir)
        self.player = PreviewPlayer(self.generation)
        self.inspector = Inspector(self.stack)
        self.jobs_panel = JobsPanel()
        self.devices_panel = DevicesPanel()
        self.models = ModelManager(self.settings)
        self._build_layout()
        self._build_actions()
        self._build_status_bar()
        self._wire()
        self.sound = SoundStudio(self)
        self._install_plugins(plugins)
        self._load_into_window(self.project, None)
        self.inspector.project_panel.set_models(self.models.models)

        self._jobs_timer = QTimer(self)
        self._jobs_timer.setSingleShot(True)
        self._jobs_timer.setInterval(100)
        self._jobs_timer.timeout.connect(self._show_jobs)
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        self.resize(1440, 900)
        self._restore_window_state()

    def _restore_window_state(self) -> None:
        geometry, state = self.settings.value("window/geometry"), self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    # ---- construction -------------------------------------------------------------------------
    def _build_layout(self) -> None:
        self.setWindowIcon(icon("app"))
        self.setDockNestingEnabled(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.player)
        split.addWidget(TimelineWidget(self.timeline))
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 0)
        split.setSizes([620, 250])
        split.setHandleWidth(3)
        self.setCentralWidget(split)
        self._dock("Inspector", self.inspector, Qt.DockWidgetArea.LeftDockWidgetArea, 330)
        tabs = QTabWidget()
        tabs.addTab(self.jobs_panel, icon("generate"), "Jobs")
        tabs.addTab(self.devices_panel, icon("device"), "Devices")
        tabs.addTab(self.models, icon("model"), "Models")
        self.side_tabs = tabs
        self._dock("Engine", tabs, Qt.DockWidgetArea.RightDockWidgetArea, 380)

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea, width: int) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        widget.setMinimumWidth(width)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, text: str, slot, shortcut=None, icon_name: str | None = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(k) for k in keys])
        action.setToolTip(f"{tip or text} ({action.shortcut().toString()})" if shortcut else (tip or text))
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        t = self.timeline
        a = self.actions_by_name = {
            "new": self._action("&New project", self.new_project, QKeySequence.StandardKey.New, "new"),
            "open": self._action("&Open…", self.open_dialog, QKeySequence.StandardKey.Open, "open"),
            "save": self._action("&Save", self.save, QKeySequence.StandardKey.Save, "save"),
            "save_as": self._action("Save &as…", self.save_as_dialog, QKeySequence.StandardKey.SaveAs),
            "export": self._action("&Export…", self.export_dialog, "Ctrl+E", "export",
                                   "Export the video, PNG frames and the sidecar JSON"),
            "quit": self._action("&Quit", self.close, QKeySequence.StandardKey.Quit),
            "undo": self.stack.createUndoAction(self, "&Undo"),
            "redo": self.stack.createRedoAction(self, "&Redo"),
            "cut": self._action("Cu&t", t.cut_selected, QKeySequence.StandardKey.Cut),
            "copy": self._action("&Copy", t.copy_selected, QKeySequence.StandardKey.Copy),
            "paste": self._action("&Paste at playhead", t.paste_at_playhead, QKeySequence.StandardKey.Paste),
            "delete": self._action("&Delete clip", t.delete_selected, ["Del", "Backspace"], "delete"),
            "select_all": self._action("Select &all clips", t.select_all, QKeySequence.StandardKey.SelectAll),
            "add_clip": self._action("&Add prompt clip", lambda: t.add_clip(), "N", "add-clip",
                                     "Add a prompt clip at the playhead"),
            "split": self._action("&Split at playhead", t.split_at_playhead, ["S", "Ctrl+B"], "split"),
            "add_keyframe": self._action("Add &keyframe at playhead", t.add_keyframe_at_playhead, "K", "keyframe-add",
                                         "Add a keyframe of the parameter chosen in the inspector at the playhead"),
            "delete_keyframe": self._action("Delete keyframe", t.delete_selected_keyframe, "Shift+K",
                                            "keyframe-delete", "Delete the selected keyframe"),
            "prev_keyframe": self._action("Previous keyframe", lambda: t.jump_to_keyframe(-1), "["),
            "next_keyframe": self._action("Next keyframe", lambda: t.jump_to_keyframe(1), "]"),
            "next_clip": self._action("Next clip", lambda: t.select_adjacent(1), "Alt+Right"),
            "prev_clip": self._action("Previous clip", lambda: t.select_adjacent(-1), "Alt+Left"),
            "zoom_in": self._action("Zoom &in", t.zoom_in, ["=", "+", "Ctrl+="], "zoom-in"),
            "zoom_out": self._action("Zoom &out", t.zoom_out, ["-", "Ctrl+-"], "zoom-out"),
            "zoom_fit": self._action("Zoom to &fit", t.zoom_fit, ["0", "Ctrl+0"]),
            "play": self._action("&Play / pause", self.player.toggle_play, "Space", "play"),
            "frame_back": self._action("Previous frame", lambda: self.player.step(-1), "Left"),
            "frame_next": self._action("Next frame", lambda: self.player.step(1), "Right"),
            "home": self._action("Go to start", lambda: t.set_playhead(0.0, follow=True), "Home"),
            "end": self._action("Go to end", lambda: t.set_playhead(self.project.settings.duration, follow=True),
                                "End"),
            "generate": self._action("&Generate", self.generate, ["Ctrl+Return", "Ctrl+Enter"], "generate",
                                     "Generate the whole video"),
            "regenerate": self._action("&Regenerate from playhead", lambda: self.generate(from_playhead=True),
                                       "Ctrl+Shift+Return", "regenerate",
                                       "Keep the frames before the playhead and generate the rest again"),
            "cancel": self._action("&Cancel generation", self.cancel_generation, "Ctrl+.", "cancel"),
            "restart_engine": self._action("&Restart engine", self.restart_engine, None, "restart"),
            "engine_settings": self._action("Engine &settings…", self.engine_settings_dialog, None, "device"),
            "shortcuts": self._action("&Keyboard shortcuts", self.show_shortcuts, "F1"),
        }
        a["undo"].setIcon(icon("undo"))
        a["undo"].setShortcuts([QKeySequence.StandardKey.Undo])
        a["redo"].setIcon(icon("redo"))
        a["redo"].setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.addAction(a["undo"])
        self.addAction(a["redo"])
        self.snap_action = QAction(icon("snap"), "Snap", self)
        self.snap_action.setCheckable(True)
        self.snap_action.setChecked(True)
        self.snap_action.setShortcut("M")
        self.snap_action.setToolTip("Snap to clip edges, playhead and seconds (M; hold Shift while dragging to "
                                    "move freely)")
        self.snap_action.toggled.connect(lambda on: setattr(self.timeline.snap, "enabled", on))
        self.addAction(self.snap_action)
        a["cancel"].setEnabled(False)

        menus = self.menuBar()
        for title, names in (
            ("&File", ["new", "open", "save", "save_as", None, "export", None, "quit"]),
            ("&Edit", ["undo", "redo", None, "cut", "copy", "paste", "delete", "select_all", None, "add_clip",
                       "split", "next_clip", "prev_clip", None, "add_keyframe", "delete_keyframe", "prev_keyframe",
                       "next_keyframe"]),
            ("&View", ["zoom_in", "zoom_out", "zoom_fit", None, "play", "frame_back", "frame_next", "home", "end"]),
            ("&Generate", ["generate", "regenerate", "cancel"]),
            ("E&ngine", ["restart_engine", "engine_settings"]),
            ("&Help", ["shortcuts"]),
        ):
            menu = menus.addMenu(title)
            for name in names:
                if name is None:
                    menu.addSeparator()
                else:
                    menu.addAction(a[name])
        menus.actions()[1].menu().addAction(self.snap_action)
        self.recent_menu = menus.actions()[0].menu().addMenu("Open &recent")
        menus.actions()[0].menu().insertMenu(a["save"], self.recent_menu)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)

        bar = self.addToolBar("Main")
        bar.setObjectName("main-toolbar")
        bar.setMovable(False)
        for name in ("new", "open", "save", None, "undo", "redo", None, "add_clip", "split", "delete", None):
            if name is None:
                bar.addSeparator()
            else:
                bar.addAction(a[name])
        bar.addAction(self.snap_action)
        bar.addAction(a["zoom_out"])
        bar.addAction(a["zoom_in"])
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addAction(a["generate"])
        generate_button = bar.widgetForAction(a["generate"])
        generate_button.setObjectName("generate")
        generate_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for name in ("regenerate", "cancel", "export"):
            bar.addAction(a[name])
            bar.widgetForAction(a[name]).setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

    def _install_plugins(self, manager: PluginManager | None) -> None:
        self.plugins = PluginHost(self, manager)
        self.plugins.message.connect(self.show_message)
        self.plugins.install()
        file_menu = self.menuBar().actions()[0].menu()
        file_menu.insertMenu(self.actions_by_name["quit"], self.plugins.export_menu)
        manage = QAction("Plugin &manager...", self)
        manage.triggered.connect(self.plugin_manager_dialog)
        self.plugins.menu.addSeparator()
        self.plugins.menu.addAction(manage)
        self.menuBar().insertMenu(self.menuBar().actions()[-1], self.plugins.menu)

    def plugin_manager_dialog(self) -> None:
        PluginManagerDialog(self.plugins.manager, self).exec()
        self._ask_engine_for_curves()

    def _ask_engine_for_curves(self) -> None:
        """Fetch the transition curves the engine knows now (its plugins may have changed)."""
        if self.client.state == "connected":
            self.client.fetch_registry(PROMPT_TRANSITIONS.point)

    def _registry_changed(self, point: str, entries: list) -> None:
        if point == PROMPT_TRANSITIONS.point:
            self.inspector.clip_panel.set_curves(entries)

    def _build_status_bar(self) -> None:
        self.engine_label = QLabel()
        self.engine_label.setObjectName("engineState")
        self.restart_button = QToolButton()
        self.restart_button.setText("Restart engine")
        self.restart_button.setIcon(icon("restart"))
        self.restart_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.restart_button.clicked.connect(self.restart_engine)
        self.restart_button.hide()
        self.progress_label = QLabel()
        self.progress_label.setObjectName("hint")
        self.export_bar = QProgressBar()
        self.export_bar.setFixedWidth(180)
        self.export_bar.setFormat("Export %p%")
        self.export_cancel = QToolButton()
        self.export_cancel.setText("Cancel export")
        self.export_cancel.setIcon(icon("cancel"))
        self.export_cancel.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.export_cancel.clicked.connect(self.cancel_export)
        self.export_bar.hide()
        self.export_cancel.hide()
        status = self.statusBar()
        status.addPermanentWidget(self.export_bar)
        status.addPermanentWidget(self.export_cancel)
        status.addPermanentWidget(self.progress_label)
        status.addPermanentWidget(self.restart_button)
        status.addPermanentWidget(self.engine_label)
        self._show_engine_state(self.client.state, "")

    def _wire(self) -> None:
        t = self.timeline
        t.playhead_moved.connect(self.player.show_time)
        t.selection_changed.connect(self._selection_changed)
        t.message.connect(self.show_message)
        self.player.seek_requested.connect(lambda s: t.set_playhead(s, follow=True))
        self.player.playing_changed.connect(
            lambda playing: self.actions_by_name["play"].setIcon(icon("pause" if playing else "play")))
        self.inspector.clip_panel.message.connect(self.show_message)
        keys = self.inspector.clip_panel.keyframes
        keys.add_button.setDefaultAction(self.actions_by_name["add_keyframe"])
        keys.remove_button.setDefaultAction(self.actions_by_name["delete_keyframe"])
        keys.param_changed.connect(t.set_keyframe_param)
        keys.keyframe_chosen.connect(lambda clip_id, key_id: t.select_keyframe((clip_id, key_id)))
        t.keyframe_param_requested.connect(keys.set_param)
        t.keyframe_selected.connect(lambda _clip_id, key_id: keys.show_keyframe(key_id))
        self.inspector.project_panel.message.connect(self.show_message)
        self.models.models_changed.connect(self.inspector.project_panel.set_models)
        self.models.message.connect(self.show_message)
        self.stack.cleanChanged.connect(self._update_title)
        c = self.client
        c.state_changed.connect(self._show_engine_state)
        c.registry_changed.connect(self._registry_changed)
        c.jobs_changed.connect(self._jobs_changed)
        c.devices_changed.connect(lambda devices: self.devices_panel.set_devices(devices, c.jobs))
        session = self.session
        session.message.connect(self.show_message)
        session.cancel_possible.connect(self.actions_by_name["cancel"].setEnabled)
        session.started.connect(lambda _job: self.side_tabs.setCurrentWidget(self.jobs_panel))
        session.video_ready.connect(lambda _count: self.player.show_time(self.timeline.playhead))
        self.jobs_panel.action_requested.connect(self.job_action)
        self.jobs_panel.open_requested.connect(session.open_output)
        self.jobs_panel.job_activated.connect(session.show_job)

    def shortcut_table(self) -> list[tuple[str, str]]:
        """(action, keys) for every action that has a shortcut, in menu order."""
        rows = []
        for menu_action in self.menuBar().actions():
            for action in menu_action.menu().actions():
                keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
                if keys:
                    rows.append((action.text().replace("&", ""), keys))
        return rows

    def show_shortcuts(self) -> None:
        text = "".join(f"<tr><td>{name}</td><td style='padding-left:18px'><b>{keys}</b></td></tr>"
                       for name, keys in self.shortcut_table())
        box = QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        box.setText(f"<table>{text}</table><p>Hold Shift while dragging to move without snapping; "
                    "Ctrl + wheel zooms the timeline; double-click free track space to add a clip.</p>")
        box.setModal(False)
        box.show()

    # ---- document -----------------------------------------------------------------------------
    def _load_into_window(self, project: Project, path: Path | None) -> None:
        self.project, self.path = project, path
        self.stack.clear()
        self.autosaver.attach(project, path)
        self.timeline.set_project(project)
        self.inspector.project_panel.set_project(project)
        self.inspector.clip_panel.set_clip(project, None)
        self.sound.set_project(project)
        project.settings.events.connect(self._settings_changed)
        self._settings_changed()
        self._update_title()

    def _settings_changed(self, *_args: object) -> None:
        s = self.project.settings
        self.player.set_timing(s.fps, s.duration)
        if not self.generation.running and not self.generation.frames:
            self.generation.reset(s.total_frames, s.block_frames, s.fps)

    def _update_title(self, *_args: object) -> None:
        name = self.path.name if self.path else "Untitled"
        self.setWindowTitle(f"{name}{'' if self.stack.isClean() else ' •'} — NoiseLoom Studio")

    def _selection_changed(self, ids: list[str]) -> None:
        prompt_ids = [i for i in ids if i in self.timeline.items]
        clip = self.project.prompt_track.clip(prompt_ids[-1]) if prompt_ids else None
        self.inspector.clip_panel.set_clip(self.project, clip)

    def show_message(self, text: str, ms: int = 6000) -> None:
        self.statusBar().showMessage(text, ms)

    def new_project(self) -> None:
        if self._maybe_keep_changes():
            self._load_into_window(Project(), None)

    def open_project(self, path: Path) -> bool:
        """Open ``path``; a damaged file is refused with its reason and left as it is."""
        try:
            project = load_project(path)
        except ProjectFileError as exc:
            self.show_message(f"Could not open: {exc}", 15000)
            self.last_error = str(exc)
            return False
        self._load_into_window(project, Path(path))
        self.stack.setClean()
        self._remember_recent(Path(path))
        return True

    def recover(self, recovery: Recovery) -> bool:
        """Open an autosave left by a crash; the project is marked unsaved."""
        try:
            project = recovery.load()
        except ProjectFileError as exc:
            self.show_message(f"Could not recover: {exc}", 15000)
            return False
        recovery.autosave.unlink(missing_ok=True)
        self._load_into_window(project, recovery.project_path)
        self.stack.resetClean()
        self.show_message("Recovered the autosave of a session that did not close cleanly")
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as_dialog()
        return self.save_to(self.path)

    def save_to(self, path: Path) -> bool:
        path = Path(path)
        if path.suffix != SUFFIX:
            path = path.with_suffix(SUFFIX)
        try:
            save_project(self.project, path)
        except OSError as exc:
            self.show_message(f"Could not save {path}: {exc}", 15000)
            return False
        self.path = path
        self.project.name = path.stem
        self.autosaver.saved(path)
        self.stack.setClean()
        self._remember_recent(path)
        self._update_title()
        self.show_message(f"Saved {path}")
        return True

    def _remember_recent(self, path: Path) -> None:
        recent = [str(path), *[p for p in (self.settings.value("recent", []) or []) if p != str(path)]][:10]
        self.settings.setValue("recent", recent)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.value("recent", []) or []:
            self.recent_menu.addAction(Path(path).name, lambda p=path: self._open_recent(Path(p))).setToolTip(path)
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(no recent projects)").setEnabled(False)

    def _open_recent(self, path: Path) -> None:
        if self._maybe_keep_changes():
            self.open_project(path)

    def autosave(self) -> bool:
        try:
            return self.autosaver.save_now()
        except OSError as exc:
            self.show_message(f"Autosave failed: {exc}")
            return False

    def open_dialog(self) -> None:
        if not self._maybe_keep_changes():
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open project", "", f"NoiseLoom projects (*{SUFFIX})")
        if path:
            self.open_project(Path(path))

    def save_as_dialog(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self, "Save project", str(self.path or f"Untitled{SUFFIX}"),
                                              f"NoiseLoom projects (*{SUFFIX})")
        return self.save_to(Path(path)) if path else False

    def _maybe_keep_changes(self) -> bool:
        """True when it is fine to replace the current project (saved, discarded, or nothing to lose)."""
        if self.stack.isClean() or not self.confirm_close:
            return True
        answer = QMessageBox.question(self, "Unsaved changes", "Save the changes to this project first?",
                                      QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                                      | QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    # ---- engine -------------------------------------------------------------------------------
    def _show_engine_state(self, state: str, message: str) -> None:
        color = STATE_COLORS.get(state, Colors.dim).name()
        where = self.client.url.replace("http://", "") if self.client.url else "no engine"
        self.engine_label.setText(f"<span style='color:{color}'>●</span> engine {state} · {where}")
        self.engine_label.setToolTip(message)
        self.restart_button.setVisible(state == "dead" and self.client.launcher is not None)
        if state == "dead":
            self.show_message("The engine stopped. Your project is safe; press Restart engine to go on. "
                              + message.splitlines()[0], 0)
            self.actions_by_name["cancel"].setEnabled(False)
        elif state == "connected":
            self.statusBar().clearMessage()
            self._ask_engine_for_curves()

    def start_engine(self, engine: EngineSettings | None = None) -> None:
        """Start or connect to the engine the settings name (the local one by default)."""
        engine = engine or EngineSettings.load(self.settings)
        if engine.mode == "remote":
            self.client.connect_remote(engine.url, engine.token)
        else:
            self.client.close()
            self.client.start_local(devices=engine.devices)

    def engine_settings_dialog(self) -> None:
        dialog = EngineDialog(EngineSettings.load(self.settings), self)
        if dialog.exec():
            engine = dialog.settings()
            engine.save(self.settings)
            self.start_engine(engine)

    def restart_engine(self) -> None:
        if self.client.launcher is None:
            self.show_message("Connected to a remote engine: restart it on its machine")
            return
        self.client.restart_engine()

    def _jobs_changed(self) -> None:
        """Coalesce bursts of job updates (progress events) into one panel refresh per 100 ms."""
        if not self._jobs_timer.isActive():
            self._jobs_timer.start()

    def _show_jobs(self) -> None:
        self.jobs_panel.set_jobs(self.client.jobs)
        self.devices_panel.set_devices(self.client.devices, self.client.jobs)
        job = self.client.jobs.get(self.current_job or "")
        if job and job.get("status") == "running":
            eta = job.get("eta_s")
            self.progress_label.setText(f"{100 * float(job.get('progress') or 0):.0f}% {job.get('stage') or ''}"
                                        + (f" · {eta:.0f}s left" if eta else ""))
        elif job:
            self.progress_label.setText(job.get("status", ""))

    # ---- generation (the session does the work) --------------------------------------------------
    def generate(self, from_playhead: bool = False) -> bool:
        """Send the project to the engine; ``from_playhead`` keeps the frames before the playhead."""
        return self.session.generate(self.project, self.timeline.playhead, from_playhead)

    def cancel_generation(self) -> None:
        self.session.cancel()

    def job_action(self, job_id: str, action: str) -> None:
        self.session.job_action(job_id, action)

    @property
    def current_job(self) -> str | None:
        return self.session.current_job

    @property
    def loader(self) -> FrameLoader:
        return self.session.loader

    # ---- export ----
    def export_to(self, dest: Path, png_frames: bool = False) -> ExportTask:
        """Start exporting to ``dest`` in the background (progress and Cancel in the status bar); raises
        ``ValueError`` when there is nothing to export or an export is still running."""
        if self.export_task is not None and self.export_task.running:
            raise ValueError("an export is still running: wait for it or cancel it")
        task = self.session.start_export(self.project, Path(dest), png_frames, self.sound.soundtrack())
        self.export_task = task
        task.progress.connect(self._export_progress)
        task.finished.connect(lambda written, error: self._export_finished(Path(dest), written, error))
        self.export_bar.setRange(0, 0)
        self.export_bar.show()
        self.export_cancel.show()
        self.actions_by_name["export"].setEnabled(False)
        return task

    def _export_progress(self, done: int, total: int, stage: str) -> None:
        self.export_bar.setRange(0, max(1, total))
        self.export_bar.setValue(done)
        self.export_bar.setFormat(f"Export: {stage} %p%")

    def _export_finished(self, dest: Path, written: list, error: str) -> None:
        self.export_bar.hide()
        self.export_cancel.hide()
        self.actions_by_name["export"].setEnabled(True)
        if error == "canceled":
            self.show_message("Export canceled; nothing was written")
        elif error:
            self.show_message(f"Export failed: {error}", 15000)
        else:
            self.show_message(f"Exported {len(written)} file(s) to {dest.parent}")

    def cancel_export(self) -> None:
        if self.export_task is not None:
            self.export_task.cancel()

    def export_dialog(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export", str((self.path or Path.home() / "untitled").with_suffix(".mp4")),
            "MP4 video with sidecar (*.mp4);;MP4 video, PNG frames and sidecar (*.mp4)")
        if not path:
            return
        try:
            self.export_to(Path(path), png_frames="PNG" in chosen)
        except ValueError as exc:
            self.show_message(f"Cannot export: {exc}", 15000)

    # ---- closing ------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop timers, threads and the local engine (also on close)."""
        self.autosave_timer.stop()
        self._jobs_timer.stop()
        self.player.pause()
        if self.export_task is not None:
            self.export_task.cancel()
            self.export_task.join()
        self.session.stop()
        self.sound.shutdown()
        self.timeline.shutdown()
        self.client.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._maybe_keep_changes():
            event.ignore()
            return
        self.autosaver.discard()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.shutdown()
        event.accept()

"""The inspector: the selected clip's properties (prompt with history, span, transition and its curve, seed
lock, its guidance / weight keyframes) and the project's settings. Every change is an undo command; the
fields follow undo/redo and other edits.

The transition curves offered are the names the engine knows (``set_curves``, from its registry over
HTTP: the core's curves and enabled plugins'); until it answers only the clip's own curve is shown, and a
curve the engine does not know is marked as such (generating with it is refused, naming the field)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.project.commands import SetClipProperty, SetKeyframe, SetSetting, SetSpan, next_gesture, push
from app.project.model import Keyframe, PlacementError, Project, PromptClip
from app.theme import Colors, icon
from engine.video.spec import KEYFRAME_RANGES
from engine.video.transitions import DEFAULT as DEFAULT_CURVE

KEYFRAME_PARAMS = (("guidance", "Guidance"), ("weight", "Prompt weight"))


def _spin(low: float, high: float, decimals: int = 0, step: float = 1, suffix: str = "") -> QSpinBox | QDoubleSpinBox:
    box = QDoubleSpinBox() if decimals else QSpinBox()
    box.setRange(low, high)
    if decimals:
        box.setDecimals(decimals)
    box.setSingleStep(step)
    box.setSuffix(suffix)
    box.setKeyboardTracking(False)
    return box


class KeyframeEditor(QWidget):
    """The selected clip's keyframes of one parameter: the list, and the time and value of the chosen one.
    The parameter and the chosen keyframe are shared with the timeline through the signals."""

    param_changed = Signal(str)
    keyframe_chosen = Signal(str, str)      # clip id, keyframe id
    message = Signal(str)

    def __init__(self, stack: QUndoStack, parent: QWidget | None = None):
        super().__init__(parent)
        self.stack = stack
        self.clip: PromptClip | None = None
        self.key_id = ""
        self._gesture = next_gesture()
        self._updating = False
        self.param = QComboBox()
        for param, label in KEYFRAME_PARAMS:
            self.param.addItem(label, param)
        self.param.currentIndexChanged.connect(self._param_chosen)
        self.list = QListWidget()
        self.list.setFixedHeight(74)
        self.list.currentItemChanged.connect(self._row_chosen)
        self.time = _spin(0, 36000, 3, 1 / 8, " s")
        self.time.setToolTip("Seconds from the clip's start")
        self.value = _spin(0, 30, 2, 0.25)
        self.time.valueChanged.connect(lambda v: self._edit(time=v))
        self.value.valueChanged.connect(lambda v: self._edit(value=v))
        self.add_button, self.remove_button = QToolButton(), QToolButton()
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.param, 1)
        top.addWidget(self.add_button)
        top.addWidget(self.remove_button)
        edit = QHBoxLayout()
        edit.setContentsMargins(0, 0, 0, 0)
        edit.addWidget(QLabel("at"))
        edit.addWidget(self.time, 1)
        edit.addWidget(QLabel("value"))
        edit.addWidget(self.value, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(top)
        column.addWidget(self.list)
        column.addLayout(edit)
        self.show_clip(None)

    @property
    def current_param(self) -> str:
        return self.param.currentData()

    def set_param(self, param: str) -> None:
        self.param.setCurrentIndex(self.param.findData(param))

    def show_clip(self, clip: PromptClip | None) -> None:
        self.clip = clip
        if clip is None or all(k.id != self.key_id for k in clip.keyframes):
            self.key_id = ""
        self.refresh()

    def show_keyframe(self, key_id: str) -> None:
        if key_id != self.key_id:
            self._gesture = next_gesture()
        self.key_id = key_id
        key = self._key()
        if key is not None and key.param != self.current_param:
            self.set_param(key.param)
        self.refresh()

    def _key(self) -> Keyframe | None:
        if self.clip is None or not self.key_id:
            return None
        return next((k for k in self.clip.keyframes if k.id == self.key_id), None)

    def refresh(self) -> None:
        self._updating = True
        try:
            self.list.clear()
            param = self.current_param
            low, high = KEYFRAME_RANGES[param]
            self.value.setRange(low, high)
            for key in self.clip.keyframes_of(param) if self.clip is not None else []:
                item = QListWidgetItem(f"{key.time:7.3f} s   {key.value:g}")
                item.setData(Qt.ItemDataRole.UserRole, key.id)
                self.list.addItem(item)
                if key.id == self.key_id:
                    self.list.setCurrentItem(item)
            key = self._key()
            self.time.setEnabled(key is not None)
            self.value.setEnabled(key is not None)
            self.remove_button.setEnabled(key is not None)
            if key is not None and self.clip is not None:
                self.time.setMaximum(self.clip.duration)
                self.time.setValue(key.time)
                self.value.setValue(key.value)
        finally:
            self._updating = False

    def _param_chosen(self, _index: int) -> None:
        if not self._updating:
            self.param_changed.emit(self.current_param)
        self.refresh()

    def _row_chosen(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if self._updating or item is None or self.clip is None:
            return
        self.keyframe_chosen.emit(self.clip.id, item.data(Qt.ItemDataRole.UserRole))

    def _edit(self, time: float | None = None, value: float | None = None) -> None:
        key = self._key()
        if self._updating or key is None or self.clip is None:
            return
        try:
            push(self.stack, SetKeyframe(self.clip, key.id, time=time, value=value, gesture=self._gesture))
        except PlacementError as exc:
            self.message.emit(f"Not possible: {exc}")
            self.refresh()


class ClipInspector(QGroupBox):
    message = Signal(str)

    def __init__(self, stack: QUndoStack, parent: QWidget | None = None):
        super().__init__("Clip", parent)
        self.stack = stack
        self.project: Project | None = None
        self.clip: PromptClip | None = None
        self._updating = False
        self._typing = False
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("Describe what happens in this part of the video…")
        self.text.setFixedHeight(84)
        self.text.textChanged.connect(self._text_edited)
        self.history = QComboBox()
        self.history.setPlaceholderText("Earlier prompts…")
        self.history.activated.connect(self._history_chosen)
        self.start = _spin(0, 36000, 3, 0.125, " s")
        self.end = _spin(0, 36000, 3, 0.125, " s")
        self.start.valueChanged.connect(lambda _v: self._span_edited())
        self.end.valueChanged.connect(lambda _v: self._span_edited())
        self.transition = QComboBox()
        self.transition.addItem("Blend", "blend")
        self.transition.addItem("Cut", "cut")
        self.transition.currentIndexChanged.connect(
            lambda _i: self._set("transition", self.transition.currentData(), merge=False))
        self.transition_seconds = _spin(0, 30, 2, 0.25, " s")
        self.transition_seconds.valueChanged.connect(lambda v: self._set("transition_seconds", v))
        self.curves: list[dict[str, str]] | None = None     # the engine's curves; None until it answers
        self.curve = QComboBox()
        self.curve.setToolTip("How the blend moves from the previous prompt to this one: the curves the "
                              "engine knows (its own and enabled plugins')")
        self.curve.currentIndexChanged.connect(self._curve_chosen)
        self.curve_problem = QLabel()
        self.curve_problem.setWordWrap(True)
        self.curve_problem.setStyleSheet(f"color: {Colors.cut.name()}")
        self.curve_problem.hide()
        self.hard_cut = QCheckBox("Hard cut (fresh noise at the clip's first frame)")
        self.hard_cut.toggled.connect(lambda v: self._set("hard_cut", v, merge=False))
        self.seed_lock = QCheckBox("Lock seed")
        self.seed = _spin(0, 2**31 - 1)
        self.seed_lock.toggled.connect(self._seed_lock_toggled)
        self.seed.valueChanged.connect(lambda v: self._set("seed", v) if self.seed_lock.isChecked() else None)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_lock)
        seed_row.addWidget(self.seed, 1)
        span_row = QHBoxLayout()
        span_row.addWidget(self.start)
        span_row.addWidget(QLabel("to"))
        span_row.addWidget(self.end)
        self.keyframes = KeyframeEditor(stack)
        self.keyframes.message.connect(self.message)
        form = QFormLayout(self)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("Prompt", self.text)
        form.addRow("History", self.history)
        form.addRow("Span", span_row)
        form.addRow("Transition", self.transition)
        form.addRow("Blend length", self.transition_seconds)
        form.addRow("Blend curve", self.curve)
        form.addRow("", self.curve_problem)
        form.addRow("", self.hard_cut)
        form.addRow("Seed", seed_row)
        form.addRow("Keyframes", self.keyframes)
        self.set_clip(None, None)

    def set_clip(self, project: Project | None, clip: PromptClip | None) -> None:
        if self.clip is not None:
            self.clip.events.disconnect(self._refresh)
        self.project, self.clip = project, clip
        if clip is not None:
            clip.events.connect(self._refresh)
        self.setEnabled(clip is not None)
        self.setTitle("Clip" if clip is not None else "Clip (select one on the timeline)")
        self.keyframes.show_clip(clip)
        self._refresh()

    def _refresh(self, *_args: object) -> None:
        clip = self.clip
        self._updating = True
        try:
            if clip is None:
                self.text.setPlainText("")
                self.history.clear()
                self.curve.clear()
                self.curve_problem.hide()
                return
            if self.text.toPlainText() != clip.text and not self._typing:
                self.text.setPlainText(clip.text)
            self.history.clear()
            for old in reversed(clip.history):
                self.history.addItem(old[:80], old)
            self.history.setEnabled(bool(clip.history))
            self.start.setValue(clip.start)
            self.end.setValue(clip.end)
            self.transition.setCurrentIndex(self.transition.findData(clip.transition))
            self.transition_seconds.setValue(clip.transition_seconds)
            self.transition_seconds.setEnabled(clip.transition == "blend")
            self._show_curves(clip)
            self.hard_cut.setChecked(clip.hard_cut)
            self.seed_lock.setChecked(clip.seed is not None)
            self.seed.setEnabled(clip.seed is not None)
            if clip.seed is not None:
                self.seed.setValue(clip.seed)
            self.keyframes.show_clip(clip)
        finally:
            self._updating = False

    def set_curves(self, entries: list[dict[str, str]]) -> None:
        """The transition curves the engine knows now (``{"name", "title", "plugin"}`` each)."""
        self.curves = list(entries)
        self._refresh()

    def _show_curves(self, clip: PromptClip) -> None:
        self.curve.clear()
        self.curve.addItem(f"Default ({DEFAULT_CURVE})", "")
        for entry in self.curves or []:
            self.curve.addItem(entry["name"], entry["name"])
            self.curve.setItemData(self.curve.count() - 1, f"{entry['title']} ({entry['plugin']})",
                                   Qt.ItemDataRole.ToolTipRole)
        unknown = clip.curve is not None and self.curves is not None \
            and all(entry["name"] != clip.curve for entry in self.curves)
        if clip.curve is not None and self.curve.findData(clip.curve) < 0:
            self.curve.addItem(f"{clip.curve} (unknown to the engine)" if unknown else clip.curve, clip.curve)
            if unknown:
                self.curve.setItemData(self.curve.count() - 1, Colors.cut, Qt.ItemDataRole.ForegroundRole)
        self.curve.setCurrentIndex(self.curve.findData(clip.curve or ""))
        self.curve.setEnabled(clip.transition == "blend")
        self.curve_problem.setVisible(unknown)
        if unknown:
            self.curve_problem.setText(f"The engine knows no transition curve '{clip.curve}': enable the plugin "
                                       "that provides it (Plugins menu) or choose another curve.")

    def _curve_chosen(self, _index: int) -> None:
        self._set("curve", self.curve.currentData() or None, merge=False)

    def _push(self, command) -> None:
        try:
            push(self.stack, command)
        except PlacementError as exc:
            self.message.emit(f"Not possible: {exc}")
            self._refresh()

    def _set(self, field: str, value: Any, merge: bool = True) -> None:
        if self._updating or self.clip is None or getattr(self.clip, field) == value:
            return
        self._push(SetClipProperty(self.clip, field, value, merge=merge))

    def _text_edited(self) -> None:
        self._typing = True
        try:
            self._set("text", self.text.toPlainText())
        finally:
            self._typing = False

    def _history_chosen(self, index: int) -> None:
        if index >= 0:
            self._set("text", self.history.itemData(index), merge=False)

    def _span_edited(self) -> None:
        if self._updating or self.clip is None or self.project is None:
            return
        self._push(SetSpan(self.project.prompt_track, self.clip.id, self.start.value(), self.end.value(),
                           trim=True))

    def _seed_lock_toggled(self, locked: bool) -> None:
        if self._updating or self.clip is None:
            return
        value = (self.project.settings.seed if self.project else 0) if locked else None
        self._set("seed", value, merge=False)


class ProjectInspector(QGroupBox):
    message = Signal(str)

    def __init__(self, stack: QUndoStack, parent: QWidget | None = None):
        super().__init__("Project", parent)
        self.stack = stack
        self.project: Project | None = None
        self._updating = False
        self.fields: dict[str, tuple[QWidget, Callable[[], Any], Callable[[Any], None]]] = {}
        form = QFormLayout(self)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.addItem("builtin:shapes")
        self.model.lineEdit().editingFinished.connect(lambda: self._set("model", self.model.currentText()))
        self.model.activated.connect(lambda _i: self._set("model", self.model.currentText()))
        self._bind(form, "model", "Model", self.model, self.model.currentText, self.model.setCurrentText, None)
        self.prompt = QLineEdit()
        self.prompt.setPlaceholderText("Global prompt added to every clip (style, setting)")
        self._bind(form, "prompt", "Global prompt", self.prompt, self.prompt.text, self.prompt.setText,
                   self.prompt.editingFinished)
        self.negative = QLineEdit()
        self._bind(form, "negative_prompt", "Negative", self.negative, self.negative.text, self.negative.setText,
                   self.negative.editingFinished)
        size = QHBoxLayout()
        self.width_box, self.height_box = _spin(16, 4096, step=8), _spin(16, 4096, step=8)
        size.addWidget(self.width_box)
        size.addWidget(QLabel("×"))
        size.addWidget(self.height_box)
        form.addRow("Size", size)
        self._bind(None, "width", "", self.width_box, self.width_box.value, self.width_box.setValue,
                   self.width_box.valueChanged)
        self._bind(None, "height", "", self.height_box, self.height_box.value, self.height_box.setValue,
                   self.height_box.valueChanged)
        for field, label, box in (
            ("fps", "Frame rate", _spin(1, 120, suffix=" fps")),
            ("duration", "Length", _spin(0.125, 3600, 3, 1, " s")),
            ("steps", "Steps", _spin(1, 500)),
            ("guidance", "Guidance", _spin(0, 50, 2, 0.5)),
        ):
            self._bind(form, field, label, box, box.value, box.setValue, box.valueChanged)
        seed_row = QHBoxLayout()
        self.seed = _spin(0, 2**31 - 1)
        dice = QToolButton()
        dice.setIcon(icon("dice"))
        dice.setToolTip("A new random seed")
        dice.clicked.connect(lambda: self._set("seed", random.randrange(2**31)))
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(dice)
        form.addRow("Seed", seed_row)
        self._bind(None, "seed", "", self.seed, self.seed.value, self.seed.setValue, self.seed.valueChanged)
        self.mode = QComboBox()
        for mode, label in (("dualparal", "DualParal (blocks in parallel)"), ("window", "Sliding window"),
                            ("full", "Whole video at once")):
            self.mode.addItem(label, mode)
        self._bind(form, "mode", "Sampler", self.mode, self.mode.currentData,
                   lambda v: self.mode.setCurrentIndex(self.mode.findData(v)), self.mode.currentIndexChanged)
        for field, label, box in (
            ("workers", "Workers", _spin(1, 64)),
            ("block_frames", "Block frames", _spin(1, 1024)),
            ("context_frames", "Context frames", _spin(0, 1024)),
        ):
            self._bind(form, field, label, box, box.value, box.setValue, box.valueChanged)
        self.devices = QLineEdit()
        self.devices.setPlaceholderText("any free device (or e.g. cuda:0, cuda:1)")
        self._bind(form, "devices", "Devices", self.devices,
                   lambda: [d.strip() for d in self.devices.text().split(",") if d.strip()],
                   lambda v: self.devices.setText(", ".join(v)), self.devices.editingFinished)

    def _bind(self, form: QFormLayout | None, field: str, label: str, widget: QWidget, get, put, changed) -> None:
        if form is not None:
            form.addRow(label, widget)
        self.fields[field] = (widget, get, put)
        if changed is not None:
            changed.connect(lambda *_a: self._set(field, get()))

    def set_project(self, project: Project) -> None:
        if self.project is not None:
            self.project.settings.events.disconnect(self._refresh)
        self.project = project
        project.settings.events.connect(self._refresh)
        self._refresh()

    def set_models(self, models: list[str]) -> None:
        current = self.model.currentText()
        self._updating = True
        self.model.clear()
        self.model.addItems(models)
        self.model.setCurrentText(current)
        self._updating = False

    def _refresh(self, *_args: object) -> None:
        if self.project is None:
            return
        self._updating = True
        try:
            for field, (_widget, get, put) in self.fields.items():
                value = getattr(self.project.settings, field)
                if get() != value:
                    put(value)
        finally:
            self._updating = False

    def _set(self, field: str, value: Any) -> None:
        if self._updating or self.project is None or getattr(self.project.settings, field) == value:
            return
        try:
            push(self.stack, SetSetting(self.project.settings, field, value))
        except PlacementError as exc:
            self.message.emit(f"Not possible: {exc}")
            self._refresh()


class Inspector(QScrollArea):
    """Clip above, project below, in one scrolling column."""

    def __init__(self, stack: QUndoStack, parent: QWidget | None = None):
        super().__init__(parent)
        self.clip_panel = ClipInspector(stack)
        self.project_panel = ProjectInspector(stack)
        body = QWidget()
        column = QVBoxLayout(body)
        column.addWidget(self.clip_panel)
        column.addWidget(self.project_panel)
        column.addStretch(1)
        self.setWidget(body)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

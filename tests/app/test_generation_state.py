"""The generation state follows the engine's events: blocks done, blocks in flight, previews, frames."""

import pytest
from PySide6.QtGui import QColor, QImage

from app.widgets.generation import GenerationState, frame_range


def _image(color="red"):
    image = QImage(8, 8, QImage.Format.Format_RGB888)
    image.fill(QColor(color))
    return image


def _event(kind, payload, job="j1"):
    return {"seq": 1, "type": kind, "job_id": job, "payload": payload, "ts": 0}


@pytest.fixture
def state(qapp):
    gen = GenerationState()
    gen.reset(total_frames=17, block_frames=4, fps=8, job_id="j1")
    return gen


def test_grid_and_block_done_by_index_or_range(state):
    assert [(b.start, b.end) for b in state.blocks] == [(0, 4), (4, 8), (8, 12), (12, 16), (16, 17)]
    state.on_event(_event("job.status", {"status": "running"}))
    state.on_event(_event("block_done", {"block": 0, "frames": [0, 4]}))
    state.on_event(_event("block_done", {"start": 0.5, "end": 1.0}))      # seconds: frames 4..8
    assert [b.state for b in state.blocks][:3] == ["done", "done", "queued"]
    state.on_event(_event("block_done", {"block": 4}, job="other-job"))   # another job: ignored
    assert state.blocks[4].state == "queued"


def test_grid_is_corrected_by_the_reported_ranges(state):
    state.on_event(_event("block_done", {"block": 1, "start_frame": 8, "end_frame": 16}))
    assert [(b.start, b.end) for b in state.blocks][:2] == [(0, 8), (8, 16)]
    assert state.blocks[1].state == "done"


def test_in_flight_overlay_from_progress(state):
    state.on_event(_event("job.status", {"status": "running"}))
    state.on_event(_event("progress", {"fraction": 0.3, "stage": "denoising",
                                       "in_flight": [{"block": 1, "step": 3, "steps": 4},
                                                     {"block": 2, "step": 1, "steps": 4}]}))
    assert [(b.state, b.fraction) for b in state.blocks[:3]] == [("queued", 0.0), ("running", 0.75),
                                                                  ("running", 0.25)]
    assert state.stage == "denoising" and state.fraction == 0.3


def test_previews_are_live_unless_final(state):
    seen = []
    state.live_preview.connect(seen.append)
    state.on_preview({"job_id": "j1", "step": 2, "steps": 8, "frame": 0}, _image())
    assert seen and state.frames == {} and state.blocks[0].state == "running"
    assert state.blocks[0].fraction == 0.25
    state.on_preview({"job_id": "j1", "final": True, "frame": 5}, _image("blue"))
    assert set(state.frames) == {5}


def test_frames_complete_blocks_and_reset_keeps_earlier_frames(state):
    state.set_frames(0, [_image()] * 8)
    assert [b.state for b in state.blocks][:3] == ["done", "done", "queued"]
    state.reset(total_frames=17, block_frames=4, fps=8, job_id="j2", keep_before=4)
    assert set(state.frames) == {0, 1, 2, 3}
    assert [b.state for b in state.blocks][:2] == ["done", "queued"]


def test_frame_range_forms():
    assert frame_range({"frames": [4, 8]}, 8) == (4, 8)
    assert frame_range({"start_frame": 3, "num_frames": 2}, 8) == (3, 5)
    assert frame_range({"frame": 7}, 8) == (7, 8)
    assert frame_range({"start": 1.0, "end": 1.5}, 8) == (8, 12)
    assert frame_range({}, 8) is None

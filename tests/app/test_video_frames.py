"""Reading a real MP4 (written with PyAV) into frames, at full size or scaled to a memory budget."""

import threading

import av
import numpy as np

from app.video_frames import decode_video, fitted_size


def _write_video(path, frames=12, width=64, height=48, fps=8):
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(frames):
            rgb = np.zeros((height, width, 3), np.uint8)
            rgb[:, : (i + 1) * width // frames] = (200, 40, 40)
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_fitted_size():
    assert fitted_size(832, 480, 100, 2**30) == (832, 480)
    w, h = fitted_size(832, 480, 57_601, 1536 * 2**20)
    assert w * h * 3 * 57_601 <= 1536 * 2**20 and w % 2 == 0 and h % 2 == 0
    assert abs(w / h - 832 / 480) < 0.05


def test_decode_full_size_and_in_budget(qapp, tmp_path):
    path = _write_video(tmp_path / "v.mp4")
    chunks = []
    count = decode_video(path, lambda first, images: chunks.append((first, images)))
    images = [image for _first, batch in chunks for image in batch]
    assert count == 12 == len(images) and chunks[0][0] == 0
    assert (images[0].width(), images[0].height()) == (64, 48)
    assert images[-1].pixelColor(60, 20).red() > 150 and images[0].pixelColor(60, 20).red() < 60
    small = []
    decode_video(path, lambda first, batch: small.extend(batch), budget_bytes=12 * 32 * 24 * 3)
    assert (small[0].width(), small[0].height()) == (32, 24)


def test_decode_stops_when_asked(qapp, tmp_path):
    path = _write_video(tmp_path / "v.mp4", frames=40)
    stop = threading.Event()
    stop.set()
    assert decode_video(path, lambda *_a: None, stop) == 0


def test_png_export_reads_the_file_at_full_size(qapp, tmp_path):
    from PySide6.QtGui import QImage

    from app.export import export_package

    video = _write_video(tmp_path / "v.mp4", frames=5)
    small = {i: QImage(8, 6, QImage.Format.Format_RGB888) for i in range(5)}
    written = export_package(tmp_path / "out" / "film.mp4", video, small, {"format": "x"}, png_frames=True)
    pngs = sorted(p for p in written if p.suffix == ".png")
    assert len(pngs) == 5 and QImage(str(pngs[0])).size().width() == 64
    assert (tmp_path / "out" / "film.mp4").read_bytes() == video.read_bytes()

"""The soundscape job kinds run through the job language and a LocalContext."""

import json

import pytest
import soundfile as sf

from engine.audio.soundscape.runners import run_render, run_search
from engine.jobs.context import LocalContext
from engine.spec import JobRequest, SpecError, validate_request


def request(kind, **params):
    return validate_request(JobRequest(kind=kind, params=params))


def test_search_job_result_has_the_cli_shape(audio_dir, cache_dir, tmp_path):
    params = request("soundscape.search", soundscape=str(audio_dir / "street.wav"),
                     maskers=[str(audio_dir / "maskers")], include_builtin=False,
                     snr_min_db=-6, snr_max_db=6, snr_step_db=0.5, top_k=4, cache_dir=str(cache_dir))
    ctx = LocalContext(tmp_path)
    result = run_search(params, ctx)
    assert result["combinations"] == 3 * 25
    assert isinstance(result["search_ms"], float)
    assert len(result["ranking"]) == 4
    for row in result["ranking"]:
        assert {"masker", "masker_class", "gain_db", "snr_db", "isopl", "isoev"} <= set(row)
    skipped = {p["path"].rsplit("/", 1)[-1] for p in result["maskers_skipped"]}
    assert skipped == {"notaudio.wav", "tiny.wav"}
    json.dumps(result)
    saved = json.loads((tmp_path / "search.json").read_text())
    assert len(saved["rows"]) == 75
    assert ctx.events[-1][1]["fraction"] == 1.0


def test_search_errors_name_the_field(audio_dir, cache_dir, tmp_path):
    with pytest.raises(SpecError, match="snr_max_db"):
        request("soundscape.search", soundscape="x.wav", snr_min_db=3, snr_max_db=-3)
    params = request("soundscape.search", soundscape=str(audio_dir / "maskers" / "notaudio.wav"),
                     cache_dir=str(cache_dir))
    with pytest.raises(ValueError, match="soundscape .* not an audio file"):
        run_search(params, LocalContext(tmp_path))
    params = request("soundscape.search", soundscape=str(audio_dir / "street.wav"), only=["nightingale"],
                     cache_dir=str(cache_dir))
    with pytest.raises(ValueError, match="only: unknown masker"):
        run_search(params, LocalContext(tmp_path))


def test_render_writes_the_mix_at_the_asked_ratio(audio_dir, cache_dir, tmp_path):
    params = request("soundscape.render", soundscape=str(audio_dir / "street.wav"), masker="stream",
                     maskers=[str(audio_dir / "maskers")], snr_db=3.0, output="mix.wav",
                     cache_dir=str(cache_dir))
    result = run_render(params, LocalContext(tmp_path))
    info = sf.info(result["output"])
    assert info.samplerate == 48000 and info.channels == 2 and abs(info.duration - 6.0) < 1e-3
    assert result["snr_db"] == 3.0
    with pytest.raises(SpecError, match="exactly one of gain_db or snr_db"):
        request("soundscape.render", soundscape="a.wav", masker="stream", gain_db=0, snr_db=0)

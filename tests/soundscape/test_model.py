"""Pleasantness models: the shipped ISD model, model folders, and their errors."""

import json

import numpy as np
import pytest

from engine.audio.soundscape.indicators import INDICATORS
from engine.audio.soundscape.model import DEFAULT_MODEL_DIR, MLPModel, PleasantnessModel, load_model, save_model


def test_shipped_isd_model_is_fitted_and_validated():
    model = load_model()
    assert isinstance(model, PleasantnessModel) and model.inputs == INDICATORS
    info = json.loads((DEFAULT_MODEL_DIR / "model.json").read_text())["info"]
    cv = info["cv"]
    assert "leave-one-location-out" in info["validation"]
    best = info["estimator"]
    assert cv[best]["isopl_mse"] < cv["mean predictor"]["isopl_mse"]
    typical = {"LAeq": 62.7, "LA10_LA90": 6.3, "LC_LA": 6.9, "N5": 20.5, "S": 2.0}
    loud = dict(typical, LAeq=75.0, N5=45.0)
    pl, ev = model.predict({k: np.array(v) for k, v in typical.items()})
    pl_loud, ev_loud = model.predict({k: np.array(v) for k, v in loud.items()})
    assert -1 <= pl <= 1 and pl_loud < pl and ev_loud > ev


def test_model_folder_round_trip_and_errors(tmp_path):
    rng = np.random.default_rng(0)
    mlp = MLPModel(name="tiny", inputs=INDICATORS, mean=np.zeros(5), scale=np.ones(5),
                   weights=[rng.normal(size=(5, 4)), rng.normal(size=(4, 2))], biases=[np.zeros(4), np.zeros(2)])
    save_model(mlp, tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    x = {k: rng.normal(size=(3, 2)) for k in INDICATORS}
    np.testing.assert_allclose(loaded.predict(x)[0], mlp.predict(x)[0])
    assert loaded.predict(x)[0].shape == (3, 2)
    with pytest.raises(ValueError, match="needs indicators"):
        loaded.predict({"LAeq": np.zeros(2)})
    with pytest.raises(ValueError, match="no model.json"):
        load_model(tmp_path / "nothing")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "model.json").write_text('{"type": "forest"}')
    with pytest.raises(ValueError, match="not a valid|unknown model type"):
        load_model(tmp_path / "bad")

"""Pleasantness models: the shipped ISD model, model folders, and their errors."""

import json

import numpy as np
import pytest

from engine.audio.soundscape.indicators import INDICATORS
from engine.audio.soundscape.model import (
    DEFAULT_MODEL_DIR,
    MLPModel,
    PleasantnessModel,
    load_model,
    save_model,
)


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


def test_araus_training_script_on_a_file_in_its_schema(tmp_path):
    """The ARAUS script's mechanics (folds, targets, model folder) on a small CSV in ARAUS's layout.

    ARAUS itself is not available offline; the ratings here follow a known rule so the fit can be
    checked: louder stimuli are rated less pleasant.
    """
    import pandas as pd

    from engine.audio.soundscape.iso import PAQ_NAMES
    from engine.audio.soundscape.tools.train_araus import main

    rng = np.random.default_rng(0)
    n = 600
    laeq = rng.uniform(50, 80, n)
    pleasant = np.clip(np.round(5 - (laeq - 50) / 7.5 + rng.normal(0, 0.3, n)), 1, 5)
    data = {name: rng.integers(1, 6, n) for name in PAQ_NAMES}
    data["pleasant"], data["annoying"] = pleasant, 6 - pleasant
    data.update({"LAeq": laeq, "LA10_LA90": rng.uniform(1, 10, n), "LC_LA": rng.uniform(0, 12, n),
                 "N5": 10 + (laeq - 50), "S": rng.uniform(1, 2.5, n), "fold_r": rng.integers(0, 6, n)})
    pd.DataFrame(data).to_csv(tmp_path / "responses.csv", index=False)
    assert main(["--araus", str(tmp_path), "--out", str(tmp_path / "model"), "--model", "linear"]) == 0
    model = load_model(tmp_path / "model")
    info = json.loads((tmp_path / "model" / "model.json").read_text())["info"]
    cv = info["cv_mean_over_folds"]
    assert cv["linear"]["isopl_mse"] < 0.5 * cv["mean predictor"]["isopl_mse"]
    quiet = {k: np.array(v) for k, v in {"LAeq": 52, "LA10_LA90": 5, "LC_LA": 6, "N5": 12, "S": 1.7}.items()}
    loud = dict(quiet, LAeq=np.array(78.0), N5=np.array(38.0))
    assert model.predict(quiet)[0] > model.predict(loud)[0] + 0.3

"""Fit the default pleasantness model on the International Soundscape Database shipped by soundscapy.

    python -m engine.audio.soundscape.tools.fit_isd_model [--out resources/soundscape_models/isd-linear] [--json]

Targets: ISO/TS 12913-3 ISOPleasant and ISOEventful of every survey response (from its eight PAQ
ratings). Inputs: the indicators of the recording made with the response (ISD columns: LAeq, L10-L90,
LCeq-LAeq, Zwicker N5, sharpness). Validation: leave-one-location-out cross-validation (every fold
holds out all responses of one location), reported as held-out MSE and MAE next to a mean predictor.
The linear model with the lower held-out ISOPl error is refitted on all responses and written out.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np

from engine.audio.soundscape.indicators import INDICATORS
from engine.audio.soundscape.iso import PAQ_IDS, iso_coordinates
from engine.audio.soundscape.model import LinearModel, save_model
from engine.resources import resources_dir

ISD_COLUMNS = {
    "LAeq": lambda d: d["LAeq_L(A)_Max"],
    "LA10_LA90": lambda d: d["LAeq_L10(A)_Max"] - d["LAeq_L90(A)_Max"],
    "LC_LA": lambda d: d["LCeq_L(C)_Max"] - d["LAeq_L(A)_Max"],
    "N5": lambda d: d["N_N5_Max"],
    "S": lambda d: d["S_S_Max"],
}
# Published baselines on other data (ARAUS: augmented soundscapes, 5-fold cross-validation set and a
# 48-stimulus test set; MSE of ISOPl in [-1, 1]), as printed by the paper's replication notebook
ARAUS_PUBLISHED = {
    "mean predictor, label mean (Ooi et al. 2023, Sect. 5.1.1)": "validation 0.1553 (mean of 5 folds), test 0.1192",
    "elastic net (Ooi et al. 2023, Sect. 5.1.1)": "validation 0.1357 (mean of 5 folds), test 0.0930",
    "CNN, DCASE 2022 task 1 baseline (Ooi et al. 2023, Sect. 5.1.2)":
        "validation 0.1212 +- 0.0010, test 0.0865 +- 0.0063 (10 seeded runs)",
}
ARAUS_SOURCE = ("Ooi et al., ARAUS, IEEE Trans. Affective Computing 2023 (arXiv 2207.01078); figures as "
                "printed by the authors' replication notebook github.com/ntudsp/araus-dataset-baseline-models "
                "code/replication_code.ipynb")


def load_isd():
    """(X (n, 5), y (n, 2), locations (n,)) for the ISD responses with complete PAQs and indicators."""
    from soundscapy.databases import isd

    df = isd.load()
    paq = df[list(PAQ_IDS)].to_numpy(float)
    x = np.column_stack([ISD_COLUMNS[k](df).to_numpy(float) for k in INDICATORS])
    ok = np.isfinite(paq).all(1) & np.isfinite(x).all(1)
    isopl, isoev = iso_coordinates(paq[ok])
    return x[ok], np.column_stack([isopl, isoev]), df["LocationID"].to_numpy()[ok]


def candidates(seed: int):
    from sklearn.linear_model import ElasticNetCV, LinearRegression
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "linear (OLS)": lambda: make_pipeline(StandardScaler(), LinearRegression()),
        "elastic net (CV alpha)": lambda: make_pipeline(
            StandardScaler(), ElasticNetCV(l1_ratio=[0.1, 0.5, 0.9], cv=5, random_state=seed)),
        "MLP 16x16": lambda: make_pipeline(StandardScaler(), MLPRegressor(
            hidden_layer_sizes=(16, 16), alpha=1e-2, max_iter=2000, early_stopping=True, random_state=seed)),
    }


def cross_validate(x: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int) -> dict[str, dict]:
    """Leave-one-location-out held-out errors of every candidate and of the mean predictor."""
    from sklearn.model_selection import LeaveOneGroupOut

    splits = list(LeaveOneGroupOut().split(x, y, groups))
    results: dict[str, dict] = {}
    preds = {"mean predictor": np.zeros_like(y)}
    for name in candidates(seed):
        preds[name] = np.zeros_like(y)
    for train, test in splits:
        preds["mean predictor"][test] = y[train].mean(axis=0)
        for name, make in candidates(seed).items():
            for k in range(2):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model = make().fit(x[train], y[train, k])
                preds[name][test, k] = np.clip(model.predict(x[test]), -1, 1)
    for name, p in preds.items():
        err = p - y
        results[name] = {
            "isopl_mse": float(np.mean(err[:, 0] ** 2)), "isopl_mae": float(np.mean(np.abs(err[:, 0]))),
            "isoev_mse": float(np.mean(err[:, 1] ** 2)), "isoev_mae": float(np.mean(np.abs(err[:, 1]))),
        }
    return results


def fit_linear(kind: str, x: np.ndarray, y: np.ndarray, seed: int, info: dict) -> LinearModel:
    make = candidates(seed)[kind]
    coef, intercept = [], []
    mean, scale = x.mean(axis=0), x.std(axis=0)
    for k in range(2):
        pipe = make().fit(x, y[:, k])
        reg = pipe[-1]
        sc = pipe[0]
        # re-express on our own standardisation (identical to the pipeline's scaler)
        assert np.allclose(sc.mean_, mean) and np.allclose(sc.scale_, scale)
        coef.append(reg.coef_)
        intercept.append(reg.intercept_)
    return LinearModel(name="isd-linear", inputs=INDICATORS, mean=mean, scale=scale,
                       coef=np.asarray(coef), intercept=np.asarray(intercept), info=info)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=resources_dir() / "soundscape_models" / "isd-linear")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args(argv)
    x, y, groups = load_isd()
    results = cross_validate(x, y, groups, args.seed)
    linear = min(("linear (OLS)", "elastic net (CV alpha)"), key=lambda k: results[k]["isopl_mse"])
    info = {
        "fitted_on": "International Soundscape Database v1.0 (soundscapy.databases.isd), "
                     f"{len(y)} responses with indicators, {len(set(groups))} locations",
        "estimator": linear, "seed": args.seed,
        "validation": "leave-one-location-out cross-validation, per-response held-out error",
        "cv": results, "araus_published_isopl_mse": ARAUS_PUBLISHED, "araus_source": ARAUS_SOURCE,
        "command": "python -m engine.audio.soundscape.tools.fit_isd_model",
    }
    path = save_model(fit_linear(linear, x, y, args.seed, info), args.out)
    if args.json:
        print(json.dumps({"model": str(path), **info}, indent=1))
        return 0
    print(f"ISD: {len(y)} responses, {len(set(groups))} locations; leave-one-location-out held-out error")
    print(f"{'model':28s} {'ISOPl MSE':>10s} {'ISOPl MAE':>10s} {'ISOEv MSE':>10s} {'ISOEv MAE':>10s}")
    for name, r in results.items():
        print(f"{name:28s} {r['isopl_mse']:10.4f} {r['isopl_mae']:10.4f} {r['isoev_mse']:10.4f} {r['isoev_mae']:10.4f}")
    for name, mse in ARAUS_PUBLISHED.items():
        print(f"  published, other data (ARAUS): {name}: ISOPl MSE {mse}")
    print(f"wrote {path} ({linear})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

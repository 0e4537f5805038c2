"""Train a pleasantness model on the ARAUS dataset, for users who have it locally.

    python -m engine.audio.soundscape.tools.train_araus --araus DIR --out MODEL_DIR [--model mlp|linear]
        [--responses responses.csv] [--columns '{"LAeq": "...", ...}'] [--fold-column fold_r]

ARAUS (Ooi et al., 2023; https://doi.org/10.21979/N9/9OTEVX) is not redistributable here and nothing
is downloaded. The script reads ``DIR/responses.csv``: the eight ISO 12913-2 attribute ratings per
response (columns ``pleasant, vibrant, eventful, chaotic, annoying, monotonous, uneventful, calm``,
1..5) become ISOPl/ISOEv targets; the indicators the search computes (LAeq, LA10_LA90, LC_LA, N5, S)
are read from the columns named by ``--columns`` (a JSON object mapping our names to CSV columns, or
a path to such a JSON file). Folds come from ``--fold-column``: fold 0 is the independent test set,
the others are cross-validated (each held out in turn). The model is an MLP on the indicators (or a
linear model) evaluated with numpy by the search; it is not the paper's spectrogram network, which
the feature-domain search cannot feed. The model folder can then be chosen per job (``model_dir``).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np

from engine.audio.soundscape.indicators import INDICATORS
from engine.audio.soundscape.iso import PAQ_NAMES, iso_coordinates
from engine.audio.soundscape.model import LinearModel, MLPModel, save_model

DEFAULT_COLUMNS = {"LAeq": "LAeq", "LA10_LA90": "LA10_LA90", "LC_LA": "LC_LA", "N5": "N5", "S": "S"}


def load(path: Path, columns: dict[str, str], fold_column: str):
    import pandas as pd

    if not path.is_file():
        raise SystemExit(f"--araus: {path} not found; give the folder holding ARAUS's responses.csv")
    df = pd.read_csv(path)
    needed = [*PAQ_NAMES, *columns.values(), fold_column]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise SystemExit(f"{path}: missing columns {missing}; map our indicators {list(INDICATORS)} to its "
                         f"columns with --columns (available: {', '.join(map(str, df.columns))})")
    paq = df[list(PAQ_NAMES)].to_numpy(float)
    x = df[[columns[k] for k in INDICATORS]].to_numpy(float)
    ok = np.isfinite(paq).all(1) & np.isfinite(x).all(1)
    isopl, isoev = iso_coordinates(paq[ok])
    return x[ok], np.column_stack([isopl, isoev]), df[fold_column].to_numpy()[ok]


def make(kind: str, seed: int):
    from sklearn.linear_model import LinearRegression
    from sklearn.neural_network import MLPRegressor

    if kind == "linear":
        return LinearRegression()
    return MLPRegressor(hidden_layer_sizes=(32, 32), alpha=1e-3, max_iter=1000, early_stopping=True,
                        random_state=seed)


def fit(kind: str, x: np.ndarray, y: np.ndarray, seed: int):
    mean, scale = x.mean(0), x.std(0) + 1e-12
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = make(kind, seed).fit((x - mean) / scale, y)
    return est, mean, scale


def to_model(kind: str, est, mean, scale, info: dict) -> LinearModel | MLPModel:
    if kind == "linear":
        return LinearModel("araus-linear", INDICATORS, mean, scale, np.asarray(est.coef_),
                           np.asarray(est.intercept_), info)
    return MLPModel("araus-mlp", INDICATORS, mean, scale, [np.asarray(w) for w in est.coefs_],
                    [np.asarray(b) for b in est.intercepts_], info)


def mse(pred: np.ndarray, y: np.ndarray) -> dict[str, float]:
    pred = np.clip(pred, -1, 1)
    return {"isopl_mse": float(np.mean((pred[:, 0] - y[:, 0]) ** 2)),
            "isoev_mse": float(np.mean((pred[:, 1] - y[:, 1]) ** 2))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--araus", type=Path, required=True, help="folder of the ARAUS dataset")
    ap.add_argument("--out", type=Path, required=True, help="model folder to write (model.json)")
    ap.add_argument("--model", choices=("mlp", "linear"), default="mlp")
    ap.add_argument("--responses", default="responses.csv")
    ap.add_argument("--columns", default=None, help="JSON (or JSON file) mapping indicator names to columns")
    ap.add_argument("--fold-column", default="fold_r")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    columns = dict(DEFAULT_COLUMNS)
    if args.columns:
        text = Path(args.columns).read_text() if Path(args.columns).is_file() else args.columns
        columns.update(json.loads(text))
    x, y, folds = load(args.araus / args.responses, columns, args.fold_column)
    cv_folds = sorted(f for f in set(folds.tolist()) if f != 0)
    cv = {"mean predictor": [], args.model: []}
    for f in cv_folds:
        train, held = (folds != f) & (folds != 0), folds == f
        est, mean, scale = fit(args.model, x[train], y[train], args.seed)
        cv[args.model].append(mse(est.predict((x[held] - mean) / scale), y[held]))
        cv["mean predictor"].append(mse(np.broadcast_to(y[train].mean(0), y[held].shape), y[held]))
    summary = {k: {m: float(np.mean([r[m] for r in v])) for m in ("isopl_mse", "isoev_mse")}
               for k, v in cv.items() if v}
    dev = folds != 0
    est, mean, scale = fit(args.model, x[dev], y[dev], args.seed)
    test = None
    if (folds == 0).any():
        test = mse(est.predict((x[folds == 0] - mean) / scale), y[folds == 0])
    info = {"fitted_on": f"ARAUS {args.araus}", "responses": int(dev.sum()), "columns": columns,
            "cv_mean_over_folds": summary, "test_fold_0": test, "seed": args.seed,
            "command": "python -m engine.audio.soundscape.tools.train_araus " + " ".join(argv or sys.argv[1:])}
    path = save_model(to_model(args.model, est, mean, scale, info), args.out)
    print(json.dumps({"model": str(path), **info}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Reference learner for the learning curve: LightGBM lambdarank trained on exactly the
sessions and inputs the Rust models saw (written by `cargo bench --bench learning_curve`),
scored on the same fresh runners against the simulator's true gains.

    python benches/lightgbm_reference.py OUT_DIR

Reads OUT_DIR/train_N.csv and OUT_DIR/eval.csv, writes OUT_DIR/lightgbm.json and prints
the combined table with OUT_DIR/rust.json.
"""
import glob
import json
import os
import sys

import lightgbm as lgb
import numpy as np
import pandas as pd


def groups(frame):
    # Rows are written session by session; LightGBM wants the size of each consecutive group.
    return frame.groupby("session", sort=False).size().to_numpy()


MAX_TREES = 1000
CHECKPOINTS = (25, 50, 100, 200, 300, 400, 600, 800, 1000)


def pair_accuracy(scores, frame):
    """Share of within-session pairs with different grades that the scores order correctly."""
    right = total = 0
    grades = frame.grade.to_numpy()
    for idx in frame.groupby("session", sort=False).indices.values():
        s, g = scores[idx], grades[idx]
        better = g[:, None] > g[None, :]
        total += better.sum()
        right += (better & (s[:, None] > s[None, :])).sum()
    return right / max(total, 1)


def ndcg_at_5(scores, gains):
    order = np.argsort(-scores, kind="stable")[:5]
    discount = 1.0 / np.log2(np.arange(2, 7))
    dcg = float((gains[order] * discount[: len(order)]).sum())
    ideal = np.sort(gains)[::-1][:5]
    idcg = float((ideal * discount[: len(ideal)]).sum())
    return dcg / idcg if idcg > 0 else 0.0


def main(out):
    evaluation = pd.read_csv(os.path.join(out, "eval.csv"))
    features = [c for c in evaluation.columns if c not in ("runner", "shoe", "gain")]
    results = {}
    for path in sorted(glob.glob(os.path.join(out, "train_*.csv")), key=lambda p: int(p.split("_")[-1][:-4])):
        n = int(path.split("_")[-1][:-4])
        data = pd.read_csv(path)
        train, valid = data[data.split == "train"], data[data.split == "valid"]
        # Rank within each tried-on set; the grade (0 put back .. 3 bought and kept) is the label.
        # The reference gets its best shot: two ranking objectives and the number of trees,
        # all chosen on the validation sessions by how many bought-vs-put-back (and kept-vs-
        # returned) pairs they order correctly.
        # Relevance: the grades (0 put back; 1 bought and a poor fit, 2 bought, 3 bought and kept).
        train_set = lgb.Dataset(train[features], label=train.grade.round().astype(int), group=groups(train))
        best = None
        for objective in ("lambdarank", "rank_xendcg"):
            params = {
                "objective": objective,
                "learning_rate": 0.05,
                "num_leaves": 31,
                "min_data_in_leaf": 20,
                "bagging_fraction": 0.8,
                "bagging_freq": 1,
                "feature_fraction": 0.8,
                "seed": 7,
                "verbose": -1,
            }
            model = lgb.train(params, train_set, num_boost_round=MAX_TREES)
            for trees in CHECKPOINTS:
                accuracy = pair_accuracy(model.predict(valid[features], num_iteration=trees), valid)
                if best is None or accuracy > best[0]:
                    best = (accuracy, objective, trees, model)
        _, objective, trees, model = best
        scores = model.predict(evaluation[features], num_iteration=trees)
        per_runner = [
            ndcg_at_5(scores[idx], evaluation.gain.to_numpy()[idx])
            for idx in evaluation.groupby("runner").indices.values()
        ]
        results[n] = {"lightgbm": float(np.mean(per_runner)), "objective": objective, "trees": trees}
    with open(os.path.join(out, "lightgbm.json"), "w") as f:
        json.dump(results, f, indent=2)

    rust = {row["sessions"]: row for row in json.load(open(os.path.join(out, "rust.json")))}
    print(f"{'sessions':>8} {'rules':>8} {'logistic':>9} {'interaction':>12} {'lightgbm':>9} {'gap':>7}")
    for n, row in sorted(rust.items()):
        ref = results.get(n, {}).get("lightgbm", float("nan"))
        chosen = results.get(n, {})
        print(
            f"{n:>8} {row['rules']:>8.3f} {row['logistic']:>9.3f} {row['interaction']:>12.3f} {ref:>9.3f} {row['interaction'] - ref:>+7.3f}"
            f"   ({chosen.get('objective', '-')}, {chosen.get('trees', '-')} trees)"
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/learning-curve")

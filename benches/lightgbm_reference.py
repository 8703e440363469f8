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
        model = lgb.LGBMRanker(
            objective="lambdarank",
            n_estimators=1000,
            learning_rate=0.05,
            num_leaves=31,
            min_child_samples=20,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.8,
            random_state=7,
            verbose=-1,
        )
        model.fit(
            train[features],
            train.grade.astype(int),
            group=groups(train),
            eval_set=[(valid[features], valid.grade.astype(int))],
            eval_group=[groups(valid)],
            eval_at=[5],
            callbacks=[lgb.early_stopping(50, verbose=False)],
        )
        scores = model.predict(evaluation[features], num_iteration=model.best_iteration_)
        per_runner = [
            ndcg_at_5(scores[idx], evaluation.gain.to_numpy()[idx])
            for idx in evaluation.groupby("runner").indices.values()
        ]
        results[n] = {"lightgbm": float(np.mean(per_runner)), "trees": int(model.best_iteration_ or 0)}
    with open(os.path.join(out, "lightgbm.json"), "w") as f:
        json.dump(results, f, indent=2)

    rust = {row["sessions"]: row for row in json.load(open(os.path.join(out, "rust.json")))}
    print(f"{'sessions':>8} {'rules':>8} {'logistic':>9} {'interaction':>12} {'lightgbm':>9} {'gap':>7}")
    for n, row in sorted(rust.items()):
        ref = results.get(n, {}).get("lightgbm", float("nan"))
        print(
            f"{n:>8} {row['rules']:>8.3f} {row['logistic']:>9.3f} {row['interaction']:>12.3f} {ref:>9.3f} {row['interaction'] - ref:>+7.3f}"
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/learning-curve")

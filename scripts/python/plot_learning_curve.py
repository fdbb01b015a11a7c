"""Plots the learning curve written by load-tests/learning-curve.mjs.

    plot_learning_curve.py OUT.png RUN.json [RUN.json ...]

One panel per run (largest promotion window first): prequential accuracy of each block of
tweets against the feedback sent before it, for the pipeline, the starting model frozen and a
model refitted from scratch; promotions the pipeline made are marked on the axis.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")  # no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402

LINES = [
    ("pipeline", "pipeline (serve --bridge --learn)", "tab:blue", "-"),
    ("noLearning", "no learning (starting model)", "tab:gray", "--"),
    ("refit", "refit from scratch every checkpoint", "tab:orange", "-."),
]


def main(out, paths):
    runs = [json.load(open(path, encoding="utf-8")) for path in paths]
    runs.sort(key=lambda run: -run["settings"]["window"])
    fig, axes = plt.subplots(1, len(runs), figsize=(max(7.5, 6.5 * len(runs)), 4.8), sharey=True, squeeze=False)
    for ax, run in zip(axes[0], runs):
        points = run["checkpoints"]
        # Each block is plotted at its middle: the accuracy is over the block, not at its start.
        x = [c["feedbackBefore"] + c["items"] / 2 for c in points]
        for key, label, color, style in LINES:
            ax.plot(x, [100 * c[key] for c in points], style, color=color, marker="o", markersize=3, label=label)
        for promotion in run["promotions"]:
            if promotion["feedbackBefore"] is not None:
                ax.axvline(promotion["feedbackBefore"], color="tab:blue", alpha=0.25, linewidth=1)
        overall = run["overall"]
        ax.set_title(
            f"promotion window {run['settings']['window']}: {len(run['promotions'])} promotions\n"
            f"overall {100 * overall['pipeline']:.1f}% pipeline, {100 * overall['noLearning']:.1f}% frozen, "
            f"{100 * overall['refit']:.1f}% refit",
            fontsize=10,
        )
        ax.set_xlabel("feedback items sent (blocks of %d tweets)" % run["settings"]["checkpoint"])
        ax.grid(alpha=0.3)
        for c, xi in zip(points, x):
            ax.annotate(c["mainTopic"].split(" ")[0], (xi, 99), fontsize=6, ha="center", va="top", rotation=90, color="dimgray")
    axes[0][0].set_ylabel("prequential accuracy of the block, %")
    axes[0][0].set_ylim(0, 100)
    axes[0][0].legend(loc="lower left", fontsize=8)
    params = runs[0]["settings"]["params"]
    fig.suptitle(
        f"Sanders tweets in time order: {params['vectorizer']} vectorizer, {params['algorithm']} NB,\n"
        f"starting model on {runs[0]['corpus']['start']} tweets (vertical lines: promotions; labels: the block's main topic)",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(out, dpi=120)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])

"""Writes the engine's parity fixtures (test/engine/fixtures/*.json) with real scikit-learn.

The tests compare the TypeScript engine against these numbers; regenerate them (from the repository
root) after changing the corpus below or upgrading scikit-learn:
    python3 scripts/python/gen_engine_fixtures.py && npx prettier --write test/engine/fixtures/
"""

import json
import sys
import unicodedata
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer, TfidfTransformer
from sklearn.naive_bayes import ComplementNB, MultinomialNB

OUT = Path(__file__).resolve().parents[2] / "test" / "engine" / "fixtures"

TRICKY = [
    "Hello, World! hello",
    "a b c ab cd e1 9 99 _ __ a_b",
    "I ❤️ NY 🗽 emoji🙂inside and 😀😀",
    "Café naïve résumé CRÈME BRÛLÉE",
    "東京は晴れ 北京欢迎你 서울특별시",
    "مرحبا بالعالم العربية",
    "हिन्दी भाषा नमस्ते किताब",
    "Ελληνικά ΟΔΟΣ ΣΊΣΥΦΟΣ Σ ΣΣ ΑΣ.",
    "İstanbul İI ǅemal ß ẞ ﬁne ŉ",
    "https://t.co/AbC123?x=1&y=two www.example.com/path_name",
    "@user_name #HashTag #2024 $AAPL RT:@other",
    "numbers ²³ ¼ ½ Ⅻ ⅻ ① ١٢٣ ๑๒ 12,345.67",
    "tabs\tand\nnew\r\nlines\u00a0nbsp\u2003em\u200bzwsp",
    "x\u0301y combining a\u0308b",
    "𝐁𝐨𝐥𝐝 𝔉𝔯𝔞𝔨𝔱𝔲𝔯 𐐀𐐁 𐐨𐐩 𝟙𝟚",
    "ꟋA xꟋy ꟜB ɤɤ ƛƛ",
    "ʕΣ ΑΣʕ ΟΔΟΣ𐵐 ΟΔΟΣ\U0001171E ΑΣ'Σ ΑΣ.Β Σ\u0301Α ΑΣ\u00ad ΑΣ👍🏽",
    "don't won't it's O'Neil",
    "",
    "   ...   ",
    "a",
    "ab",
]

# A small corpus with repeated, rare and shared terms, non-ASCII words and one empty document.
TRAIN = [
    ("sports", "The team won the match; the fans cheered the goal"),
    ("sports", "A late goal won the cup final for the home team"),
    ("sports", "Football fans travel to the match. Goal goal goal!"),
    ("sports", "Le match de football: l'équipe a gagné"),
    ("tech", "The new phone has a faster chip and better camera"),
    ("tech", "Apple and Google release phone software updates"),
    ("tech", "A faster chip for laptops; the camera app crashed"),
    ("tech", "Software update fixes the phone camera bug 🐛"),
    ("tech", ""),
    ("politics", "The election campaign focuses on taxes and jobs"),
    ("politics", "Voters cheered the candidate after the debate"),
    ("politics", "Parliament debates the new tax law; the vote is close"),
    ("politics", "Élection présidentielle: le débat sur les impôts"),
]

TEST = [
    "Goal! The team won",
    "new phone camera",
    "the debate on taxes",
    "football match équipe",
    "nothing known here zzz",
    "",
    "THE THE THE the",
    "phone goal debate",
    "🐛 bug camera camera camera",
]

EXTRA = [
    ("tech", "Camera chip phone update"),
    ("politics", "Taxes vote debate election"),
    ("sports", "goal"),
    ("sports", ""),
    ("politics", "unknown words only xyzzy"),
]

# Feedback that brings classes the model was not trained on: one sorting first, one between two
# known classes, one last. partial_fit's reference declares every class in its first call.
NEW_CLASSES = EXTRA + [
    ("cooking", "Bake the bread; the oven is hot"),
    ("science", "The telescope found a new planet and its moons"),
    ("weather", "Rain and wind tomorrow, sunny on the weekend"),
    ("cooking", "Fresh bread and a hot soup"),
]

CONFIGS = {
    "multinomial-default": dict(algorithm="multinomial"),
    "multinomial-alpha-uniform": dict(algorithm="multinomial", alpha=0.25, fitPrior=False),
    "complement-default": dict(algorithm="complement"),
    "complement-norm": dict(algorithm="complement", alpha=0.5, complementNorm=True),
    "multinomial-sublinear-raw": dict(algorithm="multinomial", sublinearTf=True, norm="none", useIdf=False),
    "multinomial-bigrams-pruned": dict(algorithm="multinomial", ngramRange=[1, 2], minDf=2, maxDf=0.5),
    "complement-bigrams-proportion": dict(algorithm="complement", ngramRange=[1, 2], minDf=0.1, maxDf=5),
    # HashingVectorizer(alternate_sign=False, norm=None); few columns, so terms collide.
    "hashing-multinomial-64": dict(algorithm="multinomial", vectorizer="hashing", nFeatures=64),
    "hashing-complement-bigrams": dict(
        algorithm="complement", vectorizer="hashing", nFeatures=1000, ngramRange=[1, 2], sublinearTf=True
    ),
    # Without idf, l2-normalised counts: HashingVectorizer(alternate_sign=False) with its default norm.
    "hashing-multinomial-no-idf": dict(algorithm="multinomial", vectorizer="hashing", nFeatures=2**18, useIdf=False),
}


def sklearn_df(value, is_min):
    # TrainingParams: minDf >= 1 and maxDf > 1 are counts, the rest proportions.
    if is_min:
        return int(value) if value >= 1 else float(value)
    return int(value) if value > 1 else float(value)


def build(config):
    if config.get("vectorizer") == "hashing":
        vectorizer = HashingVectorizer(
            n_features=config["nFeatures"],
            ngram_range=tuple(config.get("ngramRange", [1, 1])),
            alternate_sign=False,
            norm=None,
        )
    else:
        vectorizer = CountVectorizer(
            ngram_range=tuple(config.get("ngramRange", [1, 1])),
            min_df=sklearn_df(config.get("minDf", 1), True),
            max_df=sklearn_df(config.get("maxDf", 1.0), False),
        )
    tfidf = TfidfTransformer(
        norm=None if config.get("norm") == "none" else "l2",
        use_idf=config.get("useIdf", True),
        sublinear_tf=config.get("sublinearTf", False),
    )
    if config["algorithm"] == "multinomial":
        model = MultinomialNB(alpha=config.get("alpha", 1.0), fit_prior=config.get("fitPrior", True))
    else:
        model = ComplementNB(alpha=config.get("alpha", 1.0), norm=config.get("complementNorm", False))
    return vectorizer, tfidf, model


def run(config):
    vectorizer, tfidf, model = build(config)
    texts = [t for _, t in TRAIN]
    labels = [c for c, _ in TRAIN]
    X = tfidf.fit_transform(vectorizer.fit_transform(texts))
    model.fit(X, labels)
    X_test = tfidf.transform(vectorizer.transform(TEST))
    hashing = config.get("vectorizer") == "hashing"
    result = {
        "params": config,
        "vocabulary": [] if hashing else vectorizer.get_feature_names_out().tolist(),
        "columns": X.shape[1],
        "idf": tfidf.idf_.tolist() if config.get("useIdf", True) else None,
        "classes": model.classes_.tolist(),
        "predictions": model.predict(X_test).tolist(),
        "proba": model.predict_proba(X_test).tolist(),
        "jll": model.predict_joint_log_proba(X_test).tolist(),
    }
    X_extra = tfidf.transform(vectorizer.transform([t for _, t in EXTRA]))
    model.partial_fit(X_extra, [c for c, _ in EXTRA])
    result["afterPartialFit"] = {
        "predictions": model.predict(X_test).tolist(),
        "proba": model.predict_proba(X_test).tolist(),
    }
    # New classes: the same training rows given to a first partial_fit that declares every class
    # (numpy.unique order), then the feedback; the vectorizer and idf stay as fitted.
    _, _, model = build(config)
    classes = np.unique(labels + [c for c, _ in NEW_CLASSES])
    model.partial_fit(X, labels, classes=classes)
    model.partial_fit(tfidf.transform(vectorizer.transform([t for _, t in NEW_CLASSES])), [c for c, _ in NEW_CLASSES])
    result["afterNewClasses"] = {
        "classes": model.classes_.tolist(),
        "predictions": model.predict(X_test).tolist(),
        "proba": model.predict_proba(X_test).tolist(),
    }
    return result


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    analyzer = CountVectorizer().build_analyzer()
    bigrams = CountVectorizer(ngram_range=(1, 2)).build_analyzer()
    versions = {
        "python": sys.version.split()[0],
        "unicode": unicodedata.unidata_version,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }
    tokens = {
        "versions": versions,
        "cases": [{"text": t, "lower": t.lower(), "tokens": analyzer(t), "bigrams": bigrams(t)} for t in TRICKY],
    }
    write("tokenize.json", tokens)

    lower = {}
    for cp in range(sys.maxunicode + 1):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        mapped = chr(cp).lower()
        if mapped != chr(cp):
            lower[f"{cp:x}"] = [ord(c) for c in mapped]
    write("python-lower.json", {"versions": versions, "lower": lower, "finalSigma": final_sigma()})

    classifiers = {
        "versions": versions,
        "train": [{"label": c, "text": t} for c, t in TRAIN],
        "test": TEST,
        "extra": [{"label": c, "text": t} for c, t in EXTRA],
        "newClasses": [{"label": c, "text": t} for c, t in NEW_CLASSES],
        "configs": {name: run(config) for name, config in CONFIGS.items()},
    }
    write("classifiers.json", classifiers)


# A capital sigma next to each code point c, and where its lowercase is in the result.
SIGMA_CONTEXTS = {"cΣ": ("{}\u03a3", -1), "Σc": ("\u03a3{}", 0), "AcΣ": ("A{}\u03a3", -1), "AΣc": ("A\u03a3{}", 1)}


def final_sigma():
    """For each context, the code points c with which Python lowercases the sigma to ς (U+03C2), as
    inclusive [first, last] pairs, flattened; with every other c it becomes σ (U+03C3)."""
    out = {}
    for name, (template, position) in SIGMA_CONTEXTS.items():
        ranges, start = [], None
        for cp in range(sys.maxunicode + 2):
            final = False
            if cp <= sys.maxunicode:
                lowered = template.format(chr(cp)).lower()
                assert lowered[position] in "\u03c2\u03c3"
                final = lowered[position] == "\u03c2"
            if final and start is None:
                start = cp
            elif not final and start is not None:
                ranges += [start, cp - 1]
                start = None
        out[name] = ranges
    return out


def write(name, value):
    (OUT / name).write_text(json.dumps(value, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()

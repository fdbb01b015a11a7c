#!/usr/bin/env python3
"""Checks topicstream against scikit-learn, its reference implementation.

For each configuration, scikit-learn fits CountVectorizer (or HashingVectorizer) -> TfidfTransformer
-> MultinomialNB or ComplementNB on the 20 Newsgroups bydate training split and predicts the test
split; topicstream does the same through its real command line (train, inspect --json, classify
--proba). The two must agree on the vocabulary size (the columns, when hashing), on every predicted
label and on every probability to 1e-9. Configuration (n) trains on the same posts with numeric
labels, written to a JSON Lines file, and checks that the classes come out in numpy.unique's numeric
order. partial_fit is checked on (a) with more documents of its classes, and on (a) and (j) with
1,000 documents that include a class the model was not trained on. Token parity compares
CountVectorizer's analyzer with `topicstream tokenize`, and hashing parity HashingVectorizer's
(column, count) pairs with topicstream's, on Unicode-heavy texts and, when given, the Sanders
tweets. Exits 1 on any mismatch.

Usage: parity.py --archive 20news-bydate.tar.gz [--tweets sanders.csv] [--json-out FILE]
"""

import argparse
import csv
import json
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

import numpy as np
from sklearn.datasets import load_files
from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer, TfidfTransformer
from sklearn.naive_bayes import ComplementNB, MultinomialNB
from sklearn.pipeline import Pipeline

TOLERANCE = 1e-9
TUTORIAL = ["alt.atheism", "soc.religion.christian", "comp.graphics", "sci.med"]
# topicstream's default n_features for --vectorizer hashing (scikit-learn's is 2**20).
N_FEATURES = 2**18


def hashing(**options):
    """HashingVectorizer as topicstream's hashing pipeline starts: counts, normalised later if at all."""
    return HashingVectorizer(alternate_sign=False, norm=None, n_features=N_FEATURES, **options)


# name, categories (None = all 20), scikit-learn pipeline factory, topicstream train flags
CONFIGS = [
    (
        "a",
        "4 groups, tf-idf, MultinomialNB(alpha=1)",
        TUTORIAL,
        lambda: Pipeline([("vect", CountVectorizer()), ("tfidf", TfidfTransformer()), ("clf", MultinomialNB())]),
        [],
    ),
    (
        "b",
        "20 groups, tf-idf, MultinomialNB(alpha=1)",
        None,
        lambda: Pipeline([("vect", CountVectorizer()), ("tfidf", TfidfTransformer()), ("clf", MultinomialNB())]),
        [],
    ),
    (
        "c",
        "20 groups, tf-idf, ComplementNB(alpha=1)",
        None,
        lambda: Pipeline([("vect", CountVectorizer()), ("tfidf", TfidfTransformer()), ("clf", ComplementNB())]),
        ["--algorithm", "complement"],
    ),
    (
        "d",
        "20 groups, sublinear tf-idf, (1,2)-grams, ComplementNB(alpha=0.3)",
        None,
        lambda: Pipeline(
            [
                ("vect", CountVectorizer(ngram_range=(1, 2))),
                ("tfidf", TfidfTransformer(sublinear_tf=True)),
                ("clf", ComplementNB(alpha=0.3)),
            ]
        ),
        ["--algorithm", "complement", "--alpha", "0.3", "--sublinear-tf", "--ngram", "1,2"],
    ),
    (
        "e",
        "4 groups, raw counts, MultinomialNB(alpha=0.01)",
        TUTORIAL,
        lambda: Pipeline([("vect", CountVectorizer()), ("clf", MultinomialNB(alpha=0.01))]),
        ["--no-idf", "--norm", "none", "--alpha", "0.01"],
    ),
    (
        "h",
        "20 groups, hashing 2^18, tf-idf, MultinomialNB(alpha=1)",
        None,
        lambda: Pipeline([("vect", hashing()), ("tfidf", TfidfTransformer()), ("clf", MultinomialNB())]),
        ["--vectorizer", "hashing"],
    ),
    (
        # Bigrams are hashed in the (hashing) check below, on every tweet: here they would only add time.
        "i",
        "20 groups, hashing 2^18, sublinear tf-idf, ComplementNB(alpha=0.3)",
        None,
        lambda: Pipeline(
            [("vect", hashing()), ("tfidf", TfidfTransformer(sublinear_tf=True)), ("clf", ComplementNB(alpha=0.3))]
        ),
        ["--vectorizer", "hashing", "--algorithm", "complement", "--alpha", "0.3", "--sublinear-tf"],
    ),
    (
        "j",
        "4 groups, hashing 2^18, tf-idf, MultinomialNB(alpha=1)",
        TUTORIAL,
        lambda: Pipeline([("vect", hashing()), ("tfidf", TfidfTransformer()), ("clf", MultinomialNB())]),
        ["--vectorizer", "hashing"],
    ),
    (
        # scikit-learn's out-of-core example: HashingVectorizer(alternate_sign=False) with its default
        # norm="l2" straight into MultinomialNB. topicstream says it as --no-idf (norm l2 is the default).
        "k",
        "4 groups, HashingVectorizer(alternate_sign=False) l2 counts, MultinomialNB(alpha=0.01)",
        TUTORIAL,
        lambda: Pipeline(
            [("vect", HashingVectorizer(alternate_sign=False, n_features=N_FEATURES)), ("clf", MultinomialNB(alpha=0.01))]
        ),
        ["--vectorizer", "hashing", "--no-idf", "--alpha", "0.01"],
    ),
]

# partial_fit with a class the model was not trained on: models (a) (count) and (j) (hashing), trained
# on the tutorial's four groups, get 1,000 test posts of those groups and of this one.
NEW_CLASS = "sci.space"
FEEDBACK = 1000

# Configuration (n): the 20 newsgroups, in load_files order, relabelled with these integers. Their
# numeric order (numpy.unique on the labels) differs from their code-point order as strings
# ("10" < "2"). Every other post writes its label as a float (7.0): numpy then holds the labels as
# a float array, where 7 and 7.0 are one class, so topicstream must make them one class too.
# (Fractional labels such as 2.5 are not classes: scikit-learn refuses them as continuous targets.)
NUMERIC = ("n", "20 groups as numeric labels (JSON Lines), tf-idf, MultinomialNB(alpha=1)")
NUMERIC_LABELS = [10, 2, 1, 20, 100, 3, -2, 30, -1, 200, 11, 25, 1000, -10, 7, 70, 5, 50, 12, 0]

# Texts chosen to break naive tokenizers: Python's \w differs from JavaScript's \p{L}\p{N}_ on
# combining marks, other digits and letter-like symbols, and lowercasing has special cases.
TRICKY_TEXTS = [
    "Hello World! I'm loving the new #iPhone4S from @Apple :) http://t.co/AbC123xyz",
    "RT @user_name: __init__ snake_case_word _ a_b __ ___ x_",
    "https://example.com/path?q=1&x=y www.test.org e-mail me@example.org",
    "I ❤️ NY 😀😀 great👍day 👨‍👩‍👧 family 🇺🇸🇫🇷 flags ☕️coffee",
    "Café naïve résumé São Paulo Ærøskøbing Dvořák façade",
    "Cafe\u0301 e\u0301te\u0301 decomposed accents n\u0303o",
    "東京は日本の首都です 中文分词测试 한국어 텍스트 カタカナ ﾊﾝｶｸ",
    "مرحبا بالعالم ١٢٣ ٤٥ كِتَابٌ عَرَبِيّ",
    "नमस्ते दुनिया हिन्दी क्षत्रिय संस्कृतम्",
    "ภาษาไทย ทดสอบ Tiếng Việt có dấu שלום עולם",
    "123 4.5 1,000 10% ² ³ ½ ① ⑩ ٣ ௰ 𝟙𝟚 Ⅻ ⅻ",
    "ΟΔΟΣ ΣΊΣΥΦΟΣ Σ ΑΣ σς ΐ Ὀδυσσεύς",
    "İstanbul İİ IIı TÜRKİYE ǅemal ǈ ǋ",
    "straße STRASSE ẞ ﬁnance ﬀ Kelvin K Å ℌ ℍ",
    "ＦＵＬＬ ｗｉｄｔｈ ｔｅｘｔ １２３",
    "𝐀𝐁𝐂 𝒶𝒷𝒸 𐍈𐍉 𓀀𓀁 math and old scripts",
    "tabs\tand\u00a0nbsp\u2003em\u200bzero\u200dwidth\ufeffbom",
    "line\u2028separator para\u2029graph next\u0085line vt\x0bff\x0c end",
    "don't won't y'all O'Neil rock'n'roll",
    "a b c ab a1 1a 11 _1 __",
    "MiXeD CaSe WORDS and ALLCAPS",
    "",
    "   ",
    "ĲSSELMEER ĳ ŉ ǰ ΐ ẖ ẗ ﬆ",
    "ʕΣ ΑΣʕ ΟΔΟΣ\U00010d50 ΟΔΟΣ\U0001171e Α\U0001171eΣ ΑΣ'Σ ΣΟΦΟΣ\u00ad ΟΔΟΣ\U0001f3fb ꟋΣΣ",
    "Ⓐⓑⓒ ⒜ 🄰 ᴬᴮ ª º ˆ ˇ",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archive", required=True, help="20news-bydate.tar.gz")
    parser.add_argument("--tweets", help="Sanders corpus CSV (column TweetText), for token parity")
    parser.add_argument("--topicstream", help="command running the CLI (default: node <repo>/bin/topicstream.js)")
    parser.add_argument("--configs", default="abcdehijkn", help="which configurations to run (default abcdehijkn)")
    parser.add_argument("--json-out", help="also write the results as JSON to this file")
    args = parser.parse_args()

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    cli = shlex.split(args.topicstream) if args.topicstream else ["node", os.path.join(root, "bin", "topicstream.js")]
    results = {"configs": [], "tokens": None, "hashing": None, "partialFit": None, "partialFitNewClass": []}
    failures = []

    with tempfile.TemporaryDirectory(prefix="topicstream-parity-") as work:
        started = time.time()
        extract(args.archive, work)
        log(f"extracted the archive in {time.time() - started:.1f} s")
        models = {}
        for name, title, categories, pipeline, flags in CONFIGS:
            if name not in args.configs:
                continue
            result, model = run_config(work, args.archive, cli, name, title, categories, pipeline, flags)
            results["configs"].append(result)
            models[name] = model
            if not result["ok"]:
                failures.append(f"config ({name})")
        if NUMERIC[0] in args.configs:
            result = run_numeric_config(work, cli)
            results["configs"].append(result)
            if not result["ok"]:
                failures.append(f"config ({NUMERIC[0]})")
        if "a" in models:
            results["partialFit"] = run_partial_fit(work, root, models["a"])
            if not results["partialFit"]["ok"]:
                failures.append("partial_fit")
        for name in "aj":
            if name in models:
                result = run_partial_fit_new_class(work, root, name, models[name])
                results["partialFitNewClass"].append(result)
                if not result["ok"]:
                    failures.append(f"partial_fit new class ({name})")

        results["tokens"] = run_tokens(cli, args.tweets)
        if not results["tokens"]["ok"]:
            failures.append("tokens")
        results["hashing"] = run_hashing(work, root, args.tweets)
        if not results["hashing"]["ok"]:
            failures.append("hashing")

    print_table(results)
    if args.json_out:
        with open(args.json_out, "w") as out:
            json.dump(results, out, indent=2)
    if failures:
        print(f"\nPARITY FAILED: {', '.join(failures)}")
        return 1
    print("\nPARITY OK")
    return 0


def extract(archive, work):
    # The system tar is several times faster on 18,846 small files; tarfile is the fallback.
    if shutil.which("tar") and subprocess.run(["tar", "-xzf", archive, "-C", work], check=False).returncode == 0:
        return
    with tarfile.open(archive) as source:
        source.extractall(work, filter="data")


def load_split(work, split, categories):
    # shuffle=False keeps load_files' order (sorted categories, sorted files), which
    # topicstream reproduces: training sums floats in document order.
    return load_files(
        os.path.join(work, f"20news-bydate-{split}"),
        categories=categories,
        encoding="latin1",
        shuffle=False,
    )


def run_config(work, archive, cli, name, title, categories, make_pipeline, flags):
    log(f"({name}) {title}")
    model = os.path.join(work, f"model-{name}.tsmodel")
    train_args = ["train", "--dataset", f"20news:{archive}", "--out", model, "--json", "--quiet"] + flags
    if categories:
        train_args += ["--categories", ",".join(categories)]
    # topicstream trains in a child process while scikit-learn fits here: two cores, half the wait.
    started = time.time()
    training = subprocess.Popen(cli + train_args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    train, test = load_split(work, "train", categories), load_split(work, "test", categories)
    sk_started = time.time()
    pipeline = make_pipeline().fit(train.data, train.target)
    sk_fit = time.time() - sk_started
    sk_proba = pipeline.predict_proba(test.data)
    sk_labels = [train.target_names[i] for i in pipeline.predict(test.data)]
    sk_vocab = columns(pipeline.named_steps["vect"])
    truth = [test.target_names[i] for i in test.target]
    sk_accuracy = float(np.mean([a == b for a, b in zip(sk_labels, truth)]))

    stdout, stderr = training.communicate()
    if training.returncode != 0:
        sys.stderr.write(stderr.decode("utf-8", "replace"))
        raise SystemExit(f"topicstream train failed ({training.returncode}) for config ({name})")
    summary = json.loads(stdout)
    ts_fit = time.time() - started
    metadata = json.loads(run(cli + ["inspect", "--model", model, "--json"]).stdout)
    requests = "".join(json.dumps({"id": i, "text": text}) + "\n" for i, text in enumerate(test.data))
    answers = [json.loads(line) for line in run(cli + ["classify", "--model", model, "--proba"], requests).stdout.splitlines()]

    classes = list(train.target_names)
    ts_labels = [answer.get("label") for answer in answers]
    ts_proba = np.array([[answer.get("probabilities", {}).get(c, np.nan) for c in classes] for answer in answers])
    ts_accuracy = float(np.mean([a == b for a, b in zip(ts_labels, truth)]))
    same_labels = sum(a == b for a, b in zip(ts_labels, sk_labels))
    max_delta = float(np.nanmax(np.abs(ts_proba - sk_proba))) if ts_proba.shape == sk_proba.shape else float("inf")
    if np.isnan(ts_proba).any():
        max_delta = float("inf")
    checks = {
        "classes": metadata["classes"] == classes,
        "vocabulary": sk_vocab == metadata["vocabularySize"] == summary["vocabularySize"],
        "answers": len(answers) == len(test.data) and all(answer.get("id") == i for i, answer in enumerate(answers)),
        "labels": same_labels == len(sk_labels),
        "probabilities": max_delta <= TOLERANCE,
        "accuracy": ts_accuracy == sk_accuracy and abs(summary.get("testAccuracy", -1) - sk_accuracy) < 1e-12,
        "storedAccuracy": abs(metadata.get("testAccuracy", -1) - sk_accuracy) < 1e-12,
    }
    result = {
        "config": name,
        "title": title,
        "trainDocuments": len(train.data),
        "testDocuments": len(test.data),
        "sklearn": {"vocabulary": sk_vocab, "accuracy": sk_accuracy, "fitSeconds": round(sk_fit, 2)},
        "topicstream": {
            "vocabulary": metadata["vocabularySize"],
            "accuracy": ts_accuracy,
            "trainSeconds": round(ts_fit, 2),
        },
        "sameLabels": same_labels,
        "maxProbabilityDelta": max_delta,
        "checks": checks,
        "ok": all(checks.values()),
    }
    return result, {"path": model, "pipeline": pipeline, "train": train, "test": test}


def columns(vectorizer):
    """The vocabulary size, or the n_features of a HashingVectorizer (which has no vocabulary)."""
    return vectorizer.n_features if isinstance(vectorizer, HashingVectorizer) else len(vectorizer.vocabulary_)


def label_name(value):
    """topicstream's name of an integral class: the shortest JSON form of the number (7.0 -> "7")."""
    return str(int(value))


def run_numeric_config(work, cli):
    name, title = NUMERIC
    log(f"({name}) {title}")
    train, test = load_split(work, "train", None), load_split(work, "test", None)
    dataset = os.path.join(work, "numeric-labels.jsonl")
    with open(dataset, "w", encoding="utf-8") as out:
        for i, (text, target) in enumerate(zip(train.data, train.target)):
            label = NUMERIC_LABELS[target]
            if isinstance(label, int) and i % 2:
                label = float(label)
            out.write(json.dumps({"text": text, "label": label}) + "\n")
    # scikit-learn gets the labels as they read back from the file: numpy makes a float array of them.
    with open(dataset, encoding="utf-8") as source:
        y = np.asarray([json.loads(line)["label"] for line in source])
    model = os.path.join(work, f"model-{name}.tsmodel")
    started = time.time()
    training = subprocess.Popen(
        cli + ["train", "--dataset", f"jsonl:{dataset}", "--out", model, "--json", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    sk_started = time.time()
    pipeline = Pipeline([("vect", CountVectorizer()), ("tfidf", TfidfTransformer()), ("clf", MultinomialNB())])
    pipeline.fit(train.data, y)
    sk_fit = time.time() - sk_started
    sk_proba = pipeline.predict_proba(test.data)
    sk_labels = [label_name(label) for label in pipeline.predict(test.data)]
    sk_vocab = len(pipeline.named_steps["vect"].vocabulary_)
    classes = [label_name(label) for label in pipeline.named_steps["clf"].classes_]
    truth = [label_name(NUMERIC_LABELS[target]) for target in test.target]
    sk_accuracy = float(np.mean([a == b for a, b in zip(sk_labels, truth)]))

    stdout, stderr = training.communicate()
    if training.returncode != 0:
        sys.stderr.write(stderr.decode("utf-8", "replace"))
        raise SystemExit(f"topicstream train failed ({training.returncode}) for config ({name})")
    summary = json.loads(stdout)
    ts_fit = time.time() - started
    metadata = json.loads(run(cli + ["inspect", "--model", model, "--json"]).stdout)
    requests = "".join(json.dumps({"id": i, "text": text}) + "\n" for i, text in enumerate(test.data))
    answers = [json.loads(line) for line in run(cli + ["classify", "--model", model, "--proba"], requests).stdout.splitlines()]

    ts_labels = [answer.get("label") for answer in answers]
    ts_proba = np.array([[answer.get("probabilities", {}).get(c, np.nan) for c in classes] for answer in answers])
    ts_accuracy = float(np.mean([a == b for a, b in zip(ts_labels, truth)]))
    same_labels = sum(a == b for a, b in zip(ts_labels, sk_labels))
    max_delta = float(np.nanmax(np.abs(ts_proba - sk_proba))) if ts_proba.shape == sk_proba.shape else float("inf")
    if np.isnan(ts_proba).any():
        max_delta = float("inf")
    checks = {
        # The case only tests something when the two orders differ.
        "numericOrder": classes != sorted(classes) and len(classes) == len(NUMERIC_LABELS),
        "classes": metadata["classes"] == classes and metadata.get("labelType") == "number",
        "vocabulary": sk_vocab == metadata["vocabularySize"] == summary["vocabularySize"],
        "answers": len(answers) == len(test.data) and all(answer.get("id") == i for i, answer in enumerate(answers)),
        "labels": same_labels == len(sk_labels),
        "probabilities": max_delta <= TOLERANCE,
        "accuracy": ts_accuracy == sk_accuracy,
    }
    return {
        "config": name,
        "title": title,
        "trainDocuments": len(train.data),
        "testDocuments": len(test.data),
        "classes": classes,
        "sklearn": {"vocabulary": sk_vocab, "accuracy": sk_accuracy, "fitSeconds": round(sk_fit, 2)},
        "topicstream": {
            "vocabulary": metadata["vocabularySize"],
            "accuracy": ts_accuracy,
            "trainSeconds": round(ts_fit, 2),
        },
        "sameLabels": same_labels,
        "maxProbabilityDelta": max_delta,
        "checks": checks,
        "ok": all(checks.values()),
    }


# Loads a trained model, applies partialFit with the given texts and labels, and prints the model's
# classes, then the probabilities of each evaluation text: one JSON array per line.
PARTIAL_FIT_SCRIPT = """
import { readFileSync } from 'node:fs'
const [engine, modelPath, inputPath] = process.argv.slice(1)
const { loadModel } = await import(engine)
const input = JSON.parse(readFileSync(inputPath, 'utf8'))
const model = await loadModel(modelPath)
model.partialFit(input.updateTexts, input.updateLabels)
process.stdout.write(JSON.stringify(model.classes) + '\\n')
for (const text of input.evalTexts) process.stdout.write(JSON.stringify(Array.from(model.predictProba(text))) + '\\n')
"""


def run_partial_fit(work, root, model):
    """Half of the test split is fed to partial_fit, the other half is predicted."""
    log("(partial_fit) config (a) model updated with 751 test documents")
    test, pipeline = model["test"], model["pipeline"]
    half = len(test.data) // 2
    update_texts, update_targets = test.data[:half], test.target[:half]
    eval_texts = test.data[half:]
    features = pipeline[:-1].transform(update_texts)
    pipeline.named_steps["clf"].partial_fit(features, update_targets)
    sk_proba = pipeline.predict_proba(eval_texts)

    update_labels = [test.target_names[i] for i in update_targets]
    classes, ts_proba = topicstream_partial_fit(work, root, model["path"], update_texts, update_labels, eval_texts)
    same_shape = ts_proba.shape == sk_proba.shape and classes == list(test.target_names)
    max_delta = float(np.max(np.abs(ts_proba - sk_proba))) if same_shape else float("inf")
    same_labels = int(np.sum(ts_proba.argmax(axis=1) == sk_proba.argmax(axis=1))) if same_shape else 0
    return {
        "updateDocuments": half,
        "evalDocuments": len(eval_texts),
        "sameLabels": same_labels,
        "maxProbabilityDelta": max_delta,
        "ok": same_shape and max_delta <= TOLERANCE and same_labels == len(eval_texts),
    }


def run_partial_fit_new_class(work, root, name, model):
    """The model of config (name), trained on four groups, learns from 1,000 test posts that include
    a fifth group. scikit-learn's reference is the same classifier whose first partial_fit call saw
    the training rows and declared all five classes (numpy.unique order), the second the feedback;
    the fitted vectorizer and idf stay as they are."""
    log(f"(partial_fit) config ({name}) model updated with {FEEDBACK} test posts, new class {NEW_CLASS}")
    pipeline, train = model["pipeline"], model["train"]
    test = load_split(work, "test", TUTORIAL + [NEW_CLASS])
    order = np.random.RandomState(0).permutation(len(test.data))
    texts = [test.data[i] for i in order]
    labels = [test.target_names[test.target[i]] for i in order]
    update_texts, update_labels = texts[:FEEDBACK], labels[:FEEDBACK]
    eval_texts = texts[FEEDBACK:]
    transform = pipeline[:-1].transform
    train_labels = [train.target_names[i] for i in train.target]
    clf = MultinomialNB()
    clf.partial_fit(transform(train.data), train_labels, classes=np.unique(train_labels + update_labels))
    clf.partial_fit(transform(update_texts), update_labels)
    sk_proba = clf.predict_proba(transform(eval_texts))

    classes, ts_proba = topicstream_partial_fit(work, root, model["path"], update_texts, update_labels, eval_texts)
    same_shape = ts_proba.shape == sk_proba.shape and classes == clf.classes_.tolist()
    max_delta = float(np.max(np.abs(ts_proba - sk_proba))) if same_shape else float("inf")
    same_labels = int(np.sum(ts_proba.argmax(axis=1) == sk_proba.argmax(axis=1))) if same_shape else 0
    return {
        "config": name,
        "vectorizer": "hashing" if isinstance(pipeline.named_steps["vect"], HashingVectorizer) else "count",
        "newClass": NEW_CLASS,
        "newClassFeedback": update_labels.count(NEW_CLASS),
        "classes": classes,
        "updateDocuments": len(update_texts),
        "evalDocuments": len(eval_texts),
        "sameLabels": same_labels,
        "maxProbabilityDelta": max_delta,
        "ok": same_shape and max_delta <= TOLERANCE and same_labels == len(eval_texts),
    }


def topicstream_partial_fit(work, root, model_path, update_texts, update_labels, eval_texts):
    """Runs PARTIAL_FIT_SCRIPT; returns the model's classes after the update and the probabilities."""
    input_path = os.path.join(work, "partial-fit.json")
    with open(input_path, "w") as out:
        json.dump({"updateTexts": update_texts, "updateLabels": update_labels, "evalTexts": eval_texts}, out)
    engine = "file://" + os.path.join(root, "dist", "engine", "index.js")
    lines = run(["node", "--input-type=module", "-e", PARTIAL_FIT_SCRIPT, engine, model_path, input_path]).stdout.splitlines()
    return json.loads(lines[0]), np.array([json.loads(line) for line in lines[1:]])


# Prints topicstream's HashingVectorizer row of each input text as [[column, count], ...], one line
# per text: first with unigrams and 2**20 columns (scikit-learn's default), then (1,2)-grams and 2**18.
HASHING_SCRIPT = """
import { readFileSync } from 'node:fs'
const [vectorizerModule, inputPath] = process.argv.slice(1)
const { HashingVectorizer } = await import(vectorizerModule)
const texts = JSON.parse(readFileSync(inputPath, 'utf8'))
const raw = { useIdf: false, sublinearTf: false, norm: 'none' }
for (const [ngramRange, columns] of [[[1, 1], 2 ** 20], [[1, 2], 2 ** 18]]) {
  const vectorizer = new HashingVectorizer(columns, new Float64Array(0), { ngramRange, ...raw })
  const lines = texts.map((text) => {
    const n = vectorizer.transform(text)
    return JSON.stringify(Array.from(vectorizer.ids.subarray(0, n), (id, k) => [id, vectorizer.values[k]]))
  })
  process.stdout.write(lines.join('\\n') + '\\n')
}
"""
HASHING_CASES = [((1, 1), 2**20), ((1, 2), 2**18)]


def run_hashing(work, root, tweets_path):
    texts = parity_texts(tweets_path)
    log(f"(hashing) {len(texts)} texts, HashingVectorizer(alternate_sign=False, norm=None) columns and counts")
    input_path = os.path.join(work, "hashing-texts.json")
    with open(input_path, "w") as out:
        json.dump(texts, out)
    module = "file://" + os.path.join(root, "dist", "engine", "hashing-vectorizer.js")
    output = run(["node", "--input-type=module", "-e", HASHING_SCRIPT, module, input_path]).stdout.splitlines()
    result = {"texts": len(texts), "mismatches": [], "ok": True}
    if len(output) != len(texts) * len(HASHING_CASES):
        result["mismatches"].append({"error": f"{len(output)} lines for {len(texts)} texts x {len(HASHING_CASES)}"})
        result["ok"] = False
        return result
    for case, (ngram, n_features) in enumerate(HASHING_CASES):
        matrix = HashingVectorizer(alternate_sign=False, norm=None, n_features=n_features, ngram_range=ngram).transform(texts)
        for i, text in enumerate(texts):
            row = matrix[[i]]
            expected = [[int(column), float(count)] for column, count in zip(row.indices, row.data)]
            got = json.loads(output[case * len(texts) + i])
            if expected != got:
                result["mismatches"].append({"ngram": list(ngram), "nFeatures": n_features, "text": text, "sklearn": expected, "topicstream": got})
    result["ok"] = not result["mismatches"]
    return result


def parity_texts(tweets_path):
    """The Unicode test texts, then the tweets when given, one line each."""
    texts = list(TRICKY_TEXTS)
    if tweets_path:
        with open(tweets_path, newline="", encoding="utf-8") as source:
            texts += [row["TweetText"] for row in csv.DictReader(source)]
    # One text per line: the CLI splits on \n only (and drops a trailing \r).
    return [text.replace("\r", " ").replace("\n", " ") for text in texts]


def run_tokens(cli, tweets_path):
    texts = parity_texts(tweets_path)
    log(f"(tokens) {len(texts)} texts, unigrams and (1,2)-grams")
    payload = "".join(text + "\n" for text in texts)
    result = {"texts": len(texts), "mismatches": [], "ok": True}
    for ngram in [(1, 1), (1, 2)]:
        analyzer = CountVectorizer(ngram_range=ngram).build_analyzer()
        output = run(cli + ["tokenize", "--ngram", f"{ngram[0]},{ngram[1]}"], payload).stdout.split("\n")[:-1]
        if len(output) != len(texts):
            result["mismatches"].append({"ngram": list(ngram), "error": f"{len(output)} lines for {len(texts)} texts"})
            continue
        for text, line in zip(texts, output):
            expected, got = analyzer(text), json.loads(line)
            if expected != got:
                result["mismatches"].append({"ngram": list(ngram), "text": text, "sklearn": expected, "topicstream": got})
    result["ok"] = not result["mismatches"]
    return result


def run(command, stdin=None):
    completed = subprocess.run(
        command,
        input=None if stdin is None else stdin.encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr.decode("utf-8", "replace"))
        raise SystemExit(f"command failed ({completed.returncode}): {' '.join(command[:4])} ...")
    return subprocess.CompletedProcess(
        command, 0, completed.stdout.decode("utf-8"), completed.stderr.decode("utf-8", "replace")
    )


def print_table(results):
    header = f"{'config':<6} {'train':>6} {'test':>6} {'vocab sklearn':>13} {'vocab ts':>9} {'acc sklearn':>11} {'acc ts':>8} {'labels equal':>13} {'max |Δp|':>9}  result"
    print("\n" + header)
    print("-" * len(header))
    for r in results["configs"]:
        print(
            f"({r['config']})    {r['trainDocuments']:>6} {r['testDocuments']:>6} {r['sklearn']['vocabulary']:>13,} "
            f"{r['topicstream']['vocabulary']:>9,} {r['sklearn']['accuracy']:>11.4f} {r['topicstream']['accuracy']:>8.4f} "
            f"{r['sameLabels']:>6}/{r['testDocuments']:<6} {r['maxProbabilityDelta']:>9.1e}  {'OK' if r['ok'] else 'MISMATCH ' + ','.join(k for k, v in r['checks'].items() if not v)}"
        )
    for r in results["configs"]:
        print(f"  ({r['config']}) {r['title']}  [fit: sklearn {r['sklearn']['fitSeconds']} s, topicstream train {r['topicstream']['trainSeconds']} s]")
    p = results["partialFit"]
    if p:
        print(
            f"partial_fit (a) +{p['updateDocuments']} docs: labels equal {p['sameLabels']}/{p['evalDocuments']}, "
            f"max |Δp| {p['maxProbabilityDelta']:.1e}  {'OK' if p['ok'] else 'MISMATCH'}"
        )
    for p in results["partialFitNewClass"]:
        print(
            f"partial_fit ({p['config']}) {p['vectorizer']} +{p['updateDocuments']} docs, {p['newClassFeedback']} of new class "
            f"{p['newClass']}: labels equal {p['sameLabels']}/{p['evalDocuments']}, max |Δp| {p['maxProbabilityDelta']:.1e}  "
            f"{'OK' if p['ok'] else 'MISMATCH'}"
        )
    t = results["tokens"]
    print(f"tokens: {t['texts']} texts x 2 n-gram ranges, {len(t['mismatches'])} mismatches  {'OK' if t['ok'] else 'MISMATCH'}")
    for m in t["mismatches"][:10]:
        print(f"  {json.dumps(m, ensure_ascii=False)}")
    h = results["hashing"]
    print(
        f"hashing: {h['texts']} texts, {len(h['mismatches'])} mismatches "
        f"(unigrams 2^20 columns, (1,2)-grams 2^18)  {'OK' if h['ok'] else 'MISMATCH'}"
    )
    for m in h["mismatches"][:10]:
        print(f"  {json.dumps(m, ensure_ascii=False)}")


def log(message):
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())

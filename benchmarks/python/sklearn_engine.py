"""scikit-learn side of benchmarks/engine.mjs: the Python original's pipeline, measured on the same data.

`measure` and `rounds` report CPU time of this process (like the Node side), so a busy machine does
not skew the ratios; `batches` reports wall time, like a server.

Usage:
  python sklearn_engine.py measure --archive 20news-bydate.tar.gz --tweets tweets.txt --pickle out.pkl --reps 3
      prints one JSON object: fit times and one-at-a-time predict_proba throughput; saves the pipeline
  python sklearn_engine.py rounds --pickle out.pkl --tweets tweets.txt --seconds 1
      for each line read, measures batched predict_proba on all tweets for --seconds of CPU time and
      prints one JSON line: tweets/s
  python sklearn_engine.py batches --archive 20news-bydate.tar.gz --tweets tweets.txt --batch 100 --seconds 10
      prints one JSON object: tweets/s of predict_proba on batches of --batch tweets (wall time, like a server)
  python sklearn_engine.py classify MODEL.pkl < in.jsonl > out.jsonl
      what a Python service does with a pickled pipeline: read JSONL, classify, write JSONL
"""
import argparse
import json
import pickle
import sys
import tarfile
import tempfile
import time

from sklearn.datasets import load_files
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import Pipeline


def load_train(archive):
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        # In file order, as topicstream reads the archive (load_files shuffles by default).
        return load_files(f"{tmp}/20news-bydate-train", encoding="latin1", shuffle=False)


def pipeline():
    return Pipeline([("vect", CountVectorizer()), ("tfidf", TfidfTransformer()), ("clf", MultinomialNB())])


def measure(args):
    train = load_train(args.archive)
    with open(args.tweets, encoding="utf-8") as f:
        tweets = [line.rstrip("\n") for line in f]

    fit_ms = []
    for _ in range(args.reps):
        model = pipeline()
        start = time.process_time()
        model.fit(train.data, train.target)
        fit_ms.append((time.process_time() - start) * 1000)
    with open(args.pickle, "wb") as f:
        pickle.dump({"pipeline": model, "classes": list(train.target_names)}, f)

    model.predict_proba(tweets[:100])  # warm-up
    # An even sample of the corpus (it is sorted by topic), not just its first topic.
    single = tweets[:: max(1, len(tweets) // args.single)][: args.single]
    start = time.process_time()
    for text in single:
        model.predict_proba([text])
    one_at_a_time = len(single) / (time.process_time() - start)

    json.dump(
        {
            "fit_ms": fit_ms,
            "vocabulary": len(model.named_steps["vect"].vocabulary_),
            "single_tweets_per_s": one_at_a_time,
            "tweets": len(tweets),
        },
        sys.stdout,
    )


def rounds(args):
    """One round of batched predict_proba per line read: the Node side alternates its own rounds with
    these, so both run under the same conditions on a shared machine."""
    with open(args.pickle, "rb") as f:
        model = pickle.load(f)["pipeline"]
    with open(args.tweets, encoding="utf-8") as f:
        tweets = [line.rstrip("\n") for line in f]
    model.predict_proba(tweets)  # warm-up
    for _ in sys.stdin:
        done = 0
        start = time.process_time()
        while time.process_time() - start < args.seconds:
            model.predict_proba(tweets)
            done += len(tweets)
        print(json.dumps({"tweets_per_s": done / (time.process_time() - start)}), flush=True)


def batches(args):
    train = load_train(args.archive)
    model = pipeline().fit(train.data, train.target)
    with open(args.tweets, encoding="utf-8") as f:
        tweets = [line.rstrip("\n") for line in f]
    chunks = [tweets[i : i + args.batch] for i in range(0, len(tweets), args.batch)]
    model.predict_proba(chunks[0])  # warm-up
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        for chunk in chunks:
            model.predict_proba(chunk)
            done += len(chunk)
    json.dump({"tweets_per_s": done / (time.perf_counter() - start), "batch": args.batch}, sys.stdout)


def classify(args):
    with open(args.model, "rb") as f:
        saved = pickle.load(f)
    model, classes = saved["pipeline"], saved["classes"]
    ids, texts = [], []
    for line in sys.stdin:
        record = json.loads(line)
        ids.append(record["id"])
        texts.append(record["text"])
    proba = model.predict_proba(texts)
    best = proba.argmax(axis=1)
    out = sys.stdout
    for i, record_id in enumerate(ids):
        out.write(json.dumps({"id": record_id, "label": classes[best[i]], "confidence": float(proba[i, best[i]])}))
        out.write("\n")


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--archive", required=True)
    m.add_argument("--tweets", required=True)
    m.add_argument("--pickle", required=True)
    m.add_argument("--reps", type=int, default=3)
    m.add_argument("--single", type=int, default=1000)
    r = sub.add_parser("rounds")
    r.add_argument("--pickle", required=True)
    r.add_argument("--tweets", required=True)
    r.add_argument("--seconds", type=float, default=1)
    b = sub.add_parser("batches")
    b.add_argument("--archive", required=True)
    b.add_argument("--tweets", required=True)
    b.add_argument("--batch", type=int, default=100)
    b.add_argument("--seconds", type=float, default=10)
    c = sub.add_parser("classify")
    c.add_argument("model")
    args = parser.parse_args()
    {"measure": measure, "rounds": rounds, "batches": batches, "classify": classify}[args.command](args)


if __name__ == "__main__":
    main()

"""Python side of benchmarks/bridge.mjs: the original system's Kafka loop, measured on the same broker and topic.

A kafka-python KafkaConsumer reads tweets, the scikit-learn pipeline classifies each message on its own
(`predict_proba([text])`, one call per message, as the original service did), and a KafkaProducer writes a
result shaped like the bridge's (label, confidence, top 3, the input's position) to the output topic.

The pipeline is trained from the 20 Newsgroups archive before anything is measured; then the script prints
`ready` and waits for a line on stdin, so the caller's clock starts when the Kafka work does.

Usage:
  python kafka_consumer.py --archive 20news-bydate.tar.gz --brokers HOST:PORT \\
      --input tweets --output results --group g --records 20000
      prints `ready`, waits for a line on stdin, then one JSON object: records, seconds, classify_seconds
"""
import argparse
import json
import sys
import time
from datetime import datetime, timezone

from kafka import KafkaConsumer, KafkaProducer

from sklearn_engine import load_train, pipeline

TOP_K = 3


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--archive", required=True)
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--records", type=int, required=True)
    args = parser.parse_args()

    train = load_train(args.archive)
    model = pipeline().fit(train.data, train.target)
    classes = list(train.target_names)
    model.predict_proba(["warm up"])
    print("ready", flush=True)
    if not sys.stdin.readline():
        return  # the caller went away before the start

    started = time.perf_counter()
    # kafka-python's defaults, as the original service used them: acks=all and an idempotent producer
    # (the same guarantees as the bridge's at-least-once mode), auto-committed consumer offsets.
    consumer = KafkaConsumer(
        args.input,
        bootstrap_servers=args.brokers,
        group_id=args.group,
        auto_offset_reset="earliest",
    )
    producer = KafkaProducer(bootstrap_servers=args.brokers)
    done = 0
    classifying = 0.0
    for message in consumer:
        record = json.loads(message.value)
        text = record["text"]
        before = time.perf_counter()
        proba = model.predict_proba([text])[0]
        classifying += time.perf_counter() - before
        top = proba.argsort()[::-1][:TOP_K]
        result = {
            "id": record["id"],
            "text": text,
            "label": classes[top[0]],
            "confidence": float(proba[top[0]]),
            "top_k": [{"label": classes[i], "probability": float(proba[i])} for i in top],
            **({"label_true": record["label"]} if "label" in record else {}),
            **({"created_at": record["created_at"]} if "created_at" in record else {}),
            "produced_at": iso(message.timestamp),
            "classified_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "source": {"topic": message.topic, "partition": message.partition, "offset": str(message.offset)},
        }
        producer.send(args.output, key=message.key, value=json.dumps(result).encode())
        done += 1
        if done >= args.records:
            break
    producer.flush()
    seconds = time.perf_counter() - started
    consumer.commit()
    consumer.close()
    producer.close()
    json.dump({"records": done, "seconds": seconds, "classify_seconds": classifying}, sys.stdout)
    print(flush=True)


if __name__ == "__main__":
    main()

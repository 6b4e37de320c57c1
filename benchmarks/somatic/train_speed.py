#!/usr/bin/env python
"""How fast this machine trains the somatic CNN, per batch size: check it before starting the recipe.

    python benchmarks/somatic/train_speed.py EXAMPLES.npz ... [--batch-sizes 16,32,64,128] [--batches 60]

Fits a freshly built CNN (the shape and features of the examples) on ``--batches`` batches from a
tf.data pipeline, after 5 warm-up batches, with the recipe's thread settings, and prints wall and CPU
milliseconds per example. The recipe trains 15 epochs of ~89,000 examples in 128-batches per member:
at 1.7 ms per example (G's members) that is 38 minutes, at 5.4 (session 21's machine) 2 hours.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("examples", nargs="+")
    ap.add_argument("--batch-sizes", default="16,32,64,128")
    ap.add_argument("--batches", type=int, default=60)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    from genomeml.tf_import import deterministic_training
    tf, keras = deterministic_training(args.threads, 1)
    from genomeml.somatic.dataset import example_info, example_options, load_examples
    from genomeml.somatic.model import build_model
    data = load_examples(args.examples)
    info = example_info(example_options(args.examples))
    x, f, y = data["tensors"], data["features"], data["labels"].astype(np.int64)
    print(f"{len(y)} examples, tensor {x.shape[1:]}")
    for batch_size in (int(b) for b in args.batch_sizes.split(",")):
        n = min(len(y), batch_size * args.batches)
        model = build_model(*info["shape"], len(info["features"]), info["tumor_rows"], info["normal_rows"], n_classes=3)
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
        batches = tf.data.Dataset.from_tensor_slices(((x[:n], f[:n]), y[:n])).batch(batch_size)
        model.fit(batches.take(5), verbose=0)
        wall, cpu = time.time(), time.process_time()
        model.fit(batches, verbose=0)
        print(f"batch {batch_size}: {(time.time() - wall) / n * 1e3:.2f} ms per example wall, "
              f"{(time.process_time() - cpu) / n * 1e3:.2f} CPU")


if __name__ == "__main__":
    main()

"""Training batches cut from in-memory example arrays, one shuffled order per epoch.

Why not ``model.fit`` on the arrays themselves: Keras then copies the whole training set into
a TensorFlow constant, so the recipe's several GB of tensors would sit in memory twice (the
256-simulation set did not fit in 24 GB). Here each batch is gathered from the numpy arrays
when it is needed. Every epoch's order is a function of the seed and the epoch alone, so a run
is reproducible whatever the input pipeline prefetches.

Import this module only after ``tf_import.deterministic_training``: it loads Keras.
"""

from __future__ import annotations

import keras
import numpy as np


class ShuffledBatches(keras.utils.PyDataset):
    """All epochs as one long sequence of batches: fit it with ``epochs=1``.

    Batch ``i`` belongs to epoch ``i // batches_per_epoch``; an epoch visits every example once.
    Class weights become per-example weights (what ``class_weight`` does inside Keras).
    """

    def __init__(self, tensors: np.ndarray, features: np.ndarray, labels: np.ndarray, class_weights: np.ndarray,
                 batch_size: int, epochs: int, seed: int):
        super().__init__(workers=1, use_multiprocessing=False)
        self.tensors, self.features, self.labels = tensors, features, labels
        self.example_weights = np.asarray(class_weights, dtype=np.float32)[labels]
        self.batch_size, self.epochs, self.seed = batch_size, epochs, seed
        self.batches_per_epoch = int(np.ceil(len(labels) / batch_size))
        self._order: tuple[int, np.ndarray] | None = None

    def __len__(self) -> int:
        return self.batches_per_epoch * self.epochs

    def epoch_order(self, epoch: int) -> np.ndarray:
        if self._order is None or self._order[0] != epoch:
            self._order = (epoch, np.random.default_rng([self.seed, epoch]).permutation(len(self.labels)))
        return self._order[1]

    def __getitem__(self, i: int):
        if not 0 <= i < len(self):
            raise IndexError(i)
        epoch, k = divmod(i, self.batches_per_epoch)
        # sorted: the gather reads memory in order; the batch is the same set of examples
        rows = np.sort(self.epoch_order(epoch)[k * self.batch_size:(k + 1) * self.batch_size])
        return (self.tensors[rows], self.features[rows]), self.labels[rows], self.example_weights[rows]


class EpochLog(keras.callbacks.Callback):
    """Per training epoch, for the single long ``fit`` epoch: the mean loss of its batches, logged
    as it ends and kept in ``losses`` (Keras reports only the running mean since the start)."""

    def __init__(self, batches: ShuffledBatches, log):
        super().__init__()
        self.batches, self.log = batches, log
        self.losses: list[float] = []
        self._total = 0.0   # running mean x batches at the previous epoch's end

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        done = batch + 1
        if done % self.batches.batches_per_epoch:
            return
        total = float((logs or {}).get("loss", float("nan"))) * done
        self.losses.append((total - self._total) / self.batches.batches_per_epoch)
        self._total = total
        self.log.info("epoch %d/%d: loss %.4f", len(self.losses), self.batches.epochs, self.losses[-1])

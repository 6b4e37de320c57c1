"""train.batches: every epoch visits each example once, in an order fixed by the seed and the epoch."""

from __future__ import annotations

import numpy as np
import pytest

from genomeml.tf_import import deterministic_training


@pytest.fixture(scope="module")
def batches_class():
    deterministic_training(2, 0)
    from genomeml.train.batches import ShuffledBatches
    return ShuffledBatches


def make(cls, seed: int = 7, n: int = 23, batch_size: int = 5, epochs: int = 3):
    tensors = np.arange(n, dtype=np.int8).reshape(n, 1, 1, 1) * np.ones((1, 2, 3, 1), np.int8)
    features = np.arange(n, dtype=np.float32)[:, None]
    labels = np.arange(n) % 3
    return cls(tensors, features, labels, np.array([1.0, 2.0, 4.0]), batch_size, epochs, seed)


def test_each_epoch_visits_every_example_once(batches_class):
    data = make(batches_class)
    assert data.batches_per_epoch == 5 and len(data) == 15
    orders = []
    for epoch in range(3):
        seen = []
        for k in range(5):
            (x, f), y, w = data[epoch * 5 + k]
            ids = f[:, 0].astype(int)
            assert (x[:, 0, 0, 0] == ids).all() and (y == ids % 3).all()      # rows stay together
            assert (w == np.array([1.0, 2.0, 4.0])[y]).all()                   # class weights per example
            seen.extend(ids.tolist())
        assert sorted(seen) == list(range(23))
        orders.append(seen)
    assert orders[0] != orders[1] != orders[2]
    with pytest.raises(IndexError):
        data[15]


def test_order_is_a_function_of_seed_and_epoch(batches_class):
    a, b, c = make(batches_class), make(batches_class), make(batches_class, seed=8)
    first = [b[i][0][1] for i in range(15)]
    for i in (14, 3, 9, 0, 3):   # any access order, as a prefetching pipeline might ask
        assert (a[i][0][1] == first[i]).all()
    assert any((a[i][0][1] != c[i][0][1]).any() for i in range(15))

"""Run a trained Keras model over example batches, reproducibly.

Shared by somatic calling and polishing: the model loads once, and TensorFlow gets
one intra-op thread whatever ``--threads`` says, so the summation order (and every
probability to the last bit) never depends on it; the example workers use the other
cores.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Sequence

import numpy as np

# Small batches: at 512 examples a somatic batch's activations are ~100 MB per layer, so every layer
# streamed them through memory (and allocating them cost page faults); 32 examples stay in the CPU
# caches. On a 2-core AVX2 EPYC this halved somatic inference time (and made polishing's 1.4x faster),
# cut peak RSS by ~0.4 GB, and left every VCF record the same.
BATCH_SIZE = 32


class Predictor:
    def __init__(self, model_path: Path, layer_modules: Sequence[str], n_outputs: int,
                 batch_size: int = BATCH_SIZE):
        from genomeml.tf_import import import_tensorflow
        tf = import_tensorflow()
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        import keras
        for module in layer_modules:    # registers the model's custom layers
            importlib.import_module(module)
        self.model = keras.models.load_model(model_path, compile=False)
        self.batch_size = batch_size
        self.n_outputs = n_outputs
        self._fn = tf.function(lambda *inputs: self.model(list(inputs), training=False), reduce_retracing=True)

    def predict(self, *inputs: np.ndarray) -> np.ndarray:
        out = []
        for i in range(0, len(inputs[0]), self.batch_size):
            out.append(np.asarray(self._fn(*(x[i:i + self.batch_size] for x in inputs))))
        if out:
            return np.concatenate(out)
        return np.zeros((0, *self.model.output_shape[1:-1], self.n_outputs), np.float32)

"""call_variants: load a trained model once and run it on example batches."""

from __future__ import annotations

from pathlib import Path

import numpy as np


class Predictor:
    def __init__(self, model_path: Path, batch_size: int = 512):
        from genomeml.tf_import import import_tensorflow
        tf = import_tensorflow()
        # one thread, whatever --threads says: the summation order (and so every probability
        # to the last bit) must not depend on it; the example workers use the other cores
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        import keras
        import genomeml.somatic.model  # noqa: F401  registers the custom layers
        self.model = keras.models.load_model(model_path, compile=False)
        self.batch_size = batch_size
        self._fn = tf.function(lambda t, f: self.model([t, f], training=False), reduce_retracing=True)

    def predict(self, tensors: np.ndarray, features: np.ndarray) -> np.ndarray:
        out = []
        for i in range(0, len(tensors), self.batch_size):
            out.append(np.asarray(self._fn(tensors[i:i + self.batch_size], features[i:i + self.batch_size])))
        return np.concatenate(out) if out else np.zeros((0, 3), np.float32)

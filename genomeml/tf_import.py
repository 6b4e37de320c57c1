"""Import TensorFlow without its native start-up chatter on stderr.

TensorFlow 2.21 prints absl lines (oneDNN notices) from C++ before any log-level
setting applies; users should see genomeml's own messages only, so file descriptor 2
points at /dev/null for the duration of the import. Import errors still raise.
"""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def _native_stderr_silenced():
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    with _native_stderr_silenced():
        import tensorflow
        import keras  # noqa: F401
    return tensorflow


def deterministic_training(threads: int, seed: int):
    """TensorFlow and Keras set up for reproducible training: seeded, deterministic ops, ``threads`` cores."""
    tf = import_tensorflow()
    import keras
    tf.config.threading.set_intra_op_parallelism_threads(max(1, threads))
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    return tf, keras

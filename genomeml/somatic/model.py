"""The somatic CNN: a read-set network over pileup tensors plus count features.

Each read row is convolved along the reference axis (reads are independent), then
rows are pooled per sample (mean over covered rows and max), so the network does
not care in which order reads come and its cost grows with rows x columns only.
The pooled column profiles of tumor, normal and reference go through a small 1-D
CNN; the centre column and global pooling meet the count features in a dense head.
"""

from __future__ import annotations

from typing import Sequence

from genomeml.tf_import import import_tensorflow

import_tensorflow()   # quietly, before keras pulls it in

import keras  # noqa: E402
from keras import layers, ops  # noqa: E402


@keras.saving.register_keras_serializable(package="genomeml")
class SampleSplit(layers.Layer):
    """Pools per-read features over the rows of each sample: (B, R, W, F) -> (B, W, 2F) per sample + ref row."""

    def __init__(self, tumor_rows: int, normal_rows: int, **kwargs):
        super().__init__(**kwargs)
        self.tumor_rows = tumor_rows
        self.normal_rows = normal_rows

    def call(self, inputs):
        features, raw = inputs
        covered = ops.cast(ops.not_equal(raw[..., 0:1], 0), features.dtype)     # (B, R, W, 1)
        masked = features * covered
        out = [masked[:, 0]]
        bounds = ((1, 1 + self.tumor_rows), (1 + self.tumor_rows, 1 + self.tumor_rows + self.normal_rows))
        for lo, hi in bounds:
            f, c = masked[:, lo:hi], covered[:, lo:hi]
            count = ops.sum(c, axis=1)
            mean = ops.sum(f, axis=1) / ops.maximum(count, 1.0)
            out += [mean, ops.max(f, axis=1), ops.log(1.0 + count) / 5.0]
        return ops.concatenate(out, axis=-1)

    def get_config(self):
        return {**super().get_config(), "tumor_rows": self.tumor_rows, "normal_rows": self.normal_rows}


@keras.saving.register_keras_serializable(package="genomeml")
class CenterColumn(layers.Layer):
    def call(self, x):
        return x[:, x.shape[1] // 2]


def build_model(rows: int, width: int, channels: int, n_features: int, tumor_rows: int, normal_rows: int,
                n_classes: int = 3, filters: int = 16, name: str = "genomeml_somatic_cnn") -> keras.Model:
    tensor = keras.Input((rows, width, channels), dtype="int8", name="tensor")
    counts = keras.Input((n_features,), dtype="float32", name="features")
    x = layers.Rescaling(1.0 / 100.0)(ops.cast(tensor, "float32"))
    r = layers.Conv2D(filters, (1, 5), padding="same", activation="relu")(x)
    r = layers.Conv2D(filters, (1, 5), padding="same", activation="relu")(r)
    r = layers.Concatenate()([r, x])
    cols = SampleSplit(tumor_rows, normal_rows)([r, tensor])
    c = layers.Conv1D(64, 3, padding="same", activation="relu")(cols)
    c = layers.Conv1D(64, 3, padding="same", activation="relu")(c)
    center = CenterColumn()(c)
    pooled = layers.GlobalMaxPooling1D()(c)
    f = layers.Dense(32, activation="relu")(counts)
    h = layers.Concatenate()([center, pooled, f])
    h = layers.Dense(64, activation="relu")(h)
    h = layers.Dropout(0.2)(h)
    out = layers.Dense(n_classes, activation="softmax", name="probabilities")(h)
    return keras.Model([tensor, counts], out, name=name)


def average_models(members: Sequence[keras.Model], rows: int, width: int, channels: int, n_features: int,
                   tumor_rows: int, normal_rows: int) -> keras.Model:
    """One model whose output is the mean of the members' probabilities.

    Members trained from other seeds err on different candidates, so their mean ranks
    candidates better than any one of them; as one model file it loads and predicts like
    a single CNN. Each member is rebuilt under its own name (loaded members all carry the
    same one, which a functional graph refuses) and given the trained weights.
    """
    tensor = keras.Input((rows, width, channels), dtype="int8", name="tensor")
    counts = keras.Input((n_features,), dtype="float32", name="features")
    outputs = []
    for k, member in enumerate(members):
        copy = build_model(rows, width, channels, n_features, tumor_rows, normal_rows,
                           n_classes=member.output_shape[-1], name=f"member{k}")
        copy.set_weights(member.get_weights())
        outputs.append(copy([tensor, counts]))
    out = layers.Average(name="probabilities")(outputs) if len(outputs) > 1 else outputs[0]
    return keras.Model([tensor, counts], out, name="genomeml_somatic_ensemble")

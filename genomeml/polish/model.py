"""The polishing network: per-read convolutions, a read-set summary per column, a Transformer over columns.

Why this shape: a read's row is convolved along the columns first, so each cell knows
its own read's neighbourhood (how long *this read's* homopolymer is, whether *this
read* is noisy here); pooling over reads then turns rows into a per-column summary
that doesn't depend on read order; a small Transformer encoder over the columns
decides the true base or gap of each column with the whole repeat in view. Sized to
the DESIGN compute budget (a few CPU-ms per window).
"""

from __future__ import annotations

import keras
from keras import layers, ops

from genomeml.polish.features import COLUMNS, MAX_INS, MAX_MAPQ, ROWS

N_CODES = 7          # empty, A, C, G, T, N, gap
N_CLASSES = 5        # A, C, G, T, gap


@keras.saving.register_keras_serializable(package="genomeml")
class CellEncoding(layers.Layer):
    """uint8 cells (base, quality, strand, mapq) -> one-hot base, scaled quality, signed strand, scaled mapq."""

    def call(self, cells):
        cells = ops.cast(cells, "int32")
        base = ops.one_hot(cells[..., 0], N_CODES)
        quality = ops.expand_dims(ops.cast(cells[..., 1], "float32") / 40.0, -1)
        strand = cells[..., 2]
        signed = ops.expand_dims(ops.cast(ops.where(strand == 1, 1, ops.where(strand == 2, -1, 0)), "float32"), -1)
        mapq = ops.expand_dims(ops.cast(cells[..., 3], "float32") / float(MAX_MAPQ), -1)
        return ops.concatenate([base, quality, signed, mapq], axis=-1)


@keras.saving.register_keras_serializable(package="genomeml")
class ReadSetSummary(layers.Layer):
    """Mean over the reads present in each column, plus the base fractions and the depth."""

    def call(self, inputs):
        hidden, encoded = inputs
        present = 1.0 - encoded[..., 0:1]                     # one-hot code 0 = no read here
        count = ops.sum(present, axis=1)
        mean = ops.sum(hidden * present, axis=1) / ops.maximum(count, 1.0)
        fractions = ops.sum(encoded[..., 1:N_CODES], axis=1) / ops.maximum(count, 1.0)
        return ops.concatenate([mean, fractions, count / float(ROWS)], axis=-1)


@keras.saving.register_keras_serializable(package="genomeml")
class ColumnEncoding(layers.Layer):
    """uint8 column info (draft base, insertion slot) -> one-hots."""

    def call(self, columns):
        columns = ops.cast(columns, "int32")
        return ops.concatenate([ops.one_hot(columns[..., 0], N_CODES), ops.one_hot(columns[..., 1], MAX_INS + 1)],
                               axis=-1)


@keras.saving.register_keras_serializable(package="genomeml")
class PositionEmbedding(layers.Layer):
    def __init__(self, length: int, width: int, **kwargs):
        super().__init__(**kwargs)
        self.length, self.width = length, width

    def build(self, input_shape):
        self.table = self.add_weight(shape=(self.length, self.width), initializer="random_normal", name="table")

    def call(self, x):
        return x + self.table[None]

    def get_config(self):
        return {**super().get_config(), "length": self.length, "width": self.width}


def _encoder_block(x, width: int, heads: int, name: str):
    attended = layers.MultiHeadAttention(heads, width // heads, name=f"{name}_attention")(x, x)
    x = layers.LayerNormalization(name=f"{name}_norm1")(x + attended)
    ff = layers.Dense(2 * width, activation="gelu", name=f"{name}_ff1")(x)
    ff = layers.Dense(width, name=f"{name}_ff2")(ff)
    return layers.LayerNormalization(name=f"{name}_norm2")(x + ff)


def build_model(rows: int = ROWS, columns: int = COLUMNS, channels: int = 4, column_channels: int = 2,
                read_width: int = 32, width: int = 64, blocks: int = 2, heads: int = 4) -> keras.Model:
    cells = keras.Input((rows, columns, channels), dtype="uint8", name="reads")
    column_info = keras.Input((columns, column_channels), dtype="uint8", name="columns")
    encoded = CellEncoding(name="cells")(cells)
    hidden = layers.Dense(read_width, activation="relu", name="cell_dense")(encoded)
    hidden = layers.Conv2D(read_width, (1, 7), padding="same", activation="relu", name="read_conv1")(hidden)
    hidden = layers.Conv2D(read_width, (1, 7), padding="same", activation="relu", name="read_conv2")(hidden)
    summary = ReadSetSummary(name="read_set")([hidden, encoded])
    x = layers.Concatenate(name="column_features")([summary, ColumnEncoding(name="column_info")(column_info)])
    x = layers.Dense(width, activation="relu", name="column_dense")(x)
    x = PositionEmbedding(columns, width, name="positions")(x)
    for b in range(blocks):
        x = _encoder_block(x, width, heads, f"block{b + 1}")
    out = layers.Dense(N_CLASSES, activation="softmax", name="classes")(x)
    return keras.Model([cells, column_info], out, name="genomeml_polish")

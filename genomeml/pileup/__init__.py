"""Reads laid onto reference columns: candidate allele counts and per-read arrays for tensors."""

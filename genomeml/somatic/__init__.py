"""Somatic calling: examples (candidates + tensors), CNN model, calling, VCF postprocessing."""

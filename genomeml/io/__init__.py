"""File I/O shared by every stage: reference, alignments, VCF, regions, atomic outputs."""

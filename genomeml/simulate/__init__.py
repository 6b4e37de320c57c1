"""Truth-known data: genomes, germline and somatic variants, drafts, reads, alignments."""

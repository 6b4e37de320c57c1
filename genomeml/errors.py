"""One exception type for every user-facing failure.

The CLI turns a GenomemlError into a single ``genomeml: error: ...`` line and a
non-zero exit, so library code raises it with a message that names the file and
the problem; anything else escaping is a bug and keeps its traceback.
"""


class GenomemlError(Exception):
    """A problem with the user's input or environment, explained in one line."""

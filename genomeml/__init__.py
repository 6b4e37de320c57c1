"""genomeml: somatic variant calling and assembly polishing on a plain CPU."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("genomeml")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.1.0"

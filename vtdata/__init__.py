"""vtdata: video-text pre-training data from corpus metadata to GPU-ready loaders.

Subpackages are imported lazily by their users so that `vtdata --help` and the
metadata recipes never pay for torch or the decoders.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("vtdata")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+local"

"""deepbook: an interactive chapter on deep learning for computer vision."""

__version__ = "0.1.0"

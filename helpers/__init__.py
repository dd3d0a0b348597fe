"""Helpers for the CNN course: one small module per idea.

- ``helpers.data``: MNIST and Fashion-MNIST, fetched, verified and loaded.
- ``helpers.plots``: pictures of images, arrays and training results.
- ``helpers.widgets``: interactive explorers built on ipywidgets.
- ``helpers.conv``: convolution and pooling in numpy.
- ``helpers.animation``: step-by-step animations of convolution and pooling.
- ``helpers.training``: a small, fast training loop over tensors.
- ``helpers.exercises``: exercises that check themselves.
"""

__version__ = "0.1.0"

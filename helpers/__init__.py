"""Helpers for the CNN course: one small module per idea.

- ``helpers.data``: MNIST and Fashion-MNIST, fetched, verified and loaded.
- ``helpers.system``: what this machine offers the course (versions, threads, data).
- ``helpers.plots``: pictures of images, arrays and training results.
- ``helpers.widgets``: interactive explorers built on ipywidgets.
- ``helpers.conv``: convolution and pooling in numpy.
- ``helpers.animation``: step-by-step animations of convolution and pooling.
- ``helpers.training``: a small, fast training loop over tensors.
- ``helpers.models``: the course's networks and the recipes that train them.
- ``helpers.features``: inside a trained network: filters and feature maps.
- ``helpers.drawing``: draw a digit with the mouse for a trained network to read.
- ``helpers.augment``: rotations, shifts, zooms and random affine augmentation.
- ``helpers.architectures``: landmark architectures' building blocks at 28 × 28.
- ``helpers.exercises``: exercises that check themselves.
"""

__version__ = "0.1.0"

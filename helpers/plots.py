"""Pictures of images, arrays and training results: the notebook-facing plotting API.

The functions live in three modules by what they show, and are all importable from here:

- ``helpers.pictures``: images as pictures and as numbers (``show_images``, ``show_array``,
  ``plot_class_counts``, ``show_channels``);
- ``helpers.curves``: a run's curves (``plot_history``, ``plot_accuracy_curves``) and
  ``LivePlot``, the curves redrawn during ``fit``;
- ``helpers.results``: what a classifier got right and wrong (``confusion_matrix``,
  ``plot_confusion_matrix``, ``most_confident_mistakes``, ``show_mistakes``,
  ``plot_probabilities``).
"""

from __future__ import annotations

from helpers.curves import LivePlot, plot_accuracy_curves, plot_history
from helpers.pictures import plot_class_counts, show_array, show_channels, show_images
from helpers.results import (
    confusion_matrix,
    most_confident_mistakes,
    plot_confusion_matrix,
    plot_probabilities,
    show_mistakes,
)

__all__ = [
    "LivePlot", "confusion_matrix", "most_confident_mistakes", "plot_accuracy_curves", "plot_class_counts",
    "plot_confusion_matrix", "plot_history", "plot_probabilities", "show_array", "show_channels", "show_images",
    "show_mistakes",
]

"""Interactive explorers for the lessons, built on ipywidgets 8.

Each builder returns its top-level widget, so a test can drive the controls and
check what changed. Widgets update one figure or image in place: nothing piles up.
Each carries a CSS class (``cnn-...``) so browser tests can find it.
"""

from __future__ import annotations

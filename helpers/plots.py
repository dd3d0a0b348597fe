"""Pictures of images, arrays and training results.

Every figure has a title and labelled axes; grey images use a grey colour map with
a colour bar where the values matter, and other maps are perceptually uniform
(viridis, cividis).
"""

from __future__ import annotations

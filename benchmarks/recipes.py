"""Reference recipes the course's own MNIST recipe is measured against.

Both are written here as :class:`helpers.models.Recipe` objects, so that one training
loop (:mod:`benchmarks.time_to_accuracy`) runs all of them the same way.

- ``PYTORCH_EXAMPLES_RECIPE``: the MNIST recipe published with the PyTorch examples —
  two 3×3 convolutions (32 and 64 filters) with ReLU, 2×2 max pooling, dropout 0.25,
  a dense layer of 128, dropout 0.5, 10 outputs; Adadelta (lr 1.0) with the learning
  rate multiplied by 0.7 after every epoch; batch 64; up to 14 epochs; inputs
  standardized with mean 0.1307 and standard deviation 0.3081.
- ``TUTORIAL_CNN_RECIPE``: the classic one-convolution tutorial network
  (:class:`helpers.models.TutorialCNN`) trained with SGD (lr 0.01, momentum 0.9),
  batch 128, 10 epochs, inputs scaled to [0, 1].
"""

from __future__ import annotations

import torch
from torch import nn

from helpers.models import Recipe, TutorialCNN

__all__ = [
    "PyTorchExamplesNet",
    "PYTORCH_EXAMPLES_RECIPE",
    "TUTORIAL_CNN_RECIPE",
    "MNIST_MEAN",
    "MNIST_STD",
]

MNIST_MEAN = 0.1307
MNIST_STD = 0.3081


class PyTorchExamplesNet(nn.Module):
    """The network of the PyTorch examples' MNIST recipe.

    x: (N, 1, 28, 28) standardized images -> logits (N, 10).
    Shapes: conv 3×3 → (N, 32, 26, 26); conv 3×3 → (N, 64, 24, 24); max pool 2×2 →
    (N, 64, 12, 12); flatten → (N, 9216); dense → (N, 128); dense → (N, 10).
    The published version ends in log-softmax with a negative log-likelihood loss; here
    the network returns logits and the loop uses cross-entropy, which is the same loss.
    """

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=3),
            nn.ReLU(),
            nn.Conv2d(32, 64, kernel_size=3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Dropout(0.25),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(64 * 12 * 12, 128),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(128, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def _adadelta(model: nn.Module) -> torch.optim.Optimizer:
    return torch.optim.Adadelta(model.parameters(), lr=1.0)


def _step_lr(optimizer: torch.optim.Optimizer, steps_per_epoch: int) -> object:
    # Stepped once per epoch (scheduler_interval="epoch"): lr ← 0.7 · lr.
    return torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)


PYTORCH_EXAMPLES_RECIPE = Recipe(
    name="pytorch_examples",
    build_model=PyTorchExamplesNet,
    build_optimizer=_adadelta,
    build_scheduler=_step_lr,
    scheduler_interval="epoch",
    batch_size=64,
    epochs=14,
    mean=MNIST_MEAN,
    std=MNIST_STD,
)


def _sgd_momentum(model: nn.Module) -> torch.optim.Optimizer:
    return torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)


def _no_scheduler(optimizer: torch.optim.Optimizer, steps_per_epoch: int) -> None:
    return None


TUTORIAL_CNN_RECIPE = Recipe(
    name="tutorial_cnn",
    build_model=TutorialCNN,
    build_optimizer=_sgd_momentum,
    build_scheduler=_no_scheduler,
    scheduler_interval="epoch",
    batch_size=128,
    epochs=10,
    mean=None,
    std=None,
)

"""Lesson 09 writes TutorialCNN and CourseCNN in the notebook; helpers.models keeps the same
networks for other lessons and tests. They must not drift apart: same layers, same shapes,
same parameter count. The notebook's class definitions are taken from its code cells (only
the ``class`` statements are executed, nothing else of the lesson)."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
import torch
from torch import nn

from helpers import models
from helpers.models import count_parameters

LESSON = Path(__file__).resolve().parents[1] / "notebooks" / "09_training_a_cnn.ipynb"
NAMES = ("TutorialCNN", "CourseCNN")


def notebook_classes(path: Path = LESSON) -> dict[str, type]:
    """Execute only the notebook's top-level ``class`` statements; return name -> class."""
    nb = nbformat.read(path, as_version=4)
    namespace: dict = {"torch": torch, "nn": nn}
    found = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                exec(compile(ast.Module(body=[node], type_ignores=[]), str(path), "exec"), namespace)
                found[node.name] = namespace[node.name]
    return found


def structure(model: nn.Module) -> list[tuple[str, str, tuple]]:
    """(name, module type, shapes of its own parameters and buffers) of every leaf module, in order."""
    rows = []
    for name, module in model.named_modules():
        if list(module.children()):
            continue
        tensors = list(module.named_parameters(recurse=False)) + list(module.named_buffers(recurse=False))
        rows.append((name, type(module).__name__, tuple((k, tuple(t.shape)) for k, t in tensors)))
    return rows


def forward_shapes(model: nn.Module) -> list[tuple[int, ...]]:
    shapes = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: shapes.append(tuple(out.shape)))
             for m in model.modules() if not list(m.children())]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(3, 1, 28, 28))
    for h in hooks:
        h.remove()
    return shapes


@pytest.fixture(scope="module")
def classes():
    return notebook_classes()


def test_the_notebook_defines_both_networks(classes):
    assert set(NAMES) <= set(classes), f"lesson 09 should define {NAMES}, defines {sorted(classes)}"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_and_helper_networks_match(classes, name):
    ours, theirs = classes[name](), getattr(models, name)()
    assert structure(ours) == structure(theirs)
    assert forward_shapes(ours) == forward_shapes(theirs)
    assert count_parameters(ours) == count_parameters(theirs)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_gives_the_same_weights(classes, name):
    """Layers are created in the same order, so the lesson's recipe run matches MNIST_RECIPE's."""
    torch.manual_seed(0)
    ours = classes[name]().state_dict()
    torch.manual_seed(0)
    theirs = getattr(models, name)().state_dict()
    assert list(ours) == list(theirs)
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)


def test_without_batch_norm_only_the_norm_layers_change(classes):
    plain, normed = structure(classes["CourseCNN"](batch_norm=False)), structure(classes["CourseCNN"]())
    assert len(plain) == len(normed)
    changed = [(a[1], b[1]) for a, b in zip(plain, normed) if a != b]
    assert changed == [("Identity", "BatchNorm2d")] * 2


def test_the_comparison_sees_a_different_network(classes):
    """The checks above can fail: a wider helper network or an extra layer is told apart."""
    ours = classes["CourseCNN"]()
    assert structure(ours) != structure(models.CourseCNN(channels=(16, 64)))
    assert structure(ours) != structure(models.CourseCNN(hidden=128))
    deeper = models.TutorialCNN()
    deeper.classifier.append(nn.ReLU())
    assert structure(classes["TutorialCNN"]()) != structure(deeper)


def test_only_class_statements_run(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("raise RuntimeError('the lesson ran')\nclass A(nn.Module):\n    pass")]
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nb, path)
    assert list(notebook_classes(path)) == ["A"]

"""Saving and loading trained weights safely (lessons 05 and 09).

:func:`save_checkpoint` writes a model's ``state_dict`` atomically (a temporary file, then
a rename) and the sha256 of what it wrote beside it; :func:`load_checkpoint` loads weights
only (``torch.load(weights_only=True)``, never arbitrary pickled code), checks the sha256,
and turns every way a file can be wrong (empty, cut short, corrupted, foreign, not fitting
the model) into a :class:`CheckpointError` that names the file and what to do.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import nn

from helpers.files import atomic_write_bytes, sha256_file
from helpers.validate import module

__all__ = ["CheckpointError", "load_checkpoint", "save_checkpoint"]


def _model_device(model: nn.Module) -> torch.device:
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


class CheckpointError(ValueError):
    """A checkpoint file that cannot be loaded: empty, cut short, corrupted, foreign,
    or holding weights that do not fit the model. The message names the file and
    what to do about it."""






def _checksum_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def save_checkpoint(state_dict: dict[str, torch.Tensor], path: str | os.PathLike) -> Path:
    """Save ``state_dict`` to ``path`` atomically; returns the path (lesson 05).

    The tensors are copied to the CPU and written to a temporary file in the same
    folder, which then replaces ``path`` in one step (``os.replace``). A crash
    mid-write leaves the previous checkpoint intact and no partial file behind.
    The file's sha256 is then written, also atomically, to ``path + ".sha256"``;
    :func:`load_checkpoint` checks it, so a corrupted byte is caught.
    Reload with :func:`load_checkpoint` or ``torch.load(path, weights_only=True)``.
    """
    if not isinstance(state_dict, Mapping) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state_dict.items()
    ):
        raise TypeError(
            f"state_dict: expected a dict of name -> tensor (model.state_dict()), "
            f"got {type(state_dict).__name__}"
        )
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a file path, got {type(path).__name__}")
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"path: expected a file name, got the folder {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    cpu_state = {k: v.detach().to("cpu") for k, v in state_dict.items()}
    atomic_write_bytes(path, lambda f: torch.save(cpu_state, f))
    line = f"{sha256_file(path)}  {path.name}\n".encode()
    atomic_write_bytes(_checksum_path(path), lambda f: f.write(line))
    return path


def _read_checkpoint(path: Path, device: torch.device) -> dict[str, torch.Tensor]:
    """The state dict in ``path``, after checking its size, checksum and content."""
    again = "train again (fit(..., callbacks=[Checkpoint(path)])) or save it again with save_checkpoint"
    if not path.is_file():
        raise FileNotFoundError(f"path: no checkpoint file at {path}; {again}")
    if path.stat().st_size == 0:
        raise CheckpointError(f"path: checkpoint {path} is empty (0 bytes); {again}")
    checksum = _checksum_path(path)
    if checksum.is_file():
        expected = checksum.read_text(errors="replace").split()[:1]
        if expected != [sha256_file(path)]:
            raise CheckpointError(
                f"path: checkpoint {path} does not match its sha256 in {checksum.name} "
                f"(corrupted, cut short or replaced); {again}"
            )
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # torch raises many kinds; its advice (weights_only=False) is unsafe
        raise CheckpointError(
            f"path: {path} is not a readable weights checkpoint ({type(exc).__name__}: "
            f"corrupted, cut short, or some other kind of file); {again}"
        ) from None
    if not isinstance(state, Mapping) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        raise CheckpointError(
            f"path: {path} holds a {type(state).__name__}, not a model's state_dict; {again}"
        )
    return dict(state)


def _names(keys: Any, limit: int = 6) -> str:
    keys = sorted(keys)
    shown = ", ".join(keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def load_checkpoint(model: nn.Module, path: str | os.PathLike) -> nn.Module:
    """Load weights saved by :func:`save_checkpoint` into ``model`` (weights only; safe).

    Lesson 05. Raises :class:`CheckpointError` (a ``ValueError``) for an empty,
    truncated, corrupted (sha256 mismatch) or foreign file, and for weights whose
    names or shapes do not fit ``model`` (the message lists them).
    """
    module("model", model)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a file path, got {type(path).__name__}")
    path = Path(path)
    state = _read_checkpoint(path, _model_device(model))
    own = model.state_dict()
    missing, unexpected = set(own) - set(state), set(state) - set(own)
    wrong = [f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}"
             for k in sorted(set(own) & set(state)) if state[k].shape != own[k].shape]
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"missing from the file: {_names(missing)}")
        if unexpected:
            parts.append(f"not in the model: {_names(unexpected)}")
        if wrong:
            parts.append("shapes differ (file vs model): " + "; ".join(wrong[:6]))
        raise CheckpointError(
            f"path: the weights in {path} do not fit this {type(model).__name__} ("
            + "; ".join(parts) + "); build the same model that was saved, or train it again"
        )
    model.load_state_dict(state)
    return model

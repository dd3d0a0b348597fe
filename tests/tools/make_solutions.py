"""Moved to tools/make_solutions.py: run `python -m tools.make_solutions`. (Forwarder kept only while open work still calls this path.)"""
import runpy
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
runpy.run_module("tools.make_solutions", run_name="__main__", alter_sys=True)

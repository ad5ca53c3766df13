"""Guided labs on the kindlab cluster, checked automatically: `labctl` or `python -m labs`.

Each lab lives in its own folder (`labs/NN-name/`): README, start state, graded hints, reference
solution, and `lab.py`, which names the checker's steps and how to start and solve the lab.
"""

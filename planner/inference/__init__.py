"""Inference: the encounter model, its posterior, the funnel, experiments and the checks on them."""

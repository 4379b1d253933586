"""Baselines and comparisons: the versioned, safe-to-load model of normal (``model``), template
sets of two runs compared (``diff``), and drift of new logs from a model (``drift``)."""

"""Ranking: departures and effect edges to ranked root-cause services (``rank``), and the
evidence each one rests on, for reports and JSON (``evidence``)."""

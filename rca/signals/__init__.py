"""Signals: counts per service, statement and time bucket (``features``), the incident start and
share shifts (``detect``), shifts of the numbers inside lines (``params``), who calls whom from
the logs (``calls``) and lagged correlations (``causal``)."""

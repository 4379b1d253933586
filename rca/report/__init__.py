"""Reports read a result (``TemplateReport``, later ``Analysis``) and nothing else."""

"""Mining: messages to templates (``templates``: masking in Polars, Drain over distinct masked
messages), and reading plus masking as a map over shards of the input and a reduce (``shards``),
run here or on a Dask cluster (``cluster``)."""

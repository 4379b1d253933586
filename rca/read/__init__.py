"""Reading logs into records, in one direction, one step per module:

    sources    what the user named: files, folders, globs, stdin
    lines      bytes to lines: decompressed, decoded, split; JSON documents unpacked
    choose     the layouts of a source's records, from a sample: wrappers to peel, the library
               (layouts, with timestamps and words), then one learned for the rest (infer)
    fields     each line's header fields, by the first layout that reads it (Polars)
    time       each record's time in UTC (time zone, missing years)
    levels     each record's level; services: each record's service
    records    lines without a header join the record above
    ingest     the steps above in order, for every source, and what reading found (small
               sources go through the steps together, as one frame numbered by file): a map
               over shards of the sources (read_shard) and a reduce over them all (combine)

``from rca.read.ingest import ingest`` is the entry point; nothing here imports a later step.
"""

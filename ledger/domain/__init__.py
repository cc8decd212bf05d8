"""The sanctions domain, pure: no SQL, no JSON text, no click.

``aggregates`` (records and their past-tense events), ``rules`` (each rule of
the interchange spec that more than one part of the ledger applies, written
once), ``fold`` (the reference point-in-time fold), ``answers`` (the values the
ledger answers with) and ``names`` (how names are matched).
"""

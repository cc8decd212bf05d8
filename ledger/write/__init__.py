"""Writing to the ledger: lines recorded as domain commands, in one transaction per file.

``recording`` checks each line and stages its event, ``bulk`` writes a file's
batches (events, chain links, read-model rows) in one transaction, here or in
a second process (``transport``), and ``collector`` keeps the garbage
collector out of the way of a long write.
"""

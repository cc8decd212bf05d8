"""The event store: eventsourcing adapter, transcoding, hash chain, Merkle tree, recorders."""

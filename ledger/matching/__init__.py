"""Name matching for screening: pure functions over names (normalise, key, score, explain)."""

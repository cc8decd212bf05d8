"""nomenklatura's logic-v2 over the evaluation's candidates; runs in bench/.venv-anchors only.

Reads JSON on stdin: ``{"cases": [{"query", "kind", "candidates": [[owner, kind, [names]]]}]}``
and writes ``{"scores": [{owner: score}], "seconds": s, "comparisons": n}``.
Each candidate party is one FollowTheMoney entity carrying all its names,
as yente compares them.
"""

from __future__ import annotations

import json
import sys
import time

from followthemoney import model
from followthemoney.exc import InvalidData
from nomenklatura.matching import get_algorithm
from nomenklatura.matching.types import ScoringConfig

SCHEMATA = {"person": "Person", "organization": "Organization", "vessel": "Vessel",
            "aircraft": "Airplane", "unknown": "LegalEntity"}


def entity(ident: str, kind: str, names: list[str]):  # type: ignore[no-untyped-def]
    proxy = model.make_entity(SCHEMATA[kind])
    proxy.id = ident
    proxy.add("name", names[0])
    proxy.add("alias", names[1:])
    return proxy


def main() -> None:
    request = json.load(sys.stdin)
    algorithm = get_algorithm("logic-v2")
    config = ScoringConfig.defaults()
    scores, comparisons = [], 0
    started = time.perf_counter()
    for number, item in enumerate(request["cases"]):
        # A fresh id per query: nomenklatura caches an entity's analysed names by id.
        query = entity(f"query-{number}", item["kind"], [item["query"]])
        found = {}
        for owner, kind, names in item["candidates"]:
            comparisons += 1
            try:
                found[owner] = algorithm.compare(query, entity(owner, kind, names), config).score
            except InvalidData:  # no common schema (a person and a vessel): never a match
                found[owner] = 0.0
        scores.append(found)
    json.dump({"scores": scores, "seconds": time.perf_counter() - started,
               "comparisons": comparisons}, sys.stdout)


if __name__ == "__main__":
    main()

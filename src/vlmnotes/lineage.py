"""Lineage: the relations between papers of the knowledge base as a directed graph of record ids.

An edge goes from the paper whose note states the relation to the paper it names (BLIP-2 → BLIP for
"BLIP-2 improves on BLIP"). Only relations whose target is a record of the knowledge base (`target_id` set)
make edges; the others name papers the notes know only by name.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any, NamedTuple

Record = dict[str, Any]

# What a picture of the field draws by default: a paper building on another. `similar-to` and `mentions`
# say less, and would tie every survey to everything.
LINEAGE_TYPES = ("improves-on", "builds-on", "uses")
ALL_TYPES = ("improves-on", "builds-on", "uses", "similar-to", "mentions")


class Edge(NamedTuple):
    """One relation between two records: `source` states it about `target`."""

    source: str  # record id
    target: str  # record id
    type: str  # improves-on, builds-on, uses, similar-to or mentions
    evidence: str  # the sentence that states it
    where: str  # file:line of the evidence


def edges(records: Iterable[Record], types: Iterable[str] = LINEAGE_TYPES) -> list[Edge]:
    """Every relation of the given types between two of `records` (plain record dicts), once per
    (source, target, type), in the records' order; self-loops left out."""
    wanted = set(types)
    records = list(records)
    ids = {str(r["id"]) for r in records}
    seen: set[tuple[str, str, str]] = set()
    out = []
    for record in records:
        source = str(record["id"])
        for relation in record.get("relations") or []:
            target = relation.get("target_id")
            key = (source, str(target), str(relation.get("type")))
            if target in ids and target != source and key[2] in wanted and key not in seen:
                seen.add(key)
                out.append(Edge(source, str(target), key[2], relation.get("evidence", ""), relation.get("source", "")))
    return out


def neighbourhood(
    everything: list[Record], seeds: Iterable[str], depth: int, types: Iterable[str] = LINEAGE_TYPES
) -> list[Record]:
    """The seed records and every record within `depth` relations of one of them, either direction, in the
    order of `everything`. depth 0 is the seeds alone."""
    graph: dict[str, set[str]] = {}
    for edge in edges(everything, types):
        graph.setdefault(edge.source, set()).add(edge.target)
        graph.setdefault(edge.target, set()).add(edge.source)
    distance = {seed: 0 for seed in seeds}
    queue = deque(distance)
    while queue:
        here = queue.popleft()
        if distance[here] >= depth:
            continue
        for other in graph.get(here, ()):
            if other not in distance:
                distance[other] = distance[here] + 1
                queue.append(other)
    return [r for r in everything if str(r["id"]) in distance]

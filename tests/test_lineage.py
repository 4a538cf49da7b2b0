"""Lineage edges and neighbourhoods from the relations records hold."""

from __future__ import annotations

from vlmnotes.lineage import Edge, edges, neighbourhood


def rel(kind: str, target: str, target_id: str | None) -> dict[str, str | None]:
    return {"type": kind, "target": target, "target_id": target_id, "evidence": f"{kind} {target}", "source": "n.md:1"}


BLIP = {"id": "2201.12086", "name": "BLIP"}
BLIP2 = {"id": "2301.12597", "name": "BLIP-2", "relations": [rel("improves-on", "BLIP", "2201.12086")]}
INSTRUCT = {
    "id": "2305.06500",
    "name": "InstructBLIP",
    "relations": [
        rel("builds-on", "BLIP-2", "2301.12597"),
        rel("builds-on", "BLIP-2", "2301.12597"),  # said twice: one edge
        rel("similar-to", "LLaVA", "2304.08485"),
        rel("uses", "Vicuna", None),  # not in the knowledge base: no edge
    ],
}
LLAVA = {"id": "2304.08485", "name": "LLaVA"}
ALL = [BLIP, BLIP2, INSTRUCT, LLAVA]


def test_edges_go_from_the_paper_stating_the_relation_to_the_one_it_names() -> None:
    assert edges(ALL) == [
        Edge("2301.12597", "2201.12086", "improves-on", "improves-on BLIP", "n.md:1"),
        Edge("2305.06500", "2301.12597", "builds-on", "builds-on BLIP-2", "n.md:1"),
    ]
    assert [e.type for e in edges(ALL, ("similar-to",))] == ["similar-to"]


def test_an_edge_needs_both_ends_among_the_records_given() -> None:
    assert edges([BLIP2, INSTRUCT]) == [Edge("2305.06500", "2301.12597", "builds-on", "builds-on BLIP-2", "n.md:1")]


def test_neighbourhood_walks_both_directions_to_the_depth_asked() -> None:
    assert [r["name"] for r in neighbourhood(ALL, ["2301.12597"], 0)] == ["BLIP-2"]
    assert [r["name"] for r in neighbourhood(ALL, ["2301.12597"], 1)] == ["BLIP", "BLIP-2", "InstructBLIP"]
    assert [r["name"] for r in neighbourhood(ALL, ["2201.12086"], 1)] == ["BLIP", "BLIP-2"]
    assert [r["name"] for r in neighbourhood(ALL, ["2201.12086"], 2)] == ["BLIP", "BLIP-2", "InstructBLIP"]
    assert [r["name"] for r in neighbourhood(ALL, ["2201.12086"], 2, ("improves-on", "builds-on", "similar-to"))] == [
        "BLIP",
        "BLIP-2",
        "InstructBLIP",
    ]
    assert [r["name"] for r in neighbourhood(ALL, ["2201.12086"], 3, ("improves-on", "builds-on", "similar-to"))] == [
        "BLIP",
        "BLIP-2",
        "InstructBLIP",
        "LLaVA",
    ]

"""The Paper record and its parts; schemas/paper.schema.json is generated from these models."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SLOTS: tuple[str, ...] = ("vision_encoder", "text_encoder", "llm", "connector", "losses", "architecture")
RelationType = Literal["improves-on", "builds-on", "similar-to", "uses", "mentions"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Source(_Strict):
    """One place in the notes where the paper appears."""

    file: str = Field(description="Note file, relative to the notes folder")
    line: int = Field(description="1-based line where the entry starts")
    end_line: int = Field(0, description="1-based last line of the entry (0 when unknown)")
    style: str = Field(description="Name of the note style that recognised the entry")
    text: str = Field("", description="The entry's own Markdown text at this place")


class Links(_Strict):
    """Links the notes give for the paper."""

    paper: str | None = Field(None, description="Abstract or landing page of the paper")
    pdf: str | None = Field(None, description="PDF of the paper")
    code: str | None = Field(None, description="Code repository")
    project: str | None = Field(None, description="Project page or demo")
    other: list[str] = Field(default_factory=list, description="Other links in the entry (notes, blogs)")


class Components(_Strict):
    """What the model is built from, as canonical vocabulary names."""

    vision_encoder: list[str] = Field(default_factory=list, description="Image encoders, e.g. ViT-L/14")
    text_encoder: list[str] = Field(default_factory=list, description="Text encoders, e.g. BERT")
    llm: list[str] = Field(default_factory=list, description="Language models, e.g. Vicuna-13B")
    connector: list[str] = Field(default_factory=list, description="Vision-to-language bridges, e.g. Q-Former")
    losses: list[str] = Field(default_factory=list, description="Training objectives, e.g. ITC, ITM, LM")
    architecture: list[str] = Field(default_factory=list, description="Overall design, e.g. dual-encoder")


class Relation(_Strict):
    """A typed link from this paper to another one, as the notes state it."""

    type: RelationType = Field(description="improves-on, builds-on, similar-to, uses or mentions")
    target: str = Field(description="The other paper as the note names it")
    target_id: str | None = Field(None, description="Record id of the other paper, when it is in the knowledge base")
    evidence: str = Field("", description="The sentence that states the relation")
    source: str = Field("", description="file:line of the evidence")


class ConflictValue(_Strict):
    """One of several values the notes give for a field."""

    value: str = Field(description="The value as text")
    source: str = Field(description="file:line where the value comes from")


class Conflict(_Strict):
    """A field for which the notes disagree; the record keeps the first value listed."""

    field: str = Field(description="Name of the field")
    values: list[ConflictValue] = Field(description="Every value given, the kept one first")


class Paper(_Strict):
    """One paper in the knowledge base, merged from every place the notes mention it."""

    id: str = Field(description="Stable id: the arXiv id when known, else a slug of the short name")
    name: str | None = Field(None, description="Short model or paper name, e.g. CLIP")
    aliases: list[str] = Field(default_factory=list, description="Other names the notes use")
    title: str | None = Field(None, description="Full paper title")
    arxiv_id: str | None = Field(None, description="arXiv identifier without version, e.g. 2103.00020")
    date: str | None = Field(None, description="ISO 8601 date at the precision known: 2021-02-26, 2021-02 or 2021")
    year: int | None = Field(None, description="Year of `date`")
    authors: list[str] = Field(default_factory=list, description="Authors, in order")
    authors_et_al: bool = Field(
        False, description="True when the list is incomplete: the notes end it with 等, et al. or and others"
    )
    orgs: list[str] = Field(default_factory=list, description="Organisations, canonical names where known")
    venue: str | None = Field(None, description="Normalised venue, e.g. NeurIPS 2021")
    citekey: str | None = Field(
        None,
        description="Citation key for BibTeX, CSL-JSON and RIS; given once, kept across builds, may be set by hand",
    )
    citations: int | None = Field(None, description="Citation count the notes give")
    links: Links = Field(default_factory=Links, description="Paper, pdf, code and project links")
    components: Components = Field(default_factory=Components, description="Model components by slot")
    tags: list[str] = Field(default_factory=list, description="Section headings the entries sit under")
    status: Literal["read", "unread"] | None = Field(None, description="read or unread, from [x] / [ ] checkboxes")
    sections: dict[str, str] = Field(
        default_factory=dict, description="Labelled summaries (背景, 贡献, motivation, 思考 ...) as text"
    )
    relations: list[Relation] = Field(default_factory=list, description="Typed links to other papers")
    abstract: str | None = Field(None, description="Abstract (from arXiv)")
    published: str | None = Field(None, description="Date of arXiv version 1, YYYY-MM-DD (from arXiv)")
    updated: str | None = Field(None, description="Date of the latest arXiv version, YYYY-MM-DD (from arXiv)")
    categories: list[str] = Field(default_factory=list, description="arXiv categories, primary first (from arXiv)")
    primary_category: str | None = Field(None, description="Primary arXiv category (from arXiv)")
    doi: str | None = Field(None, description="DOI of the published version (from arXiv)")
    journal_ref: str | None = Field(None, description="Journal reference (from arXiv)")
    comment: str | None = Field(None, description="Authors' comment, e.g. page count or venue (from arXiv)")
    provenance: dict[str, str] = Field(
        default_factory=dict, description="Where filled-in fields come from, e.g. {authors: arxiv}"
    )
    sources: list[Source] = Field(default_factory=list, description="Every place the paper appears")
    conflicts: list[Conflict] = Field(default_factory=list, description="Fields on which the notes disagree")
    pinned: list[str] = Field(
        default_factory=list, description="Fields edited by hand in the record file; builds keep their values"
    )

    def to_dict(self) -> dict[str, Any]:
        """The record as plain data in schema key order, empty values left out."""
        return self.model_dump(mode="json", exclude_defaults=True)


def paper_json_schema() -> dict[str, Any]:
    """The JSON Schema of a Paper record."""
    schema = Paper.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://github.com/vlmnotes/vlmnotes/schemas/paper.schema.json"
    return schema


def paper_json_schema_text() -> str:
    """The schema as the text stored in schemas/paper.schema.json."""
    return json.dumps(paper_json_schema(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"

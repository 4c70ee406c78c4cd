"""Parse an XML report without trusting it: a size cap, no entities, no external references, bounded nesting."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - only its TreeBuilder and ParseError; parsing goes through defusedxml
from dataclasses import dataclass, field

from defusedxml.common import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import DefusedXMLParser

from capstan.errors import InvalidInput

MAX_REPORT_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 64
MAX_ROOT_COMMENTS = 64
GZIP_MAGIC = b"\x1f\x8b"


class _TooDeep(Exception):
    pass


class _BoundedTreeBuilder(ET.TreeBuilder):
    """Builds the tree, refuses nesting deeper than MAX_DEPTH before it is built, and keeps the root's comments."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.root_comments: list[str] = []

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooDeep
        return super().start(tag, attrs)

    def end(self, tag: str) -> ET.Element:
        self.depth -= 1
        return super().end(tag)

    def comment(self, text: str) -> None:
        # Node's junit reporter writes its own run summary as comments inside the root (`<!-- fail 1 -->`).
        if self.depth == 1 and len(self.root_comments) < MAX_ROOT_COMMENTS:
            self.root_comments.append(text[:200])


class _ReportParser(DefusedXMLParser):
    """defusedxml with entities and external references forbidden.

    A bare `<!DOCTYPE coverage SYSTEM "...coverage-04.dtd">` is allowed, because every
    Cobertura writer emits one (expat never fetches it); a DOCTYPE with an internal
    subset, where entities would be declared, is refused.
    """

    def __init__(self, target: ET.TreeBuilder):
        super().__init__(target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True)

    def defused_start_doctype_decl(self, name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool) -> None:
        if has_internal_subset:
            raise DTDForbidden(name, sysid, pubid)


@dataclass
class XmlReport:
    root: ET.Element
    root_comments: list[str] = field(default_factory=list)


def check_size(data: bytes, name: str) -> None:
    if len(data) > MAX_REPORT_BYTES:
        raise InvalidInput(f"{name}: report is {len(data)} bytes, over the {MAX_REPORT_BYTES}-byte cap")
    if data[:2] == GZIP_MAGIC:
        raise InvalidInput(f"{name}: report is gzip-compressed; publish it uncompressed")


def load(data: bytes, name: str) -> XmlReport:
    """The report's root element and its root-level comments.

    Raises
    ------
    InvalidInput
        When the report is over the cap, compressed, not well-formed XML, nested too deep,
        or declares entities, an internal DTD subset or external references.
    """
    check_size(data, name)
    builder = _BoundedTreeBuilder()
    parser = _ReportParser(target=builder)
    try:
        parser.feed(data)
        root = parser.close()
    except _TooDeep:
        raise InvalidInput(f"{name}: XML nested deeper than {MAX_DEPTH} levels") from None
    except DTDForbidden:
        raise InvalidInput(f"{name}: refused XML construct (a DOCTYPE with an internal subset; entities are never expanded)") from None
    except DefusedXmlException as exc:
        raise InvalidInput(f"{name}: refused XML construct ({type(exc).__name__}; entities are never expanded)") from None
    except ET.ParseError as exc:
        raise InvalidInput(f"{name}: not well-formed XML ({' '.join(str(exc).split())[:120]})") from None
    return XmlReport(root, builder.root_comments)

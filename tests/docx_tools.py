"""Reading generated .docx files back for assertions, and building test templates."""
from __future__ import annotations

import io
import zipfile

from docx import Document
from docx.oxml.ns import qn


def _block_text(element) -> list[str]:
    out = []
    for child in element.iterchildren():
        if child.tag == qn("w:p"):
            out.append(_paragraph_text(child))
        elif child.tag == qn("w:tbl"):
            for row in child.iterchildren(qn("w:tr")):
                for cell in row.iterchildren(qn("w:tc")):
                    out += _block_text(cell)
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                out += _block_text(content)
    return out


def _paragraph_text(p) -> str:
    parts = []
    for node in p.iter():
        if node.tag == qn("w:t"):
            parts.append(node.text or "")
        elif node.tag == qn("w:br"):
            parts.append("\f" if node.get(qn("w:type")) == "page" else "\n")
        elif node.tag == qn("w:tab"):
            parts.append("\t")
    return "".join(parts)


def docx_text(data: bytes) -> list[str]:
    """Paragraph and cell texts in order: body, then each section's headers and footers."""
    doc = Document(io.BytesIO(data))
    out = _block_text(doc.element.body)
    for section in doc.sections:
        for part in (section.header, section.footer):
            if part is not None and not part.is_linked_to_previous:
                out.append("--")
                out += _block_text(part._element)
    return out


def part_xml(data: bytes, name: str = "word/document.xml") -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(name).decode("utf-8")

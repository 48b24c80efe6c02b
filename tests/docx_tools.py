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


def emf_records(data: bytes) -> list[tuple[int, bytes]]:
    """(record type, body) of every record of an EMF picture, checking each record's size on the way."""
    import struct

    records, offset = [], 0
    while offset < len(data):
        kind, size = struct.unpack_from("<II", data, offset)
        assert size >= 8 and size % 4 == 0 and offset + size <= len(data), (kind, size, offset)
        records.append((kind, data[offset + 8:offset + size]))
        offset += size
    return records


def emf_texts(data: bytes) -> list[dict]:
    """The text lines an EMF draws: text, reference point, advances and the selected font's face, height and angle."""
    import struct

    fonts, current, lines = {}, None, []
    for kind, body in emf_records(data):
        if kind == 82:          # EMR_EXTCREATEFONTINDIRECTW
            handle, height, _, escapement, orientation = struct.unpack_from("<Iiiii", body)
            face = body[4 + 28:4 + 92].decode("utf-16-le").split("\0")[0]
            fonts[handle] = {"height": -height, "escapement": escapement, "orientation": orientation, "face": face}
        elif kind == 37:        # EMR_SELECTOBJECT
            current = fonts[struct.unpack_from("<I", body)[0]]
        elif kind == 84:        # EMR_EXTTEXTOUTW (offsets count from the record's start, 8 bytes before body)
            x, y, count, off_string, _, _, _, _, _, off_dx = struct.unpack_from("<iiIIIiiiiI", body, 28)
            text = body[off_string - 8:off_string - 8 + 2 * count].decode("utf-16-le")
            advances = list(struct.unpack_from(f"<{count}i", body, off_dx - 8))
            lines.append({"text": text, "x": x, "y": y, "advances": advances, **current})
    return lines

"""Every document type, in the order the monthly batch lists them.

Adding a type: write its module (a `DocumentType` subclass and `TYPE`), its
template under templates/ and its tests, and add it here.
"""
from __future__ import annotations

from . import (annual, appointments, handover, honoraria, invitation, meeting_day, meeting_summary, minutes,
               newsletter, public_minutes)
from .base import DocumentType, TemplateFile

DOCUMENT_TYPES: tuple[DocumentType, ...] = (invitation.TYPE, meeting_day.TYPE, minutes.TYPE, meeting_summary.TYPE,
                                             public_minutes.TYPE, newsletter.TYPE, honoraria.TYPE,
                                             appointments.TYPE, annual.TYPE, handover.TYPE)


def document_type(key: str) -> DocumentType:
    return next(t for t in DOCUMENT_TYPES if t.key == key)


def all_templates() -> list[tuple[DocumentType, TemplateFile]]:
    """Every .docx template, with the type that renders it."""
    return [(doc, template) for doc in DOCUMENT_TYPES for template in doc.templates]

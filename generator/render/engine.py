"""A compile-once .docx template engine with docxtpl's tag syntax.

docxtpl re-reads the .docx, re-merges runs and re-compiles Jinja for every
document it renders. Here a template is prepared once - docxtpl's own
`patch_xml` turns `{%p %}`, `{%tr %}`, `{%tc %}`, `{%r %}` and tags split
across runs into plain Jinja, the Jinja is compiled in a sandbox with
StrictUndefined, and every package part that holds no tag is compressed
once - and then each render only runs the compiled templates, applies
docxtpl's post-processing (line breaks, table grid fixes) and writes a zip
from pre-compressed parts. The text of the output equals docxtpl's for the
same template and context (tests/test_render.py holds it to that).

Values are data, never template code: output is autoescaped for XML,
characters XML 1.0 cannot hold are dropped, and a `{{ }}` inside a value is
printed, not run.
"""
from __future__ import annotations

import contextvars
import io
import re
import stat
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .. import messages, safezip
from ..errors import TemplateError
from .output import FIXED_ZIP_TIME, atomic_write, fix_core_times

_RENDERED_PART = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")
_PROPERTIES_PART = "docProps/core.xml"      # title, subject…: docxtpl renders {{ }} there too
_XML_DECLARATION = re.compile(r"<\?xml[^>]*\?>\s*")
_IN_TAG = re.compile(r"(?<=\{[{%])(.*?)(?=[}%]\})", re.S)
_TAG_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_TAG = re.compile(r"\{[{%#]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.S)
_PARAGRAPH_START = re.compile(r"<w:p([ >])")
_LISTING_CHARS = ("\n", "\t", "\a", "\f")
_DOCPR_ID = re.compile(r'(<wp:docPr\b[^>]*?\bid=")(\d+)(")')


def xml_safe(value: object) -> object:
    """Jinja `finalize`: drop what XML cannot hold; CR/LF become the LF docxtpl breaks on."""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return _NOT_XML.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if value is None:
        return ""
    return value


class InlineImage:
    """A picture for a `{{ }}` tag, e.g. a chart: PNG (or EMF) bytes and the printed size.

    Rendering it registers the picture with the render under way, which adds
    the media part and its relationship to the package.
    """

    def __init__(self, png: bytes, width_mm: float, height_mm: float, name: str = "image", extension: str = "png"):
        if extension not in _IMAGE_TYPES:
            raise ValueError(f"unsupported picture type: {extension}")
        self.png = png
        self.width_mm = width_mm
        self.height_mm = height_mm
        self.name = name
        self.extension = extension

    def __html__(self) -> str:
        media = _MEDIA.get()
        if media is None:
            raise TemplateError(messages.TEMPLATE_IMAGE_PLACE)
        number, rid = media.add(self.png, self.extension)
        cx, cy = int(self.width_mm * 36000), int(self.height_mm * 36000)
        return (
            '</w:t></w:r><w:r><w:drawing>'
            '<wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
            'distT="0" distB="0" distL="0" distR="0">'
            f'<wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="{2000 + number}" name="{self.name} {number}"/>'
            '<wp:cNvGraphicFramePr><a:graphicFrameLocks xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
            'noChangeAspect="1"/></wp:cNvGraphicFramePr>'
            '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
            '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            f'<pic:nvPicPr><pic:cNvPr id="{2000 + number}" name="{self.name}{number}.{self.extension}"/><pic:cNvPicPr/>'
            '</pic:nvPicPr>'
            '<pic:blipFill><a:blip xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
            f'r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
            f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>'
            '</wp:inline></w:drawing></w:r><w:r><w:t xml:space="preserve">'
        )


# Picture types a template may receive, by file extension. EMF is for vector text that must be
# turned (a tent card's back face); Word and LibreOffice both read it.
_IMAGE_TYPES = {"png": "image/png", "emf": "image/x-emf"}


class _Media:
    """The pictures one render placed, in order, and the part (body, header…) each sits in."""

    def __init__(self):
        self.images: list[tuple[bytes, str]] = []
        self.part = "word/document.xml"          # the part being rendered
        self.by_part: dict[str, list[int]] = {}

    def add(self, data: bytes, extension: str = "png") -> tuple[int, str]:
        self.images.append((data, extension))
        number = len(self.images)
        # A header or footer has its own relationships part: the picture must be linked from there.
        self.by_part.setdefault(self.part, []).append(number)
        return number, f"rIdSasaeaiImg{number}"

    def file_name(self, number: int) -> str:
        return f"sasaeai_image{number}.{self.images[number - 1][1]}"

    def extensions(self) -> list[str]:
        return list(dict.fromkeys(extension for _, extension in self.images))

    def parts(self) -> dict[str, bytes]:
        return {f"word/media/{self.file_name(n)}": data for n, (data, _) in enumerate(self.images, start=1)}


@dataclass
class Rendering:
    """What one render of a template produced: the context, each templated part's XML, the pictures placed."""

    context: Mapping
    parts: dict[str, str]
    media: _Media


_MEDIA: contextvars.ContextVar[_Media | None] = contextvars.ContextVar("sasaeai_media", default=None)
_IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"


def make_environment() -> SandboxedEnvironment:
    """The Jinja environment for staff-edited templates: sandboxed, limited, strict, escaping."""
    env = LimitedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined,
                             finalize=xml_safe, keep_trailing_newline=True)
    return env


def make_text_environment() -> SandboxedEnvironment:
    """The same limited sandbox for plain-text templates (mail.txt): strict, not escaping.

    Render with `render_limited(template, context, name)` so that the time,
    loop and output limits apply.
    """
    return LimitedEnvironment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


# --- limits on what a staff-edited template may do ------------------------------
#
# Templates are data from staff (or from anyone who can drop a file in the
# templates folder). The sandbox keeps them from reaching Python; these limits
# keep them from running for ever or filling memory: nested range() loops,
# 9**(9**9), 'x' * 10**9, a string doubled in a loop. Real templates stay far
# below every one of them (a letter loops over a few agenda lines).

MAX_RANGE = 10_000              # items one range() may give
MAX_LOOP_STEPS = 1_000_000      # loop iterations in one rendering of one part
MAX_NUMBER_ARG = 100_000        # a number given to a function or filter (a width, a count)
MAX_INT_BITS = 100_000          # an integer result of ** or * (about 30,000 digits)
MAX_TEXT = 1_000_000            # characters (or items) of a string or list built by *, +, ~ or a filter
MAX_OUTPUT = 50_000_000         # characters of one rendered part
TIME_BUDGET = 20.0              # seconds to render one part of one document

_FORMAT_WIDTH = re.compile(r"%[-#0 +]*(?:\d{6,}|\*)|%[-#0 +]*\d*\.(?:\d{6,}|\*)")


class TemplateLimit(Exception):
    """A template went over one of the limits above; the message is Japanese."""


class _Budget:
    """Loop steps and time left for one rendering."""

    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds
        self.steps = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_LOOP_STEPS:
            raise TemplateLimit(messages.TEMPLATE_LIMIT_LOOPS.format(limit=f"{MAX_LOOP_STEPS:,}"))
        if not self.steps & 0x3FF:
            self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateLimit(messages.TEMPLATE_LIMIT_TIME.format(seconds=f"{TIME_BUDGET:g}"))


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("sasaeai_budget", default=None)


def _budget() -> _Budget:
    budget = _BUDGET.get()
    if budget is None:      # rendered without render_limited: still bounded, from now on
        budget = _Budget(TIME_BUDGET)
        _BUDGET.set(budget)
    return budget


def _limited_range(*args) -> Iterator[int]:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateLimit(messages.TEMPLATE_LIMIT_RANGE.format(limit=f"{MAX_RANGE:,}"))
    return _counted(numbers)


def _counted(iterable) -> Iterator:
    budget = _budget()
    for item in iterable:
        budget.step()
        yield item


def _check_size(value: object) -> object:
    if isinstance(value, (str, list, tuple, bytes)) and len(value) > MAX_TEXT:
        raise TemplateLimit(messages.TEMPLATE_LIMIT_TEXT.format(limit=f"{MAX_TEXT:,}"))
    return value


def _check_numbers(args: Iterable, kwargs: Mapping) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_NUMBER_ARG:
            raise TemplateLimit(messages.TEMPLATE_LIMIT_NUMBER.format(limit=f"{MAX_NUMBER_ARG:,}"))


def _limited_filter(function):
    """A filter whose arguments (not the value it filters) and result are held to the limits."""
    skip = 1 + (getattr(function, "jinja_pass_arg", None) is not None)

    def limited(*args, **kwargs):
        _check_numbers(args[skip:], kwargs)
        return _check_size(function(*args, **kwargs))

    if hasattr(function, "jinja_pass_arg"):
        limited.jinja_pass_arg = function.jinja_pass_arg
    return limited


def _int_bits(value: object) -> int:
    return abs(value).bit_length() if isinstance(value, int) and not isinstance(value, bool) else 0


class LimitedEnvironment(SandboxedEnvironment):
    """The sandbox with limits on loops, numbers, sizes and time, and no include/import/extends."""

    intercepted_binops = frozenset(["*", "**", "+", "%"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.globals["range"] = _limited_range
        self.filters = {name: _limited_filter(f) for name, f in self.filters.items()}
        self.filters["sasaeai_steps"] = _counted
        self.filters["sasaeai_size"] = _check_size

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            if isinstance(right, (int, float)) and _int_bits(left) * max(right, 0) > MAX_INT_BITS:
                raise TemplateLimit(messages.TEMPLATE_LIMIT_NUMBER.format(limit=f"{MAX_NUMBER_ARG:,}"))
            if isinstance(right, (int, float)) and abs(right) > MAX_NUMBER_ARG:
                raise TemplateLimit(messages.TEMPLATE_LIMIT_NUMBER.format(limit=f"{MAX_NUMBER_ARG:,}"))
        elif operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(count, int) and len(seq) * count > MAX_TEXT:
                    raise TemplateLimit(messages.TEMPLATE_LIMIT_TEXT.format(limit=f"{MAX_TEXT:,}"))
            if _int_bits(left) + _int_bits(right) > MAX_INT_BITS:
                raise TemplateLimit(messages.TEMPLATE_LIMIT_NUMBER.format(limit=f"{MAX_NUMBER_ARG:,}"))
        elif operator == "+":
            if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)) \
                    and len(left) + len(right) > MAX_TEXT:
                raise TemplateLimit(messages.TEMPLATE_LIMIT_TEXT.format(limit=f"{MAX_TEXT:,}"))
        elif operator == "%" and isinstance(left, str):
            if _FORMAT_WIDTH.search(left):
                raise TemplateLimit(messages.TEMPLATE_LIMIT_NUMBER.format(limit=f"{MAX_NUMBER_ARG:,}"))
        return _check_size(super().call_binop(context, operator, left, right))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
        _check_numbers(args, kwargs)
        # str.format reaches here wrapped by the sandbox; a width in its format
        # string ('{:>999999999}') would allocate before any result could be sized.
        method = getattr(__obj, "__wrapped__", __obj)
        owner = getattr(method, "__self__", None)
        if isinstance(owner, str) and getattr(method, "__name__", "") in ("format", "format_map"):
            if re.search(r"\{[^}]*[:!][^}]*\d{6,}", owner):
                raise TemplateLimit(messages.TEMPLATE_LIMIT_NUMBER.format(limit=f"{MAX_NUMBER_ARG:,}"))
        _budget().step()
        return _check_size(super().call(__context, __obj, *args, **kwargs))

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        _guard_tree(tree)
        return tree


def _guard_tree(tree: nodes.Template) -> None:
    """Count every loop step and size every ~ concatenation; refuse include, import and extends.

    Each for-loop's iterable goes through the `sasaeai_steps` filter, so
    nested loops over anything (not only range) share one step budget.
    """
    for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        raise jinja2.TemplateSyntaxError(messages.TEMPLATE_NO_INCLUDE, node.lineno)
    for node in tree.find_all(nodes.For):
        node.iter = nodes.Filter(node.iter, "sasaeai_steps", [], [], None, None, lineno=node.lineno)
    for parent in list(tree.find_all(nodes.Node)):
        for field_name, value in parent.iter_fields():
            if isinstance(value, nodes.Concat):
                setattr(parent, field_name, _sized(value))
            elif isinstance(value, list):
                parent_list = value
                for index, item in enumerate(parent_list):
                    if isinstance(item, nodes.Concat):
                        parent_list[index] = _sized(item)


def _sized(node: nodes.Concat) -> nodes.Filter:
    return nodes.Filter(node, "sasaeai_size", [], [], None, None, lineno=node.lineno)


def check_template_package(archive: zipfile.ZipFile, path: Path) -> None:
    """The ledger's decompression limits, for a template; its text parts get a tighter cap."""
    text_parts = tuple(name for name in archive.namelist() if _RENDERED_PART.fullmatch(name))
    try:
        safezip.check_package(archive, safezip.TEMPLATE, text_parts, safezip.TEMPLATE_TEXT_PART)
    except safezip.PackageTooLarge as exc:
        limit = f"{exc.limit:,} 個" if exc.what == "parts" else safezip.human_size(exc.limit)
        raise TemplateError(messages.TEMPLATE_TOO_LARGE.format(path=path, part=exc.part or path.name,
                                                               limit=limit)) from None
    except safezip.BROKEN:
        raise TemplateError(messages.TEMPLATE_NOT_DOCX.format(path=path)) from None


def render_limited(template: jinja2.Template, context: Mapping, name: str) -> str:
    """Render within the limits: loop steps, time and output size. A breach is a TemplateError naming `name`."""
    budget = _Budget(TIME_BUDGET)
    token = _BUDGET.set(budget)
    try:
        chunks = []
        size = 0
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateLimit(messages.TEMPLATE_LIMIT_OUTPUT.format(limit=f"{MAX_OUTPUT // 1_000_000} MB"))
            budget.check_time()
            chunks.append(chunk)
        return "".join(chunks)
    except TemplateLimit as exc:
        raise TemplateError(messages.TEMPLATE_LIMIT.format(path=name, error=exc)) from None
    except RecursionError:
        raise TemplateError(messages.TEMPLATE_LIMIT.format(path=name, error=messages.TEMPLATE_LIMIT_DEPTH)) from None
    except MemoryError:
        raise TemplateError(messages.TEMPLATE_LIMIT.format(path=name, error=messages.TEMPLATE_LIMIT_MEMORY)) from None
    finally:
        _BUDGET.reset(token)


def _docxtpl():
    # docxtpl's preparation functions use nothing of the instance; an instance
    # built on no file gives access to them without loading a document.
    from docxtpl import DocxTemplate

    return DocxTemplate(None)


@dataclass
class _Entry:
    """One zip member: either pre-compressed bytes or a compiled template."""

    name: str
    data: bytes = b""           # raw deflate stream for static parts
    crc: int = 0
    size: int = 0
    template: jinja2.Template | None = None
    fix_tables: bool = False
    renumber_docpr: bool = False


class CompiledTemplate:
    """A .docx template prepared once, rendered many times."""

    def __init__(self, path: str | Path, env: SandboxedEnvironment | None = None, data: bytes | None = None):
        self.path = Path(path)
        self.data = data                       # the file's bytes when it is not a file on disk
        self.env = env or make_environment()
        self._helper = _docxtpl()
        self.sources: dict[str, str] = {}      # part -> prepared Jinja source
        self.entries: list[_Entry] = []
        self._load()

    # --- preparation -------------------------------------------------------------
    def _load(self) -> None:
        try:
            info = self.path.stat() if self.data is None else None
            if info is not None and not stat.S_ISREG(info.st_mode):   # a FIFO would block the open
                raise TemplateError(messages.TEMPLATE_NOT_DOCX.format(path=self.path))
            if info is not None and info.st_size > safezip.TEMPLATE.file:
                raise TemplateError(messages.TEMPLATE_TOO_LARGE.format(
                    path=self.path, part=self.path.name, limit=safezip.human_size(safezip.TEMPLATE.file)))
            archive = zipfile.ZipFile(io.BytesIO(self.data) if self.data is not None else self.path)
        except FileNotFoundError:
            raise TemplateError(messages.TEMPLATE_NOT_FOUND.format(path=self.path)) from None
        except (zipfile.BadZipFile, OSError):
            raise TemplateError(messages.TEMPLATE_NOT_DOCX.format(path=self.path)) from None
        with archive:
            names = archive.namelist()
            if "word/document.xml" not in names:
                raise TemplateError(messages.TEMPLATE_NOT_DOCX.format(path=self.path))
            check_template_package(archive, self.path)
            for name in names:
                body = archive.read(name)
                if name == "docProps/core.xml":
                    body = fix_core_times(body)
                if _RENDERED_PART.fullmatch(name) and _TAG.search(body.decode("utf-8", "replace")):
                    self.entries.append(self._compile_part(name, body.decode("utf-8")))
                elif name == _PROPERTIES_PART and _TAG.search(body.decode("utf-8", "replace")):
                    self.entries.append(self._compile_properties(name, body.decode("utf-8")))
                else:
                    self.entries.append(_static(name, body))

    def _compile_part(self, name: str, xml: str) -> _Entry:
        source = _unescape_tags(self._helper.patch_xml(_reserialize(xml)))
        source = _PARAGRAPH_START.sub(r"\n<w:p\1", source)
        template = self._compile_source(name, source)
        text = re.sub(r"<[^>]+>", "", xml)
        # docxtpl's table grid fix matters only when {%tc %} loops change the
        # number of cells; it costs a full lxml parse, so only those templates pay.
        return _Entry(name=name, template=template,
                      fix_tables=bool(re.search(r"\{%-?\s*tc\s", text)),
                      renumber_docpr="<wp:docPr" in source)

    def _compile_properties(self, name: str, xml: str) -> _Entry:
        # Document properties hold plain text elements: no runs to merge, only entities to undo.
        return _Entry(name=name, template=self._compile_source(name, _unescape_tags(_reserialize(xml))))

    def _compile_source(self, name: str, source: str) -> jinja2.Template:
        self.sources[name] = source
        try:
            return self.env.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(messages.TEMPLATE_SYNTAX.format(
                path=self.path.name, part=name, error=exc.message,
                near=_near(source, exc.lineno))) from exc

    # --- rendering -----------------------------------------------------------------
    def render_part(self, entry: _Entry, context: Mapping) -> str:
        media = _MEDIA.get()
        if media is not None:
            media.part = entry.name
        try:
            xml = render_limited(entry.template, context, self.path.name)
        except jinja2.UndefinedError as exc:
            raise TemplateError(messages.TEMPLATE_UNDEFINED.format(
                path=self.path.name, error=exc.message)) from exc
        except jinja2.TemplateError as exc:
            raise TemplateError(messages.TEMPLATE_RENDER.format(
                path=self.path.name, error=getattr(exc, "message", str(exc)))) from exc
        xml = xml.replace("\n<w:p", "<w:p")
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        if any(ch in xml for ch in _LISTING_CHARS):
            xml = _PARAGRAPH.sub(self._listing, xml)
        if entry.fix_tables:
            xml = self._fix_tables(xml)
        if entry.renumber_docpr:
            counter = iter(range(1001, 1_000_000))
            xml = _DOCPR_ID.sub(lambda m: f"{m.group(1)}{next(counter)}{m.group(3)}", xml)
        return xml

    def _listing(self, match: re.Match) -> str:
        # docxtpl's resolve_listing, run only on paragraphs that need it.
        text = match.group(0)
        if not any(ch in text for ch in _LISTING_CHARS):
            return text
        return self._helper.resolve_listing(text)

    def _fix_tables(self, xml: str) -> str:
        from lxml import etree

        head, sep, rest = xml.partition("?>") if xml.startswith("<?xml") else ("", "", xml)
        tree = self._helper.fix_tables(rest.lstrip())
        return head + sep + "\n" * bool(sep) + etree.tostring(tree, encoding="unicode")

    def render_xml(self, context: Mapping) -> dict[str, str]:
        """The rendered XML of every templated part."""
        return {e.name: self.render_part(e, context) for e in self.entries if e.template is not None}

    def render(self, context: Mapping) -> bytes:
        """The .docx file for one context."""
        return self.package(self.rendering(context))

    def rendering(self, context: Mapping) -> "Rendering":
        """One context's rendered parts: `package` makes its file, `combine` joins several into one."""
        media = _Media()
        token = _MEDIA.set(media)
        try:
            rendered = self.render_xml(context)
        finally:
            _MEDIA.reset(token)
        return Rendering(context, rendered, media)

    def package(self, rendering: "Rendering") -> bytes:
        """The .docx file of a rendering."""
        return self._package(rendering.parts, rendering.media)

    def write(self, context: Mapping, path: str | Path) -> Path:
        """Render and write atomically."""
        atomic_write(path, self.render(context))
        return Path(path)

    def render_combined(self, contexts: Iterable[Mapping], shared: Mapping | None = None) -> bytes:
        """One .docx holding the body of every context in turn, each starting a new page.

        Headers and footers are rendered with `shared` (default: the first context).
        """
        contexts = list(contexts)
        if not contexts:
            raise ValueError("render_combined needs at least one context")
        media = _Media()
        token = _MEDIA.set(media)
        try:
            main = next(e for e in self.entries if e.name == "word/document.xml")
            documents = [self.render_part(main, context) if main.template else _inflate(main) for context in contexts]
            others = shared if shared is not None else contexts[0]
            rendered = {entry.name: self.render_part(entry, others) for entry in self.entries
                        if entry.template is not None and entry.name != "word/document.xml"}
        finally:
            _MEDIA.reset(token)
        return self._package(self._joined(documents) | rendered, media)

    def combine(self, renderings: list["Rendering"]) -> bytes:
        """The same file as render_combined() of the renderings' contexts, without rendering them again.

        Their bodies are joined as rendered; headers and footers are the first one's.
        """
        if not renderings:
            raise ValueError("combine needs at least one rendering")
        if any(r.media.images for r in renderings):
            # Each rendering numbered its pictures from 1: joined, they would clash.
            return self.render_combined([r.context for r in renderings])
        main = next(e for e in self.entries if e.name == "word/document.xml")
        documents = [r.parts.get(main.name) or _inflate(main) for r in renderings]
        others = {name: xml for name, xml in renderings[0].parts.items() if name != main.name}
        return self._package(self._joined(documents) | others)

    @staticmethod
    def _joined(documents: list[str]) -> dict[str, str]:
        """document.xml holding each document's body in turn, the later ones starting a new page."""
        bodies = []
        head = tail = ""
        for index, xml in enumerate(documents):
            start = xml.index(">", xml.index("<w:body")) + 1
            end = xml.rindex("<w:sectPr")
            if index == 0:
                head, tail = xml[:start], xml[end:]
            body = xml[start:end]
            bodies.append(body if index == 0 else _page_break_before(body))
        return {"word/document.xml": head + "".join(bodies) + tail}

    def _package(self, rendered: Mapping[str, str], media: _Media | None = None) -> bytes:
        writer = _ZipWriter()
        changed = {name: xml.encode("utf-8") for name, xml in rendered.items()}
        if media is not None and media.images:
            changed.update(self._media_changes(media))
        for entry in self.entries:
            if entry.name in changed:
                writer.add(entry.name, changed.pop(entry.name))
            else:
                writer.add_compressed(entry.name, entry.data, entry.crc, entry.size)
        for name, body in changed.items():   # new parts: the pictures
            writer.add(name, body)
        return writer.finish()

    def _media_changes(self, media: _Media) -> dict[str, bytes]:
        """The relationship and content-type parts with the pictures added, and the pictures."""
        by_name = {e.name: e for e in self.entries}
        changes: dict[str, bytes] = {}
        for part, numbers in sorted(media.by_part.items()):
            folder, _, base = part.rpartition("/")
            rels_name = f"{folder}/_rels/{base}.rels"
            rels = _inflate(by_name[rels_name]) if rels_name in by_name else _EMPTY_RELS
            added = "".join(f'<Relationship Id="rIdSasaeaiImg{n}" Type="{_IMAGE_REL}" '
                            f'Target="media/{media.file_name(n)}"/>' for n in numbers)
            changes[rels_name] = rels.replace("</Relationships>", added + "</Relationships>").encode("utf-8")
        types = _inflate(by_name["[Content_Types].xml"])
        for extension in media.extensions():
            if f'Extension="{extension}"' not in types:
                types = types.replace("<Default ", f'<Default Extension="{extension}" '
                                      f'ContentType="{_IMAGE_TYPES[extension]}"/><Default ', 1)
        changes["[Content_Types].xml"] = types.encode("utf-8")
        changes.update(media.parts())
        return changes

    # --- inspection ---------------------------------------------------------------
    def variables(self) -> set[str]:
        """Top-level names the template reads (like docxtpl's get_undeclared_template_variables)."""
        names: set[str] = set()
        for source in self.sources.values():
            names |= meta.find_undeclared_variables(self.env.parse(source))
        return names

    def attribute_uses(self) -> set[tuple[str, str]]:
        """(name, attribute) pairs such as ('meeting', 'date') that the template reads."""
        from jinja2 import nodes

        pairs: set[tuple[str, str]] = set()
        for source in self.sources.values():
            tree = self.env.parse(source)
            for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
                if isinstance(node.node, nodes.Name):
                    attr = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
                    if isinstance(attr, str):
                        pairs.add((node.node.name, attr))
        return pairs


_EMPTY_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>')


def _reserialize(xml: str) -> str:
    """The part as docxtpl sees it: parsed and written back by lxml.

    Word writes quotes in text as they are, LibreOffice as &quot;/&apos;;
    docxtpl never notices because it serialises the tree before patching.
    Doing the same lets `{% if x == "郵送" %}` from either editor compile.
    """
    from lxml import etree

    declaration = _XML_DECLARATION.match(xml)
    root = etree.fromstring(xml[declaration.end() if declaration else 0:].encode("utf-8"))
    return (declaration.group(0) if declaration else "") + etree.tostring(root, encoding="unicode")


def _unescape_tags(source: str) -> str:
    """Inside {{ }} and {% %}, XML's &lt; &gt; &amp; become the characters staff typed.

    docxtpl turns &lt;/&gt; back (patch_xml's clean_tags) and leaves &amp;,
    which its unescaped output then prints as '&'. Our output is escaped,
    so the literal must hold '&' itself to print the same.
    """
    def clean(match: re.Match) -> str:
        text = match.group(0)
        for entity, char in _TAG_ENTITIES:
            text = text.replace(entity, char)
        return text

    return _IN_TAG.sub(clean, source)


def compile_template(path: str | Path) -> CompiledTemplate:
    """Prepare a .docx template once; render it with `.render(context)` or `.write(context, path)`."""
    return CompiledTemplate(path)


def _near(source: str, lineno: int | None) -> str:
    if not lineno:
        return ""
    line = source.splitlines()[max(lineno - 1, 0)] if source else ""
    return re.sub(r"<[^>]+>", "", line)[:60]


def _page_break_before(body: str) -> str:
    """Make the first paragraph of a body start a new page."""
    match = re.search(r"<w:p(?: [^>]*)?>", body)
    if not match:
        return '<w:p><w:r><w:br w:type="page"/></w:r></w:p>' + body
    at = match.end()
    if body.startswith("<w:pPr>", at):
        # pageBreakBefore follows pStyle, keepNext and keepLines in the schema order.
        inner = at + len("<w:pPr>")
        for tag in ("w:pStyle", "w:keepNext", "w:keepLines"):
            m = re.compile(rf"<{tag}\b[^>]*/>").match(body, inner)
            if m:
                inner = m.end()
        if body.startswith("<w:pageBreakBefore", inner):
            return body
        return body[:inner] + "<w:pageBreakBefore/>" + body[inner:]
    return body[:at] + "<w:pPr><w:pageBreakBefore/></w:pPr>" + body[at:]


# --- a zip writer that takes pre-compressed members -------------------------------

_DOS_TIME = (FIXED_ZIP_TIME[3] << 11) | (FIXED_ZIP_TIME[4] << 5) | (FIXED_ZIP_TIME[5] // 2)
_DOS_DATE = ((FIXED_ZIP_TIME[0] - 1980) << 9) | (FIXED_ZIP_TIME[1] << 5) | FIXED_ZIP_TIME[2]


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _static(name: str, body: bytes) -> _Entry:
    return _Entry(name=name, data=_deflate(body), crc=zlib.crc32(body), size=len(body))


def _inflate(entry: _Entry) -> str:
    return zlib.decompress(entry.data, -15).decode("utf-8")


class _ZipWriter:
    """Just enough of the zip format for a .docx: deflated members, fixed times.

    zipfile cannot take data that is already compressed, and re-compressing
    the unchanged parts (styles, theme, fonts) of every letter is most of the
    cost of writing one.
    """

    def __init__(self):
        self.chunks: list[bytes] = []
        self.central: list[bytes] = []
        self.offset = 0

    def add(self, name: str, body: bytes) -> None:
        self.add_compressed(name, _deflate(body), zlib.crc32(body), len(body))

    def add_compressed(self, name: str, data: bytes, crc: int, size: int) -> None:
        raw = name.encode("utf-8")
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x0800, 8, _DOS_TIME, _DOS_DATE,
                            crc, len(data), size, len(raw), 0)
        self.central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x0800, 8,
                                        _DOS_TIME, _DOS_DATE, crc, len(data), size, len(raw),
                                        0, 0, 0, 0, 0o600 << 16, self.offset) + raw)
        self.chunks += (local, raw, data)
        self.offset += len(local) + len(raw) + len(data)

    def finish(self) -> bytes:
        directory = b"".join(self.central)
        end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(self.central), len(self.central),
                          len(directory), self.offset, 0)
        return b"".join(self.chunks) + directory + end

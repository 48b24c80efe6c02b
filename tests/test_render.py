"""The compile-once engine: same text as docxtpl, safe with hostile values, deterministic."""
import io
import zipfile

import pytest
from conftest import REPO
from docx import Document
from docx_tools import docx_text, part_xml
from docxtpl import DocxTemplate

from generator.errors import TemplateError
from generator.render.engine import compile_template
from generator.documents.templates import example_contexts


def docxtpl_render(path, context) -> bytes:
    tpl = DocxTemplate(str(path))
    tpl.render(context, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def split_run(paragraph, *pieces, bold_second=True):
    """Write text as several runs, as Word does after an edit, so tags span runs."""
    for i, piece in enumerate(pieces):
        run = paragraph.add_run(piece)
        if bold_second and i % 2:
            run.bold = True


def build_docxtpl_style(path):
    doc = Document()
    split_run(doc.add_paragraph(), "宛名: {{ na", "me }} 様")
    doc.add_paragraph("{%p if show_note %}")
    doc.add_paragraph("注記: {{ note }}")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p if hidden %}")
    doc.add_paragraph("出ない段落")
    doc.add_paragraph("{%p endif %}")
    p = doc.add_paragraph()
    split_run(p, "{%r if flag %}", "強調", "{%r endif %}", bold_second=False)
    doc.add_paragraph("住所: {{ address }}{# a comment staff left #}")
    doc.add_paragraph("{%p for item in items %}")
    doc.add_paragraph("{{ loop.index }}. {{ item }}")
    doc.add_paragraph("{%p endfor %}")
    # Nested {%tr for %}: groups, and the items of each group.
    t = doc.add_table(rows=6, cols=2)
    t.rows[0].cells[0].text = "{%tr for g in groups %}"
    t.rows[1].cells[0].text = "{{ g.name }}"
    t.rows[1].cells[1].text = "({{ g['items']|length }})"
    t.rows[2].cells[0].text = "{%tr for i in g['items'] %}"
    t.rows[3].cells[0].text = "{{ i.a }}"
    t.rows[3].cells[1].text = "{{ i.b }}"
    t.rows[4].cells[0].text = "{%tr endfor %}"
    t.rows[5].cells[0].text = "{%tr endfor %}"
    # {%tc for %}: one column per value.
    t2 = doc.add_table(rows=2, cols=3)
    t2.rows[0].cells[0].text = "{%tc for c in cols %}"
    t2.rows[0].cells[1].text = "{{ c }}"
    t2.rows[0].cells[2].text = "{%tc endfor %}"
    t2.rows[1].cells[0].text = "fixed"
    section = doc.sections[0]
    split_run(section.header.paragraphs[0], "{{ ti", "tle }}")
    section.footer.paragraphs[0].text = "{{ footer_note }} / {{ name }}"
    doc.save(path)
    return path


STYLE_CONTEXT = {
    "name": "青木 一郎", "show_note": True, "note": "A & B <c>", "hidden": False, "flag": True,
    "address": "あおば町中央1\n2階", "items": ["近況報告", "移動支援"],
    "groups": [{"name": "北", "items": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]},
               {"name": "南", "items": [{"a": 3, "b": "z"}]}],
    "cols": ["月", "火", "水"], "title": "見出し", "footer_note": "フッター",
}


def test_docxtpl_style_template_text_equals_docxtpl(tmp_path):
    path = build_docxtpl_style(tmp_path / "style.docx")
    ours = compile_template(path).render(STYLE_CONTEXT)
    theirs = docxtpl_render(path, STYLE_CONTEXT)
    assert docx_text(ours) == docx_text(theirs)
    text = docx_text(ours)
    assert "宛名: 青木 一郎 様" in text
    assert "注記: A & B <c>" in text and "出ない段落" not in text
    assert "住所: あおば町中央1\n2階" in text          # newline became a line break
    assert ["1. 近況報告", "2. 移動支援"] == [t for t in text if t[:2] in ("1.", "2.")]
    assert text[text.index("北"):text.index("北") + 8] == ["北", "(2)", "1", "x", "2", "y", "南", "(1)"]
    assert ["月", "火", "水"] == text[text.index("月"):text.index("月") + 3]
    assert text[-4:] == ["--", "見出し", "--", "フッター / 青木 一郎"]


@pytest.mark.parametrize("name", ["invitation", "labels", "minutes", "annual_report"])
def test_project_templates_text_equals_docxtpl(name):
    path = REPO / "templates" / f"{name}.docx"
    context = example_contexts()[name]
    assert docx_text(compile_template(path).render(context)) == docx_text(docxtpl_render(path, context))


def test_values_are_data_never_template_code(tmp_path):
    path = build_docxtpl_style(tmp_path / "style.docx")
    hostile = dict(STYLE_CONTEXT, name="{{ 7*7 }}{% if true %}X{% endif %}</w:t>&amp;",
                   note="\x01\x0bbell\x07\ufffe end", address="a\r\nb")
    data = compile_template(path).render(hostile)
    text = docx_text(data)
    assert "宛名: {{ 7*7 }}{% if true %}X{% endif %}</w:t>&amp; 様" in text
    assert "注記: bell end" in text                  # characters XML cannot hold are gone
    assert "住所: a\nb" in text
    Document(io.BytesIO(data))                       # and the package still opens


def test_strict_undefined_names_the_missing_variable(tmp_path):
    path = build_docxtpl_style(tmp_path / "style.docx")
    context = dict(STYLE_CONTEXT)
    del context["note"]
    with pytest.raises(TemplateError) as info:
        compile_template(path).render(context)
    assert "'note' is undefined" in info.value.message


def test_sandbox_refuses_internals(tmp_path):
    doc = Document()
    doc.add_paragraph("{{ name.__class__.__mro__[1].__subclasses__() }}")
    doc.save(tmp_path / "evil.docx")
    with pytest.raises(TemplateError):
        compile_template(tmp_path / "evil.docx").render({"name": "x"})


def test_syntax_error_says_where(tmp_path):
    doc = Document()
    doc.add_paragraph("{% if %}")
    doc.save(tmp_path / "bad.docx")
    with pytest.raises(TemplateError) as info:
        compile_template(tmp_path / "bad.docx")
    assert "bad.docx" in info.value.message and "word/document.xml" in info.value.message


def test_not_a_docx(tmp_path):
    (tmp_path / "x.docx").write_text("hello")
    with pytest.raises(TemplateError):
        compile_template(tmp_path / "x.docx")
    with pytest.raises(TemplateError):
        compile_template(tmp_path / "missing.docx")


def test_same_input_same_bytes_and_a_valid_zip(tmp_path):
    template = compile_template(REPO / "templates" / "invitation.docx")
    context = example_contexts()["invitation"]
    first, second = template.render(context), compile_template(REPO / "templates" / "invitation.docx").render(context)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert z.testzip() is None
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    template.write(context, tmp_path / "a.docx")
    assert (tmp_path / "a.docx").read_bytes() == first


def test_untouched_parts_are_copied_byte_for_byte():
    path = REPO / "templates" / "invitation.docx"
    data = compile_template(path).render(example_contexts()["invitation"])
    with zipfile.ZipFile(path) as a, zipfile.ZipFile(io.BytesIO(data)) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            if name not in ("word/document.xml",):
                assert a.read(name) == b.read(name), name


def test_combined_document_starts_each_context_on_a_new_page(tmp_path):
    path = build_docxtpl_style(tmp_path / "style.docx")
    template = compile_template(path)
    contexts = [dict(STYLE_CONTEXT, name=n) for n in ("一", "二", "三")]
    data = template.render_combined(contexts)
    text = docx_text(data)
    assert [t for t in text if t.startswith("宛名")] == ["宛名: 一 様", "宛名: 二 様", "宛名: 三 様"]
    assert part_xml(data).count("<w:pageBreakBefore/>") == 2


def test_combining_renderings_gives_the_bytes_of_rendering_the_contexts_again(tmp_path):
    # The print file of a meeting is joined from its letters as they were rendered.
    for path in (build_docxtpl_style(tmp_path / "style.docx"), REPO / "templates" / "invitation.docx"):
        template = compile_template(path)
        base = STYLE_CONTEXT if path.name == "style.docx" else example_contexts()["invitation"]
        contexts = [dict(base, name=n) for n in ("一", "二", "三")]
        renderings = [template.rendering(c) for c in contexts]
        assert [template.package(r) for r in renderings] == [template.render(c) for c in contexts]
        assert template.combine(renderings) == template.render_combined(contexts)
        assert template.combine(renderings[:1]) == template.render_combined(contexts[:1])


def test_combining_renderings_with_pictures_numbers_them_once(tmp_path):
    from PIL import Image

    from generator.render.engine import InlineImage

    doc = Document()
    doc.add_paragraph("{{ name }}{{ logo }}")
    path = tmp_path / "logo.docx"
    doc.save(path)
    out = io.BytesIO()
    Image.new("L", (2, 2), 0).save(out, format="PNG")
    template = compile_template(path)
    contexts = [{"name": n, "logo": InlineImage(out.getvalue(), 5, 5)} for n in ("一", "二")]
    combined = template.combine([template.rendering(c) for c in contexts])
    assert combined == template.render_combined(contexts)
    names = zipfile.ZipFile(io.BytesIO(combined)).namelist()
    assert [n for n in names if n.startswith("word/media/")] == ["word/media/sasaeai_image1.png",
                                                               "word/media/sasaeai_image2.png"]


def test_variables_lists_what_the_template_reads(tmp_path):
    path = build_docxtpl_style(tmp_path / "style.docx")
    template = compile_template(path)
    expected = DocxTemplate(str(path)).get_undeclared_template_variables()
    assert template.variables() == expected
    assert ("g", "name") in template.attribute_uses()


def test_eastasia_font_and_a4_in_project_templates():
    for name in ("invitation", "labels", "minutes", "annual_report"):
        xml = part_xml((REPO / "templates" / f"{name}.docx").read_bytes(), "word/styles.xml")
        assert 'w:eastAsia="ＭＳ 明朝"' in xml
        doc = part_xml((REPO / "templates" / f"{name}.docx").read_bytes())
        assert '<w:pgSz w:w="11906" w:h="16838"' in doc or 'w:w="11905"' in doc
        assert 'w:w="12240"' not in doc                       # no US Letter left over


def libreoffice_saved(tmp_path):
    """A template written by python-docx, then opened and saved by LibreOffice Writer.

    Writer stores the quotes inside tags as &quot;/&apos; and splits runs its own way.
    """
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    doc = Document()
    doc.add_paragraph('{% if 送付方法 == "郵送" %}郵送で送ります{% endif %}')
    doc.add_paragraph("{% for x in ['a', \"b\"] %}[{{ x }}]{% endfor %}")
    doc.add_paragraph('{{ "A&B" }}／{% if n < 3 and n > 1 %}二{% endif %}')
    doc.add_paragraph("本文 {{ name }}")
    section = doc.sections[0]
    section.header.paragraphs[0].text = '{{ title }}{% if 送付方法 != "メール" %}（紙）{% endif %}'
    section.footer.paragraphs[0].text = "{{ logo }}"
    doc.core_properties.title = "{{ title }}"
    doc.core_properties.subject = '{{ "件名: " ~ name }}'
    source = tmp_path / "src" / "saved.docx"
    source.parent.mkdir()
    doc.save(source)
    out = tmp_path / "lo"
    subprocess.run([soffice, "--headless", "--convert-to", "docx", "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=180)
    saved = out / "saved.docx"
    assert "&quot;" in part_xml(saved.read_bytes())       # what made tags fail before
    return saved


def test_template_saved_by_libreoffice_renders_like_docxtpl(tmp_path):
    from generator.render.engine import InlineImage

    path = libreoffice_saved(tmp_path)
    context = {"送付方法": "郵送", "n": 2, "name": "青木 一郎", "title": "第1回 会議"}
    ours = compile_template(path).render({**context, "logo": ""})
    theirs = docxtpl_render(path, {**context, "logo": ""})
    text = docx_text(ours)
    assert text[:4] == ["郵送で送ります", "[a][b]", "A&B／二", "本文 青木 一郎"]
    assert "第1回 会議（紙）" in text
    # docxtpl leaves &amp; in the literal and escapes it again: only that line differs.
    assert [t for t in docx_text(theirs) if not t.startswith("A&")] == [t for t in text if not t.startswith("A&")]
    ours_doc, theirs_doc = Document(io.BytesIO(ours)), Document(io.BytesIO(theirs))
    assert ours_doc.core_properties.title == theirs_doc.core_properties.title == "第1回 会議"
    assert ours_doc.core_properties.subject == theirs_doc.core_properties.subject == "件名: 青木 一郎"
    # A picture in the footer: linked from the footer's own relationships part.
    png = _pixel_png()
    with_logo = compile_template(path).render({**context, "logo": InlineImage(png, 20, 10)})
    footer = Document(io.BytesIO(with_logo)).sections[0].footer
    images = [rel for rel in footer.part.rels.values() if rel.reltype.endswith("/image")]
    assert len(images) == 1 and images[0].target_part.blob == png
    assert 'r:embed="' + images[0].rId + '"' in footer._element.xml


def _pixel_png() -> bytes:
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))

"""The 名札 back face: its layout (fit, shrink, wrap) and the EMF picture that carries it upside down."""
from __future__ import annotations

import io
import struct
import zipfile

import pytest
from docx_tools import emf_records, emf_texts

from generator.documents.meeting_day import CARD_MM, _with_backs
from generator.render.engine import InlineImage, compile_template
from generator.render.nameplate import CARD_FACE, card_layout, upside_down_card

W, H = CARD_MM[0] * 100, CARD_MM[1] * 100          # the card in 0.01 mm


def _layout(org: str, name: str) -> list[tuple[str, float]]:
    return [(line.text, line.points) for line in card_layout(org, name, *CARD_MM)]


def test_a_usual_card_is_the_org_at_28_pt_over_the_name_at_72_pt_centred():
    lines = card_layout("東野自治会 会長", "高梨 勇", *CARD_MM)
    assert [(line.text, line.points) for line in lines] == [("東野自治会 会長", 28), ("高梨 勇", 72)]
    space = 553 / 2048                              # IPAexGothic's space, in em; a kanji is one em
    for line, ems in zip(lines, (7 + space, 3 + space)):
        assert W - 2 * line.x == pytest.approx(ems * line.points * 2540 / 72, abs=2)
    # Centred as a block: as much room above the org as below the name.
    top = lines[0].baseline - 0.88 * 28 * 2540 / 72
    bottom = lines[1].baseline + 0.12 * 72 * 2540 / 72
    assert top == pytest.approx(H - bottom, abs=30)


def test_a_long_name_shrinks_to_60_pt_then_wraps_onto_balanced_lines():
    assert _layout("", "長谷川木下ひろし") == [("長谷川木下ひろし", 60)]            # 8 em fits at 60 pt
    assert _layout("", "長谷川ひろし") == [("長谷川ひろし", 72)]
    assert _layout("", "長い長い長い名前の構成員") == [("長い長い長い", 60), ("名前の構成員", 60)]
    # Between family and given name when that fits, not in the middle of either.
    assert _layout("", "長い長い 長い名前の構成員") == [("長い長い", 60), ("長い名前の構成員", 60)]
    assert _layout("", "Alexander Montgomery-Fitzgerald") == [("Alexander", 60), ("Montgomery-", 60),
                                                              ("Fitzgerald", 60)]
    # 禁則: no line starts with ー or a small kana.
    for text, _ in _layout("", "ジョーンズ・マリアアントニエッタ") + _layout("", "アーッーャーュョーァィゥェォーー"):
        assert text[0] not in "ーッャュョァィゥェォ"


def test_the_org_keeps_its_typed_lines_and_wraps_a_line_too_wide():
    org = "社会福祉法人あおば町社会福祉協議会\n地域福祉課\n生活支援コーディネーター\n第1層担当"
    assert _layout(org, "長い長い長い名前の構成員") == [
        ("社会福祉法人あおば町社会福祉協議会", 28), ("地域福祉課", 28), ("生活支援コーディネーター", 28),
        ("第1層担当", 28), ("長い長い長い", 60), ("名前の構成員", 60)]
    # Too wide: the 役職 after the last space gets its own line (the sample's 民生委員 会長 once kept
    # 会 on the first line and 長 alone on the second), then the rest is balanced.
    assert _layout("中央地区民生委員・児童委員協議会 会長", "吉岡 幸子") == [
        ("中央地区民生委員・児童委員協議会", 28), ("会長", 28), ("吉岡 幸子", 72)]
    assert _layout("Aoba International Association for Community Care and Welfare Services", "Smith John") == [
        ("Aoba International Association", 28), ("for Community Care and Welfare", 28), ("Services", 28),
        ("Smith John", 72)]


def test_what_cannot_fit_is_scaled_down_inside_the_card():
    lines = card_layout("所属" * 40, "寿限無" * 20, *CARD_MM)
    assert all(0 <= line.x and W - line.x <= W for line in lines)
    assert lines[0].baseline > 0 and lines[-1].baseline < H
    assert [line.text for line in lines[-4:]] == ["寿限無" * 5] * 4 and lines[-1].points < 60


def test_the_emf_draws_each_line_turned_180_degrees_about_the_centre_of_the_card():
    data = upside_down_card("老人クラブ連合会 会長", "支え 合子", *CARD_MM)
    records = emf_records(data)
    header = records[0][1]
    assert records[0][0] == 1 and records[-1][0] == 14                      # EMR_HEADER ... EMR_EOF
    assert struct.unpack_from("<I", header, 32)[0] == 0x464D4520             # " EMF"
    assert struct.unpack_from("<II", header, 40) == (len(data), len(records))
    assert struct.unpack_from("<iiii", header, 16) == (0, 0, W - 1, H - 1)   # the frame, 0.01 mm
    assert len(data) < 1000
    upright = card_layout("老人クラブ連合会 会長", "支え 合子", *CARD_MM)
    drawn = emf_texts(data)
    assert [(d["text"], d["x"], d["y"]) for d in drawn] == [
        (u.text, W - u.x, H - u.baseline) for u in upright]
    assert {(d["face"], d["escapement"], d["orientation"]) for d in drawn} == {(CARD_FACE, 1800, 1800)}
    assert [d["height"] for d in drawn] == [988, 2540]
    # The advances add up to the upright line's width, so the turned line ends where it should.
    assert [sum(d["advances"]) for d in drawn] == [W - 2 * u.x for u in upright]


def test_a_character_outside_the_bmp_is_one_glyph_with_its_advance_on_the_first_half():
    drawn = emf_texts(upside_down_card("", "𠮷田 はなこ", *CARD_MM))
    assert drawn[0]["text"] == "𠮷田 はなこ"
    advances = drawn[0]["advances"]
    assert len(advances) == 7 and advances[1] == 0 and advances[0] == pytest.approx(2540, abs=1)


def test_same_card_same_bytes_and_the_engine_embeds_it_as_emf(tmp_path):
    cards = [{"org_line": "社会福祉協議会 会長", "name": "支え 合子"}, {"org_line": "", "name": "一"}]
    backs = _with_backs(cards)
    assert [b["name"] for b in backs] == ["支え 合子", "一"]
    assert backs[0]["back"].png == upside_down_card("社会福祉協議会 会長", "支え 合子", *CARD_MM)
    assert backs[0]["back"].extension == "emf"
    from docx import Document

    doc = Document()
    doc.add_paragraph("{{ a }}{{ b }}")
    path = tmp_path / "t.docx"
    doc.save(path)
    png = _with_a_png()
    data = compile_template(path).render({"a": backs[0]["back"], "b": InlineImage(png, 10, 10)})
    package = zipfile.ZipFile(io.BytesIO(data))
    assert package.read("word/media/sasaeai_image1.emf") == backs[0]["back"].png
    assert package.read("word/media/sasaeai_image2.png") == png
    types = package.read("[Content_Types].xml").decode()
    assert 'Extension="emf" ContentType="image/x-emf"' in types and 'Extension="png" ContentType="image/png"' in types
    rels = package.read("word/_rels/document.xml.rels").decode()
    assert 'Target="media/sasaeai_image1.emf"' in rels and 'Target="media/sasaeai_image2.png"' in rels
    with pytest.raises(ValueError):
        InlineImage(png, 10, 10, extension="gif")


def _with_a_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (4, 4), 0).save(out, format="PNG")
    return out.getvalue()


def test_the_front_face_prints_a_name_too_long_for_72_pt_at_60_pt():
    import re

    from generator.documents.base import load_template

    cards = [{"org_line": "自治会", "name": "高梨 勇"}, {"org_line": "南地区自治会\n会長", "name": "勅使河原 三千代"}]
    backs = _with_backs(cards)
    assert [b["long_name"] for b in backs] == [False, True]
    # The back face shrank the long name (to 66 pt) instead of wrapping it; the front does not wrap it at 60 pt.
    assert [(line.text, line.points) for line in card_layout(cards[1]["org_line"], cards[1]["name"], *CARD_MM)][-1] \
        == ("勅使河原 三千代", 66)
    data = load_template("nameplates.docx").render({"members": backs})
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    sizes = [(int(size), text) for size, text in
             re.findall(r'<w:sz w:val="(\d+)"/>(?:(?!</w:r>).)*<w:t[^>]*>([^<]*)</w:t>', xml)]
    assert [(size, text) for size, text in sizes if text in ("高梨 勇", "勅使河原 三千代")] == [
        (144, "高梨 勇"), (120, "勅使河原 三千代")]

"""当日資料 (会議次第, 受付名簿, 名札) and 謝礼支払一覧: their content, and when the monthly batch makes them."""
from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
from conftest import D, add_column, minimal
from docx_tools import docx_text, emf_texts

from generator.batch.monthly import run_monthly
from generator.batch.store import read_manifest

NEXT_MONTH_MEETING = ["K04", "C0", 4, D(2026, 11, 18), "14:00", "16:00", "役場", "買い物支援\n居場所づくり", "座長",
                      None]


def _ledger(ledger_file, attendance=None, rate=None, proxy_pay=None):
    s = minimal()
    s["会議"].append(NEXT_MONTH_MEETING)
    s["会議"].append(["K05", "C0", 5, D(2027, 1, 20), "14:00", "16:00", "役場", "次回の議題", "座長", None])
    if rate is not None:
        s["基本情報"].append(["謝礼単価", rate])
    if proxy_pay is not None:
        s["基本情報"].append(["代理出席の謝礼", proxy_pay])
    if attendance is not None:
        s["出欠"] = [["会議ID", "構成員ID", "出欠", "代理者氏名"], *attendance]
    return ledger_file(s)


def _texts(path):
    return docx_text(path.read_bytes())


def test_agenda_roster_and_cards_for_next_months_meeting(ledger_file, tmp_path):
    path = _ledger(ledger_file, attendance=[["K04", "M01", "出席", None], ["K04", "M03", "欠席", None]])
    batch = run_monthly(path, "2026-10", tmp_path, today=dt.date(2026, 10, 1))
    folder = tmp_path / "2026-10" / "当日資料" / "K04_町の会議_第4回"
    agenda = "\n".join(_texts(folder / "会議次第.docx"))
    order = ["開　　会", "あいさつ", "目指す地域像の共有", "近況報告", "議　　題", "（1）買い物支援", "（2）居場所づくり",
             "情報提供", "次回の予定", "令和9年1月20日（水）", "閉　　会"]
    positions = [agenda.index(x) for x in order if x != "目指す地域像の共有"]
    assert positions == sorted(positions)
    assert "第4回 町の会議" in agenda and "令和8年11月18日（水）" in agenda
    roster = _texts(folder / "受付名簿.docx")
    rows = [roster[i:i + 5] for i in range(roster.index("署名（受付）") + 1, len(roster) - 5, 5)]
    assert ["1", "", "座長 花子", "出席", ""] in rows
    assert any(r[2] == "老人 三郎" and r[3] == "欠席" for r in rows)
    assert any(r[2] == "NPO 四郎" and r[3] == "未回答" for r in rows)      # in office though 送付方法 不要
    assert "出席 1 名・代理出席 0 名・欠席 1 名・未回答 2 名" in roster[-1]
    cards = zipfile.ZipFile(folder / "名札.docx")
    text = "\n".join(_texts(folder / "名札.docx"))
    # Everyone but who said they will not come: 3 cards, each with its upside-down back as a picture.
    assert text.count("座長 花子") == 1 and "老人 三郎" not in text and "NPO 四郎" in text
    media = sorted(n for n in cards.namelist() if n.startswith("word/media/"))
    assert media == [f"word/media/sasaeai_image{n}.emf" for n in (1, 2, 3)]
    assert 'Extension="emf" ContentType="image/x-emf"' in cards.read("[Content_Types].xml").decode()
    # The backs are the cards' own text, upside down (180°) in the front face's font, the name at 72 pt.
    backs = [emf_texts(cards.read(name)) for name in media]
    assert [[line["text"] for line in back] for back in backs] == [["座長 花子"], ["社協", "社協 次郎"],
                                                                   ["NPO", "NPO 四郎"]]
    assert {(line["face"], line["escapement"], line["orientation"]) for back in backs for line in back} == {
        ("ＭＳ ゴシック", 1800, 1800)}
    assert [line["height"] for line in backs[1]] == [988, 2540]          # 28 pt and 72 pt in 0.01 mm
    kinds = {e.kind for e in read_manifest(tmp_path / "2026-10").files}
    assert {"agenda", "roster", "nameplates"} <= kinds
    assert any("会議次第・受付名簿・名札を作成" in line for line in (tmp_path / "2026-10" / "一覧.txt")
               .read_text(encoding="utf-8").splitlines())
    assert not batch.has_errors


def test_cancelled_and_this_months_meetings_get_no_papers(ledger_file, tmp_path):
    s = minimal()
    s["会議"].append(["K04", "C0", 4, D(2026, 11, 18), "14:00", "16:00", "役場", "議題", "座長", None])
    add_column(s, "会議", "状態", [None] * 6 + ["中止"])
    run_monthly(ledger_file(s), "2026-10", tmp_path, today=dt.date(2026, 10, 1))
    assert not (tmp_path / "2026-10" / "当日資料").exists()


def _honoraria_rows(path):
    ws = openpyxl.load_workbook(path).active
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_honoraria_for_a_held_meeting(ledger_file, tmp_path):
    s = minimal()
    s["基本情報"] += [["謝礼単価", 3000], ["代理出席の謝礼", "支払わない"]]
    s["構成員"][0].append("謝礼")
    for row, value in zip(s["構成員"][1:], ["要", "不要", None, None, None, None, None, None]):
        row.append(value)
    s["会議"][1][3] = D(2026, 5, 20)
    s["出欠"] = [["会議ID", "構成員ID", "出欠", "代理者氏名"],
                 ["K01", "M01", "出席", None], ["K01", "M02", "出席", None],      # M02: 謝礼 不要
                 ["K01", "M03", "代理出席", "代理 太郎"], ["K01", "M04", "欠席", None]]
    run_monthly(ledger_file(s), "2026-05", tmp_path, today=dt.date(2026, 5, 31))
    [path] = (tmp_path / "2026-05" / "謝礼").iterdir()
    rows = _honoraria_rows(path)
    header = rows.index(["No", "構成員ID", "氏名", "所属・役職", "出欠", "代理者氏名", "金額（円）", "備考"])
    body = rows[header + 1:]
    assert body[0][:3] == [1, "M01", "座長 花子"] and body[0][6] == 3000
    assert body[1][1:3] == ["M03", "老人 三郎"] and body[1][5] == "代理 太郎" and body[1][6] == 0
    assert body[1][7] == "代理出席（支払わない）"
    assert body[-1][0] == "合計" and body[-1][6] == 3000 and body[-1][2] == "1 名"
    assert body[-1][7] == "ほかに支払なし 1 名"
    ws = openpyxl.load_workbook(path).active
    assert all(ws.cell(r, 7).data_type == "n" for r in range(header + 2, ws.max_row + 1))
    assert ["単価（円）", None, 3000] == rows[3][:3]
    assert ["代理出席の謝礼", None, "支払わない"] == rows[4][:3]


def test_honoraria_pays_proxies_when_told_and_refuses_a_meeting_without_attendance(ledger_file, tmp_path):
    s = minimal()
    s["基本情報"] += [["謝礼単価", 2000], ["代理出席の謝礼", "支払う"]]
    s["会議"][1][3] = D(2026, 5, 20)
    s["会議"][4][3] = D(2026, 5, 12)      # K11: held, but no 出欠 rows
    s["出欠"] = [["会議ID", "構成員ID", "出欠", "代理者氏名"], ["K01", "M03", "代理出席", "代理 太郎"]]
    batch = run_monthly(ledger_file(s), "2026-05", tmp_path, today=dt.date(2026, 5, 31))
    [path] = (tmp_path / "2026-05" / "謝礼").iterdir()
    body = _honoraria_rows(path)
    assert ["合計", None, "1 名", None, None, None, 2000, None] in body
    summary = (tmp_path / "2026-05" / "一覧.txt").read_text(encoding="utf-8")
    assert "[謝礼] K11" in summary and "出欠の記録がないため謝礼支払一覧を作れません" in summary
    assert "[謝礼] K01" in summary and "1 名、合計 2,000 円" in summary
    assert [i.meeting.meeting_id for i in batch.items if i.kind == "honoraria"] == ["K11", "K01"]


def test_no_rate_no_honoraria_and_future_meetings_are_not_held(ledger_file, tmp_path):
    s = minimal()
    s["会議"][1][3] = D(2026, 5, 20)
    run_monthly(ledger_file(s), "2026-05", tmp_path, today=dt.date(2026, 5, 31))
    assert not (tmp_path / "2026-05" / "謝礼").exists()
    s["基本情報"].append(["謝礼単価", 1000])
    s["出欠"] = [["会議ID", "構成員ID", "出欠"], ["K01", "M01", "出席"]]
    run_monthly(ledger_file(s), "2026-05", tmp_path / "early", today=dt.date(2026, 5, 19))
    assert not (tmp_path / "early" / "2026-05" / "謝礼").exists()


def _public_ledger(ledger_file):
    s = minimal()
    add_column(s, "協議体", "公開", ["公開", "非公開"])
    s["構成員"][0] += ["役職"]
    for row, position in zip(s["構成員"][1:], ["会長", "", "", "", "", "", "", ""]):
        row.append(position)
    s["出欠"] = [["会議ID", "構成員ID", "出欠", "代理者氏名", "意見"],
                 ["K01", "M01", "出席", None, "もっと若い人を"], ["K01", "M02", "代理出席", "代理 中野 一", None],
                 ["K01", "M03", "欠席", None, None]]
    s["協議記録"] = [["会議ID", "区分", "内容", "担当", "期限"],
                     ["K01", "協議内容", "座長 花子さんから買い物支援の報告。社協 次郎から補足。", None, None],
                     ["K01", "宿題", "見守りの名簿を作る", "老人 三郎", D(2026, 6, 30)],
                     ["K01", "決定事項", "全域 SC が次回までに資源を調べる", None, None]]
    return ledger_file(s)


def _all_xml(path):
    with zipfile.ZipFile(path) as package:
        return "\n".join(package.read(n).decode("utf-8") for n in package.namelist()
                         if n.endswith((".xml", ".rels")))


def test_public_minutes_hold_no_private_name_anywhere(ledger_file, tmp_path):
    batch = run_monthly(_public_ledger(ledger_file), "2026-05", tmp_path, today=dt.date(2026, 5, 31))
    [path] = (tmp_path / "2026-05" / "公開用会議録").iterdir()
    xml = _all_xml(path)
    plain = "".join(_texts(path))
    for name in ("座長 花子", "座長花子", "社協 次郎", "社協次郎", "老人 三郎", "NPO 四郎", "中野 一", "全域 SC",
                 "北 SC", "花子さん"):
        assert name not in xml and name not in plain, name
    assert "社協" in plain                           # 所属 stays: 社協 次郎 is named by it
    assert "代理の方" in plain and "生活支援コーディネーター" in plain
    assert "（公開用）" in plain
    # Only the 公開 council's held meeting: K11 (北, 非公開) and the future K02 get none.
    assert [i.meeting.meeting_id for i in batch.items if i.kind == "public_minutes"] == ["K01"]


def test_public_minutes_are_not_written_when_a_name_would_leak(ledger_file, tmp_path, monkeypatch):
    from generator.documents import public_minutes

    monkeypatch.setattr(public_minutes, "public_context", public_minutes.minutes_context)
    run_monthly(_public_ledger(ledger_file), "2026-05", tmp_path, today=dt.date(2026, 5, 31))
    assert not (tmp_path / "2026-05" / "公開用会議録").exists()
    summary = (tmp_path / "2026-05" / "一覧.txt").read_text(encoding="utf-8")
    assert "置き換えきれない個人の氏名" in summary


def test_handover_as_of_a_date(ledger_file, tmp_path):
    from click.testing import CliRunner

    from generator.cli import main

    s = minimal()
    s["協議記録"] = [["会議ID", "区分", "内容", "担当", "期限", "結果"],
                     ["K01", "宿題", "名簿を作る", "座長 花子", D(2026, 6, 30), None],
                     ["K01", "宿題", "会場を探す", "社協 次郎", D(2026, 6, 30), "公民館に決定"],
                     ["K03", "宿題", "まだ先の会議の宿題", None, None, None]]
    s["住民主体の活動"] = [["活動ID", "名称", "種類", "圏域ID", "頻度"], ["R1", "北のサロン", "サロン", "A1", "毎週"]]
    path = ledger_file(s)
    result = CliRunner().invoke(main, ["handover", str(path), "--as-of", "令和8年8月1日", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    text = "\n".join(_texts(tmp_path / "引継書_2026-08-01.docx"))
    assert "令和8年8月1日現在" in text and "全域 SC" in text and "北 SC" in text
    assert "（1）町の会議（第1層・町全域）" in text
    assert "前回: 第2回 町の会議　令和8年7月15日（水）" in text and "次回: 第3回 町の会議　令和8年9月16日（水）" in text
    assert "名簿を作る（担当: 座長 花子" in text and "会場を探す" not in text and "まだ先の会議の宿題" not in text
    assert "北のサロン" in text and "毎週" in text
    bad = CliRunner().invoke(main, ["handover", str(path), "--as-of", "来週", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "--as-of の日付が読めません: 「来週」は日付として読めません" in bad.output


def test_newsletter_for_a_held_meeting_names_no_one(ledger_file, tmp_path):
    s = minimal()
    s["協議記録"] = [["会議ID", "区分", "内容"], ["K11", "決定事項", "自治 一子さんが見守りの担い手を募る"]]
    s["住民主体の活動"] = [["活動ID", "名称", "種類", "圏域ID", "頻度"], ["R1", "北のサロン", "サロン", "A1", "毎週"],
                        ["R2", "町のサロン", "サロン", "A0", "毎月"]]
    run_monthly(ledger_file(s), "2026-05", tmp_path, today=dt.date(2026, 5, 31))
    [path] = [p for p in (tmp_path / "2026-05" / "協議体だより").iterdir() if "K11" in p.name]
    text = "\n".join(_texts(path))
    assert "北の会議だより" in text and "議題D" in text
    assert "北自治会 が見守りの担い手を募る" in text or "北自治会が見守りの担い手を募る" in text
    assert "自治 一子" not in _all_xml(path) and "一子" not in text
    assert "北のサロン（サロン・毎週）" in text and "町のサロン" not in text
    assert "令和8年7月14日（火）" in text          # the next meeting


def test_appointments_for_a_council_as_of_a_date(ledger_file, tmp_path):
    from click.testing import CliRunner

    from generator.cli import main

    s = minimal()
    add_column(s, "構成員", "就任日", [D(2026, 4, 1), D(2026, 4, 1), D(2025, 4, 1), None, None, None, None, None])
    add_column(s, "構成員", "退任日", [D(2028, 3, 31), None, None, D(2026, 3, 31), None, None, None, None])
    add_column(s, "構成員", "協議体での役割", ["座長", None, "アドバイザー", None, None, None, None, None])
    path = ledger_file(s)
    result = CliRunner().invoke(main, ["appointments", str(path), "--council", "C0", "--as-of", "2026-04-01",
                                       "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    letters = "\n".join(_texts(tmp_path / "委嘱状_C0_町の会議.docx"))
    # M04 left on 3/31: three 委嘱状, one per page, in the 首長's name (a 第1層 council).
    assert letters.count("委　嘱　状") == 3 and letters.count("\f") == 2
    assert "あなたを町の会議の委員に委嘱します。" in letters and "あなたを町の会議のアドバイザーに委嘱します。" in letters
    assert "委嘱期間　令和8年4月1日から令和10年3月31日まで" in letters
    assert "テスト町長　試験 一郎" in letters and "NPO 四郎" not in letters
    roster = _texts(tmp_path / "委員名簿_C0_町の会議_2026-04-01.docx")
    assert "令和8年4月1日現在　3 名" in roster
    names = [t for t in roster if t in ("座長 花子", "社協 次郎", "老人 三郎")]
    assert names[0] == "座長 花子"                    # the chair first
    bad = CliRunner().invoke(main, ["appointments", str(path), "--council", "C9", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "協議体ID「C9」は協議体シートにありません" in bad.output


def test_monthly_makes_appointments_for_members_appointed_in_the_month(ledger_file, tmp_path):
    s = minimal()
    add_column(s, "構成員", "就任日", [None, None, None, None, D(2026, 7, 1), None, None, None])
    run_monthly(ledger_file(s), "2026-07", tmp_path, today=dt.date(2026, 7, 1))
    [path] = (tmp_path / "2026-07" / "委嘱状").iterdir()
    text = "\n".join(_texts(path))
    assert "自治 一子" in text and text.count("委　嘱　状") == 1
    # 北の会議 is 第2層 with 事務局 社協: the letter goes out in the council's own name (§4.1).
    assert "北の会議　事務局（社協）" in text
    summary = (tmp_path / "2026-07" / "一覧.txt").read_text(encoding="utf-8")
    assert "[委嘱状] 北の会議: 委嘱状（自治 一子）を作成" in summary


def test_meeting_summary_goes_to_every_member_and_is_mailed_once(ledger_file, tmp_path, smtp_server):
    from generator.batch.send import Settings, send_batch

    s = minimal()
    s["基本情報"].append(["メール", "fukushi@test-town.example"])
    s["協議記録"] = [["会議ID", "区分", "内容", "担当", "期限"],
                     ["K01", "決定事項", "買い物支援の試行を始める", None, None],
                     ["K01", "継続検討", "移動支援の担い手", None, None],
                     ["K01", "宿題", "店舗に協力を頼む", "社協 次郎", D(2026, 6, 30)],
                     ["K01", "地域資源", "駅前の空き店舗", None, None]]
    run_monthly(ledger_file(s), "2026-05", tmp_path, today=dt.date(2026, 5, 31))
    folder = tmp_path / "2026-05" / "会議のまとめ" / "K01_町の会議_第1回"
    letters = sorted(p.name for p in folder.iterdir())
    # M01 手渡し, M02 郵送, M03 メール get one each; M04 (不要) none; paper ones printed together, posted ones labelled.
    assert letters == ["001_M01_座長 花子.docx", "002_M02_社協 次郎.docx", "003_M03_老人 三郎.docx",
                       "印刷用_まとめ一式.docx", "宛名ラベル.docx"]
    text = "\n".join(_texts(folder / "002_M02_社協 次郎.docx"))
    for expected in ("第1回 町の会議　会議のまとめ", "社協 次郎", "・買い物支援の試行を始める", "・移動支援の担い手",
                     "店舗に協力を頼む", "【地域資源】駅前の空き店舗", "令和8年7月15日（水）", "テスト町長　試験 一郎"):
        assert expected in text, expected
    combined = "\n".join(_texts(folder / "印刷用_まとめ一式.docx"))
    assert combined.count("第1回 町の会議　会議のまとめ") == 2 and "老人 三郎" not in combined   # paper ones only

    controller, handler = smtp_server
    settings = Settings(host="127.0.0.1", port=controller.port, tls="none", retry_wait=0)
    plan = send_batch(tmp_path / "2026-05", None, really=False)
    assert [(i.kind, i.to) for i in plan.would_send] == [("meeting_summary", "m03@example.jp")]
    assert plan.would_send[0].subject == "第1回 町の会議　会議のまとめ"
    report = send_batch(tmp_path / "2026-05", settings, really=True)
    assert len(report.sent) == 1 and len(handler.messages) == 1
    again = send_batch(tmp_path / "2026-05", settings, really=True)
    assert again.sent == [] and len(handler.messages) == 1       # never twice


def test_no_newsletter_for_a_council_that_meets_in_private(ledger_file, tmp_path):
    s = minimal()
    add_column(s, "協議体", "公開", ["公開", "非公開"])
    s["基本情報"][4][1] = "テスト町役場 福祉課"
    run_monthly(ledger_file(s), "2026-05", tmp_path, today=dt.date(2026, 5, 31))
    made = sorted(p.name for p in (tmp_path / "2026-05" / "協議体だより").iterdir())
    assert made == ["協議体だより_K01_町の会議_第1回.docx"]          # K11 is 北の会議's, 非公開
    text = "\n".join(_texts(tmp_path / "2026-05" / "協議体だより" / made[0]))
    assert "お問い合わせ: テスト町役場 福祉課" in text and "テスト町 テスト町役場" not in text


def test_last_months_meetings_are_caught_up_once(ledger_file, tmp_path):
    s = minimal()
    s["基本情報"].append(["謝礼単価", 1000])
    add_column(s, "協議体", "公開", ["公開", "公開"])
    s["出欠"] = [["会議ID", "構成員ID", "出欠"], ["K01", "M01", "出席"], ["K11", "M11", "出席"]]
    s["協議記録"] = [["会議ID", "区分", "内容"], ["K01", "決定事項", "試行を始める"]]
    path = ledger_file(s)
    # May's batch ran on 5/10: K11 (5/12) and K01 (5/20) were not held yet.
    run_monthly(path, "2026-05", tmp_path, today=dt.date(2026, 5, 10))
    assert not (tmp_path / "2026-05" / "謝礼").exists()
    june = run_monthly(path, "2026-06", tmp_path, today=dt.date(2026, 6, 30))
    caught = sorted((i.kind, i.meeting.meeting_id) for i in june.items if i.path or getattr(i, "result", None))
    assert ("honoraria", "K01") in caught and ("honoraria", "K11") in caught
    assert ("public_minutes", "K01") in caught and ("meeting_summary", "K01") in caught
    # Made by May's own batch (rerun on 5/31), they are not made again in June's.
    other = tmp_path / "other"
    run_monthly(path, "2026-05", other, today=dt.date(2026, 5, 31))
    june = run_monthly(path, "2026-06", other, today=dt.date(2026, 6, 30))
    remade = [(i.kind, i.meeting.meeting_id) for i in june.items if i.meeting and i.meeting.meeting_id in ("K01", "K11")
              and (i.path or (getattr(i, "result", None) and i.result.letters))]
    assert remade == []
    # What May could not make (K11 has no 協議記録 for a まとめ) is tried again, in case records came since.
    assert [(i.kind, i.meeting.meeting_id, bool(i.skip_reason)) for i in june.items
            if i.meeting and i.meeting.meeting_id == "K11"] == [("meeting_summary", "K11", True)]


def test_public_documents_catch_names_written_the_ways_minutes_write_them(ledger_file, tmp_path):
    s = minimal()
    add_column(s, "協議体", "公開", ["公開", "公開"])
    s["会議"][1][6] = "座長 花子様宅"
    s["協議記録"] = [["会議ID", "区分", "内容", "担当"],
                     ["K01", "決定事項", "社協委員が説明し、座長座長がまとめた", None],
                     ["K01", "決定事項", "花子さんの提案を採用", None],
                     ["K01", "決定事項", "全域SCが調整する", None],
                     ["K01", "決定事項", "自治 一子さん（北の会議）が報告", None],
                     ["K01", "宿題", "店に頼む", "老人会長"]]
    run_monthly(ledger_file(s), "2026-05", tmp_path, today=dt.date(2026, 5, 31))
    [minutes] = (tmp_path / "2026-05" / "公開用会議録").glob("*K01*")
    [letter] = (tmp_path / "2026-05" / "協議体だより").glob("*K01*")
    for path in (minutes, letter):
        xml = _all_xml(path)
        for leak in ("花子", "社協委員", "全域SC", "自治 一子", "一子さん", "座長 花子様宅"):
            assert leak not in xml, (path.name, leak)
    assert "（個人宅のため非公開）" in "".join(_texts(minutes))

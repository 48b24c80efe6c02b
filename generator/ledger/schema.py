"""The ledger layout of DOMAIN.md §2: sheets, columns, value kinds and lists.

One table drives the reader (which header means which field), `init` (which
headers, dropdowns and notes to write) and the rules (which values are allowed),
so the three cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass

# Value kinds understood by generator.values.
ID, TEXT, INT, LAYER, DATE, TIME, POSTAL, EMAIL, CHOICE, MULTI, LINES = (
    "id", "text", "int", "layer", "date", "time", "postal", "email", "choice",
    "multi", "lines",
)

ORG_KINDS = (
    "行政", "社会福祉協議会", "地域包括支援センター", "民生委員・児童委員協議会",
    "老人クラブ", "シルバー人材センター", "地縁組織（自治会・町会）", "社会福祉法人",
    "NPO法人", "生活協同組合", "商工会議所・商工会", "青年会議所", "民間企業",
    "ボランティア団体", "当事者団体", "警察", "学校・PTA", "住民", "その他",
)
AREA_KINDS = ("中学校区", "小学校区", "日常生活圏域", "地域包括支援センター圏域", "地区社協", "その他")
SC_ORG_KINDS = ("市町村直営", "社会福祉協議会", "地域包括支援センター", "NPO法人", "住民", "その他")
HONORIFICS = ("様", "御中", "殿")
COUNCIL_ROLES = ("座長", "副座長", "委員", "アドバイザー", "オブザーバー")
DELIVERY = ("郵送", "メール", "手渡し", "不要")
MEETING_FORMS = ("会議", "ワークショップ", "勉強会", "フィールドワーク", "座談会")
FACILITATORS = ("座長", "コーディネーター", "行政", "その他")
MEETING_STATES = ("予定", "開催済", "中止")
ATTENDANCE = ("出席", "欠席", "代理出席", "未回答")
RECORD_KINDS = ("近況報告", "協議内容", "決定事項", "継続検討", "宿題", "地域課題", "地域資源", "アイデア")
ISSUE_KINDS = ("地域課題", "地域資源", "ニーズ")
ISSUE_SOURCES = ("地域ケア会議", "協議体", "アセスメント", "住民の声", "その他")
STAGES = ("①共有・見える化", "②アイデア", "③計画", "④創出・支援", "⑤振り返り")
ACTIVITY_KINDS = ("サロン", "通いの場", "見守り", "生活支援", "移動支援", "配食", "多世代交流", "その他")
SUPPORT_KINDS = ("広報", "財政支援", "担い手養成", "場所の提供", "総合事業（サービスB）", "その他")
CARE_KINDS = ("個別", "推進")
YES_NO = ("有", "無")
OPENNESS = ("公開", "非公開")
GOAL_TERMS = ("短期", "中期", "長期")
EVALUATIONS = ("◎", "○", "△", "×")
DATE_STYLES = ("和暦", "西暦", "併記")
YES_NO_JA = ("はい", "いいえ")
WORK_STYLES = ("専従", "兼務")
HONORARIUM = ("要", "不要")
PROXY_HONORARIUM = ("支払う", "支払わない")
# Figures the tool fills in as 目標.実績値 (DOMAIN.md §4 item 5).
AUTO_FIGURES = ("第2層協議体の最少開催回数", "協議体の開催回数（合計）", "住民主体の活動数", "通いの場の数",
                "地域ケア会議へのSC出席率", "段階④以上の地域課題数")


@dataclass(frozen=True)
class Column:
    """One ledger column: its header, the model field it fills and its value kind."""

    header: str
    field: str
    kind: str = TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    note: str = ""
    width: int = 14
    default: object = None


@dataclass(frozen=True)
class Sheet:
    """One ledger sheet."""

    name: str
    key: str
    columns: tuple[Column, ...]
    required: bool = False
    id_field: str | None = None
    note: str = ""

    @property
    def by_field(self) -> dict[str, Column]:
        return {c.field: c for c in self.columns}


@dataclass(frozen=True)
class InfoItem:
    """One row of the 基本情報 sheet (項目 / 値)."""

    label: str
    field: str
    kind: str = TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    default: object = None
    note: str = ""


INFO_SHEET = "基本情報"
INFO_ITEM_HEADER = "項目"
INFO_VALUE_HEADER = "値"

INFO_ITEMS: tuple[InfoItem, ...] = (
    InfoItem("市町村名", "municipality", required=True, note="例: あおば町"),
    InfoItem("都道府県", "prefecture", note="例: 〇〇県"),
    InfoItem("首長職名", "mayor_title", required=True, note="例: あおば町長"),
    InfoItem("首長氏名", "mayor_name", required=True, note="通知の発信者名"),
    InfoItem("公印省略", "seal_omitted", CHOICE, choices=YES_NO_JA, default="はい",
             note="はい のとき通知に（公印省略）と記載"),
    InfoItem("担当課", "department", required=True, note="例: 福祉課 高齢者支援係"),
    InfoItem("担当者", "contact_person"),
    InfoItem("電話", "phone", required=True),
    InfoItem("FAX", "fax"),
    InfoItem("メール", "email", EMAIL),
    InfoItem("郵便番号", "postal_code", POSTAL, note="7桁。例: 123-4567"),
    InfoItem("所在地", "address"),
    InfoItem("目指す地域像", "vision", note="協議体で共有する地域像"),
    InfoItem("通知送付日数", "notice_days", INT, default=30, note="会議の何日前に通知を発送するか"),
    InfoItem("回答期限日数", "reply_days", INT, default=10, note="会議の何日前を出欠の回答期限にするか"),
    InfoItem("日付表記", "date_style", CHOICE, choices=DATE_STYLES, default="和暦"),
    InfoItem("謝礼単価", "honorarium_rate", INT, note="出席1回あたりの謝礼（円）。空欄は謝礼なし"),
    InfoItem("代理出席の謝礼", "proxy_honorarium", CHOICE, choices=PROXY_HONORARIUM, default="支払わない"),
)

SHEETS: tuple[Sheet, ...] = (
    Sheet("圏域", "areas", required=True, id_field="area_id", columns=(
        Column("圏域ID", "area_id", ID, True, note="例: A0（他のシートから参照します）", width=10),
        Column("圏域名", "name", TEXT, True, width=18),
        Column("層", "layer", LAYER, True, note="1 = 市町村全域, 2 = 日常生活圏域など", width=6),
        Column("区域の種類", "kind", CHOICE, choices=AREA_KINDS, width=20),
        Column("含まれる地区", "districts", LINES, note="複数はセル内改行（Alt+Enter）", width=24),
        Column("人口", "population", INT, width=10),
        Column("高齢者人口", "elderly", INT, width=12),
        Column("備考", "remarks", width=24),
    )),
    Sheet("生活支援コーディネーター", "coordinators", required=True, id_field="sc_id", columns=(
        Column("SC_ID", "sc_id", ID, True, width=10),
        Column("氏名", "name", TEXT, True, width=14),
        Column("ふりがな", "kana", width=16),
        Column("層", "layer", LAYER, True, width=6),
        Column("担当圏域ID", "area_id", ID, True, note="圏域シートの圏域ID", width=12),
        Column("所属", "org", TEXT, True, width=22),
        Column("所属種別", "org_kind", CHOICE, choices=SC_ORG_KINDS, width=18),
        Column("勤務形態", "work_style", CHOICE, choices=WORK_STYLES, width=10),
        Column("配置日", "start", DATE, True, note="例: 2026/4/1 または 令和8年4月1日", width=14),
        Column("終了日", "end", DATE, note="退任・交代の日。後任は別の行に", width=14),
        Column("電話", "phone", width=14),
        Column("メール", "email", EMAIL, width=24),
    )),
    Sheet("協議体", "councils", required=True, id_field="council_id", columns=(
        Column("協議体ID", "council_id", ID, True, width=10),
        Column("名称", "name", TEXT, True, width=26),
        Column("層", "layer", LAYER, True, width=6),
        Column("圏域ID", "area_id", ID, True, width=10),
        Column("設置日", "established", DATE, True, width=14),
        Column("座長構成員ID", "chair_id", ID, note="構成員シートの構成員ID", width=14),
        Column("事務局", "secretariat", width=20),
        Column("発信者", "sender", note="第2層の通知の発信者名。空欄は「協議体名 事務局（事務局）」、事務局も空欄なら首長",
               width=26),
        Column("問い合わせ先SC_ID", "contact_sc_id", ID,
               note="第2層の通知の問い合わせ先・出欠の返信先にするSC。空欄は圏域の在任中の第2層SC", width=14),
        Column("年間目標開催回数", "target_meetings", INT, default=6, width=10),
        Column("公開", "openness", CHOICE, choices=OPENNESS, width=8),
        Column("備考", "remarks", width=24),
    )),
    Sheet("構成員", "members", required=True, id_field="member_id", columns=(
        Column("構成員ID", "member_id", ID, True, width=10),
        Column("協議体ID", "council_id", ID, True, width=10),
        Column("氏名", "name", TEXT, True, note="団体宛ては団体名と敬称 御中", width=16),
        Column("ふりがな", "kana", width=16),
        Column("敬称", "honorific", CHOICE, choices=HONORIFICS, default="様", width=6),
        Column("所属団体", "org", width=22),
        Column("団体種別", "org_kind", CHOICE, True, choices=ORG_KINDS, width=22),
        Column("役職", "position", width=14),
        Column("協議体での役割", "role", CHOICE, choices=COUNCIL_ROLES, width=12),
        Column("郵便番号", "postal_code", POSTAL, note="7桁。文字列で入力（先頭の0が消えないように）", width=10),
        Column("住所1", "address1", width=26),
        Column("住所2", "address2", note="建物名・部屋番号など", width=18),
        Column("電話", "phone", width=14),
        Column("メール", "email", EMAIL, width=24),
        Column("送付方法", "delivery", CHOICE, True, choices=DELIVERY, width=10),
        Column("謝礼", "honorarium", CHOICE, choices=HONORARIUM, note="空欄は 行政 なら不要、それ以外は要", width=8),
        Column("就任日", "start", DATE, width=12),
        Column("退任日", "end", DATE, width=12),
    )),
    Sheet("会議", "meetings", required=True, id_field="meeting_id", columns=(
        Column("会議ID", "meeting_id", ID, True, width=10),
        Column("協議体ID", "council_id", ID, True, width=10),
        Column("回", "number", INT, note="第N回 の N", width=6),
        Column("開催日", "date", DATE, True, width=14),
        Column("開始時刻", "start", TIME, True, note="例: 14:00 / 午後2時", width=10),
        Column("終了時刻", "end", TIME, width=10),
        Column("場所", "place", TEXT, True, width=20),
        Column("場所住所", "place_address", width=24),
        Column("議題", "agenda", LINES, note="1行に1議題（Alt+Enter で改行）", width=30),
        Column("持ち物", "bring", width=18),
        Column("形式", "form", CHOICE, choices=MEETING_FORMS, width=14),
        Column("進行役", "facilitator", CHOICE, choices=FACILITATORS, width=14),
        Column("文書番号", "doc_number", width=16),
        Column("通知日", "notice_date", DATE, width=12),
        Column("回答期限", "reply_by", DATE, width=12),
        Column("状態", "state", CHOICE, choices=MEETING_STATES, default="予定", width=8),
        Column("備考", "remarks", width=20),
    )),
    Sheet("出欠", "attendance", columns=(
        Column("会議ID", "meeting_id", ID, True, width=10),
        Column("構成員ID", "member_id", ID, True, width=10),
        Column("出欠", "answer", CHOICE, True, choices=ATTENDANCE, width=10),
        Column("代理者氏名", "proxy", width=14),
        Column("意見", "opinion", width=30),
        Column("回答日", "answered", DATE, width=12),
    )),
    Sheet("協議記録", "records", columns=(
        Column("会議ID", "meeting_id", ID, True, width=10),
        Column("区分", "kind", CHOICE, True, choices=RECORD_KINDS, width=12),
        Column("議題番号", "agenda_no", INT, note="会議の議題の何番目か（1 = 最初の議題）", width=8),
        Column("内容", "content", TEXT, True, width=40),
        Column("担当", "owner", width=14),
        Column("期限", "due", DATE, width=12),
        Column("結果", "result", note="宿題の結果", width=30),
    )),
    Sheet("地域課題・資源", "issues", id_field="issue_id", columns=(
        Column("課題ID", "issue_id", ID, True, width=10),
        Column("圏域ID", "area_id", ID, True, width=10),
        Column("区分", "kind", CHOICE, True, choices=ISSUE_KINDS, width=10),
        Column("内容", "content", TEXT, True, width=36),
        Column("きっかけ", "source", CHOICE, choices=ISSUE_SOURCES, width=14),
        Column("把握日", "found", DATE, width=12),
        Column("段階", "stage", CHOICE, choices=STAGES, width=16),
        Column("関連活動ID", "activity_id", ID, width=12),
        Column("備考", "remarks", width=20),
    )),
    Sheet("住民主体の活動", "activities", id_field="activity_id", columns=(
        Column("活動ID", "activity_id", ID, True, width=10),
        Column("名称", "name", TEXT, True, width=22),
        Column("種類", "kind", CHOICE, True, choices=ACTIVITY_KINDS, width=12),
        Column("圏域ID", "area_id", ID, True, width=10),
        Column("開始日", "start", DATE, width=12),
        Column("終了日", "end", DATE, width=12),
        Column("頻度", "frequency", width=12),
        Column("年間実施回数", "times", INT, width=10),
        Column("平均参加者数", "participants", INT, width=10),
        Column("担い手数", "helpers", INT, width=10),
        Column("支援内容", "support", MULTI, choices=SUPPORT_KINDS, note="複数は 、 で区切る", width=22),
        Column("備考", "remarks", width=20),
    )),
    Sheet("地域ケア会議", "care_conferences", columns=(
        Column("開催日", "date", DATE, True, width=12),
        Column("圏域ID", "area_id", ID, True, width=10),
        Column("種類", "kind", CHOICE, choices=CARE_KINDS, width=8),
        Column("SC出席", "sc_attended", CHOICE, True, choices=YES_NO, width=8),
        Column("抽出された地域課題", "issues", LINES, width=30),
        Column("協議体への反映", "meeting_id", ID, note="反映した会議の会議ID", width=14),
        Column("備考", "remarks", width=20),
    )),
    Sheet("目標", "goals", columns=(
        Column("年度", "fiscal_year", INT, True, note="西暦の年度。例: 2026（令和8年度）", width=8),
        Column("区分", "term", CHOICE, choices=GOAL_TERMS, width=8),
        Column("目標", "goal", TEXT, True, width=30),
        Column("指標", "indicator", width=20),
        Column("自動集計", "auto_figure", CHOICE, choices=AUTO_FIGURES, note="選ぶと実績値を自動で集計します",
               width=24),
        Column("目標値", "target", width=10),
        Column("実績値", "actual", width=10),
        Column("評価", "evaluation", CHOICE, choices=EVALUATIONS, width=6),
        Column("見直し", "review", width=30),
    )),
    Sheet("年度総括", "reviews", columns=(
        Column("年度", "fiscal_year", INT, True, note="西暦の年度。例: 2026（令和8年度）", width=8),
        Column("成果", "achievements", TEXT, width=40),
        Column("課題", "challenges", TEXT, width=40),
        Column("次年度の方針", "next_policy", TEXT, width=40),
    )),
)

SHEETS_BY_KEY: dict[str, Sheet] = {s.key: s for s in SHEETS}
REQUIRED_SHEETS: tuple[str, ...] = (INFO_SHEET,) + tuple(s.name for s in SHEETS if s.required)

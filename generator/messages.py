"""Japanese text shown to users: file problems, finding messages, CLI lines.

Kept in one place so wording is reviewed together and logic stays English.
"""

# --- the ledger file --------------------------------------------------------------
FILE_NOT_FOUND = "台帳ファイル {path} が見つかりません。ファイル名と場所を確かめてください。"
FILE_IS_DIR = "{path} はフォルダです。台帳の .xlsx ファイルを指定してください。"
FILE_NO_PERMISSION = "台帳ファイル {path} を開く権限がありません。Excel で開いたままなら閉じてから実行してください。"
FILE_OS_ERROR = "台帳ファイル {path} を読めませんでした（{error}）。"
FILE_EMPTY = "台帳ファイル {path} は空（0バイト）です。正しい台帳を指定するか、sasaeai init で作り直してください。"
FILE_IS_CSV = "{path} は CSV（テキスト）ファイルのようです。Excel で開いて「Excel ブック (*.xlsx)」形式で保存し直してください。"
FILE_IS_TEXT = "{path} はテキストファイルで、Excel ブック (.xlsx) ではありません。"
FILE_NOT_XLSX = "{path} は Excel ブック (.xlsx) ではありません。Excel で開いて .xlsx 形式で保存し直してください。"
FILE_OLD_FORMAT = "{path} は古い Excel 形式 (.xls) です。Excel で開いて「Excel ブック (*.xlsx)」形式で保存し直してください。"
FILE_NOT_WORKBOOK = "{path} は Excel ブックではありません（Word や他のソフトのファイルではありませんか）。"
FILE_BROKEN = "{path} は壊れているか途中で切れていて読めません。Excel で開けるか確かめ、開けたら保存し直してください。"
FILE_NEEDS_PASSWORD = "{path} はパスワードで保護されています。--password でパスワードを指定してください。"
FILE_WRONG_PASSWORD = "{path} のパスワードが違います。--password の値を確かめてください。"
FILE_UNSAFE_XML = "{path} には安全でない XML（エンティティ定義）が含まれているため読みません。Excel で開いて保存し直してください。"
SHEETS_MISSING = "台帳 {path} に必須シート「{sheets}」がありません。sasaeai init で作った台帳と見比べ、シートを追加してください。"
COLUMNS_MISSING = "「{sheet}」シートに必須列「{columns}」がありません（見出しは先頭{rows}行から探します）。列を追加してください。"

# --- values -------------------------------------------------------------------------
VALUE_MISSING = "{header} が空です（必須）。"
INFO_VALUE_MISSING = "{label} の値が空です（必須）。"
INFO_ITEM_MISSING = "基本情報に「{label}」の行がありません（必須）。項目列に「{label}」、値列にその値を入れてください。"
FORMULA_NO_VALUE = "{header} は数式ですが計算結果が保存されていません。Excel で開いて保存し直してください。"

# --- rules: errors -------------------------------------------------------------------
ID_DUPLICATE = "{header}「{value}」が重複しています（最初は {first} 行目）。"
ID_UNKNOWN = "{header}「{value}」は{target}シートにありません。"
CHAIR_NOT_MEMBER = "座長構成員ID「{value}」はこの協議体（{council}）の構成員ではありません。"
ATTENDANCE_NOT_MEMBER = "構成員「{member}」は会議 {meeting} の協議体（{council}）の構成員ではありません。"
ATTENDANCE_DUPLICATE = "会議 {meeting} の構成員 {member} の出欠が重複しています（最初は {first} 行目）。"
END_BEFORE_START = "{end_header}（{end}）が{start_header}（{start}）より前です。"
LAYER_MISMATCH = "層が {layer} ですが、圏域「{area}」は第{area_layer}層です。"
POSTAL_ADDRESS_MISSING = "送付方法が郵送ですが {missing} が空です。宛名ラベルと通知の宛先に使います。"
EMAIL_MISSING = "送付方法がメールですがメールアドレスが空です。"

# --- rules: warnings ------------------------------------------------------------------
LAYER1_AREA_NONE = "第1層（市町村全域）の圏域がありません。第1層の圏域を1つ登録してください。"
LAYER1_AREA_MANY = "第1層の圏域が {count} 件あります（{ids}）。第1層は市町村全域の1圏域です。"
LAYER1_NO_SC = "第1層の圏域「{area}」に {fy} 中に在任する生活支援コーディネーターがいません。"
LAYER1_NO_COUNCIL = "第1層の圏域「{area}」に協議体がありません。"
LAYER2_NO_SC = "第2層の圏域「{area}」に {fy} 中に在任する生活支援コーディネーターがいません。"
LAYER2_NO_COUNCIL = "第2層の圏域「{area}」に協議体がありません。"
COUNCIL_FEW = "{council} の {fy} の開催（予定を含む、中止を除く）は {count} 回です。年1〜2回では承認型会議になる恐れがあります（目標 {target} 回）。"
MEETING_GAP = "{council} の {prev} から {next} まで {days} 日空いています。2か月に1回程度を目安に間を空けずに開催しましょう。"
INVITATION_LATE = "通知日 {notice} は開催日 {date} の {days} 日前です。概ね1か月前（{want} 日前）には送付しましょう。"
INVITATION_NO_AGENDA = "議題が空です。参加依頼文には日時・場所・議題を記載しましょう。"
MEMBERS_FEW_KINDS = "{council} の構成員の団体種別は {count} 種類（{kinds}）です。多様な視点から話し合えるよう幅広く選びましょう。"
MEMBERS_NO_RESIDENT = "{council} に住民・当事者に近い構成員（住民、当事者団体、ボランティア団体、地縁組織、民生委員など）がいません。"
LAYER2_NO_CHIEN = "第2層協議体 {council} に地縁組織（自治会・町会）の構成員がいません。SCの良き理解者・応援者になります。"
LAYER1_NO_CHAIR = "第1層協議体 {council} に座長がいません。構成員の中から座長を選出すると主体性を引き出せます。"
LAYER1_CHAIR_ADMIN = "第1層協議体 {council} の座長「{chair}」が{why}です。事務局対メンバーの構図にならないよう構成員から選びましょう。"
ADMIN_LEADS = "進行役が行政です。行政は支援する立場で参加し、進行のリードは避けましょう。"
CARE_NO_SC = "{fy} に生活支援コーディネーターが出席した地域ケア会議がありません（記録 {count} 件）。"
SC_NO_SUCCESSOR = "圏域「{area}」のSC {name} は {end} で終了しますが、後任のSCが登録されていません。引継ぎを計画してください。"
MEETING_HOLIDAY = "開催日 {date} は{why}です。"

# --- check output ------------------------------------------------------------------------
CHECK_HEADER = "台帳 {path} の点検結果（{fy}）"
CHECK_SHEET = "■ {sheet}"
CHECK_WORKBOOK = "■ 台帳全体"
CHECK_SUMMARY = "エラー {errors} 件、警告 {warnings} 件、情報 {infos} 件"
CHECK_CLEAN = "問題は見つかりませんでした。"
FISCAL_YEAR = "{year}年度（{era}）"

# --- init ----------------------------------------------------------------------------------
INIT_EXISTS = "{path} は既にあります。上書きする場合は --force を付けてください。"
INIT_DONE = "空の台帳を作りました: {path}"
INIT_CANNOT_WRITE = "{path} に書き込めません（{error}）。"

# --- templates ---------------------------------------------------------------------------------
TEMPLATE_NOT_FOUND = "テンプレート {path} が見つかりません。"
TEMPLATE_NOT_DOCX = "テンプレート {path} は Word 文書 (.docx) ではありません。"
TEMPLATE_SYNTAX = "テンプレート {path}（{part}）のタグに誤りがあります: {error}（付近: {near}）"
TEMPLATE_UNDEFINED = "テンプレート {path} で使われている変数がありません: {error}。sasaeai templates check で使える変数を確認してください。"
TEMPLATE_RENDER = "テンプレート {path} を差し込みできませんでした: {error}"

# --- invitations ------------------------------------------------------------------------------
MEETING_UNKNOWN = "会議ID「{id}」は会議シートにありません。"
MONTH_FORMAT = "--month は YYYY-MM の形で指定してください（例: 2026-12）。指定された値: {value}"
TEMPLATES_DIR_MISSING = "テンプレートのフォルダ {path} がありません。sasaeai templates export {path} で作れます。"
SKIP_CANCELLED = "中止のため作成しません"
SKIP_ERRORS = "台帳のエラーのため作成しません"
SKIP_NO_RECIPIENTS = "送付先の構成員がいません"
INVITATIONS_NONE = "対象の会議がありません。"
INVITATIONS_MEETING = "{title}（{date}）: {detail}"
INVITATIONS_MADE = "通知 {letters} 通（郵送 {post}・メール {mail}・手渡し {hand}）、ラベル {labels} 枚 → {folder}"
INVITATIONS_SUMMARY_HEADER = "会議ID\t会議\t開催日\t通知\t郵送\tメール\t手渡し\tラベル\t結果"
INVITATIONS_TOTAL = "合計: 会議 {meetings} 件のうち作成 {made} 件・見送り {skipped} 件、通知 {letters} 通"
PROGRESS_LETTERS = "通知を作成中"
TEMPLATES_EXPORTED = "テンプレートを書き出しました: {path}"
TEMPLATES_OK = "{name}（{file}）: 問題ありません"
TEMPLATES_UNKNOWN = "{name}（{file}）: 使えない変数 {vars}"
TEMPLATES_AVAILABLE = "  使える変数: {vars}"
MEETING_OR_MONTH = "--meeting か --month のどちらか一方を指定してください。"

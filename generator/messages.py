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
# --- the ledger file: hostile input (issue 15) -----------------------------------------
FILE_NOT_REGULAR = "{path} は通常のファイルではありません（デバイスや名前付きパイプなど）。台帳の .xlsx ファイルを指定してください。"
FILE_TOO_LARGE = "台帳ファイル {path} は大きすぎるため読みません（上限 {limit}）。台帳の .xlsx ファイルか確かめてください。"
FILE_INFLATES_TOO_LARGE = ("{path} は展開すると大きすぎるため読みません（{part} が上限を超えます。上限: 1部品 {part_limit}、"
                           "合計 {total_limit}）。台帳の .xlsx ファイルか確かめ、Excel で開けるなら保存し直してください。")
FILE_TOO_MANY_STRINGS = "{path} は文字列の数が上限（{limit} 個）を超えるため読みません。台帳の .xlsx ファイルか確かめてください。"
FILE_TOO_MANY_PARTS = "{path} は部品（ファイル）の数が上限（{limit} 個）を超えるため読みません。台帳の .xlsx ファイルか確かめてください。"
SHEETS_MISSING = "台帳 {path} に必須シート「{sheets}」がありません。sasaeai init で作った台帳と見比べ、シートを追加してください。"
COLUMNS_MISSING = "「{sheet}」シートに必須列「{columns}」がありません（見出しは先頭{rows}行から探します）。列を追加してください。"

# --- values -------------------------------------------------------------------------
VALUE_MISSING = "{header} が空です（必須）。"
INFO_VALUE_MISSING = "{label} の値が空です（必須）。"
INFO_ITEM_MISSING = "基本情報に「{label}」の行がありません（必須）。項目列に「{label}」、値列にその値を入れてください。"
FORMULA_NO_VALUE = "{header} は数式ですが計算結果が保存されていません。Excel で開いて保存し直してください。"

# --- values: ranges the documents can use (rules) ------------------------------------
DATE_OUT_OF_RANGE = "「{value}」は扱える日付の範囲（{first}〜{last}）の外です。年の入力を確かめてください。"

# --- values: hostile or odd cells (issue 15) --------------------------------------------
VALUE_UNREADABLE = "{header}: 「{value}」は読めない値です。入力し直してください。"

# --- check output ------------------------------------------------------------------------
CHECK_HEADER = "台帳 {path} の点検結果（{fy}）"
CHECK_SHEET = "■ {sheet}"
CHECK_WORKBOOK = "■ 台帳全体"
CHECK_SUMMARY = "エラー {errors} 件、警告 {warnings} 件、情報 {infos} 件"
CHECK_CLEAN = "問題は見つかりませんでした。"
FISCAL_YEAR = "{year}年度（{era}）"

# --- check output: as-of date and past findings (rules) ---------------------------------
CHECK_AS_OF = "基準日: {date}"
CHECK_PAST_HEADER = "■ 過去の会議・年度についての指摘（今からは対応できないもの）"
CHECK_PAST_SUMMARY = "ほかに、開催済みの会議や終わった年度についての指摘が {count} 件（{detail}）あります。--all で表示します。"
CHECK_PAST_DETAIL = "{label} {count} 件"

# --- init ----------------------------------------------------------------------------------
INIT_EXISTS = "{path} は既にあります。上書きする場合は --force を付けてください。"
INIT_DONE = "空の台帳を作りました: {path}"
INIT_CANNOT_WRITE = "{path} に書き込めません（{error}）。"

# --- output: names and places (issue 15) -------------------------------------------------
OUTPUT_NAME_CLASH = ("「{first}」と「{second}」は大文字・小文字だけが違うため、Windows では同じファイルになります"
                     "（{folder}）。何も書き出していません。台帳の会議IDなどを区別できるものに変えてください。")
OUTPUT_NOT_FOLDER = "出力先 {path} はファイルです。出力先にはフォルダを指定してください。"
OUTPUT_FILE_IN_PATH = "出力先 {path} を作れません。途中の {blocker} がフォルダではなくファイルです。"
OUTPUT_CANNOT_WRITE = "出力先 {path} に書き込めません（{reason}）。別のフォルダを指定するか、権限を確かめてください。"
OUTPUT_IS_LEDGER = "{path} は読み込んだ台帳そのものです。台帳は上書きしません。--out には台帳のないフォルダを指定してください。"
OS_FAILED = "{path} を読み書きできませんでした（{reason}）。"
OS_NO_PERMISSION = "権限がありません"
OS_READ_ONLY = "読み取り専用の場所です"
OS_NO_SPACE = "空き容量が足りません"
OS_NOT_DIR = "途中にフォルダではないファイルがあります"
OS_NO_SUCH_PLACE = "その場所がありません"
OS_IS_DIR = "フォルダです"
OS_NAME_TOO_LONG = "名前が長すぎます"
OS_IO_ERROR = "装置の読み書きでエラーが起きました"
OS_EXISTS = "同じ名前のものが既にあります"
MONTH_RANGE = "--month の年は {low}〜{high} の範囲で指定してください。指定された値: {value}"
OUTPUT_NAME_TWICE = "「{name}」を2回作ることになります（{folder}）。何も書き出していません。台帳の会議IDの重複を直してください。"

# --- templates ---------------------------------------------------------------------------------
TEMPLATE_NOT_FOUND = "テンプレート {path} が見つかりません。"
TEMPLATE_NOT_DOCX = "テンプレート {path} は Word 文書 (.docx) ではありません。"
TEMPLATE_SYNTAX = "テンプレート {path}（{part}）のタグに誤りがあります: {error}（付近: {near}）"
TEMPLATE_UNDEFINED = "テンプレート {path} で使われている変数がありません: {error}。sasaeai templates check で使える変数を確認してください。"
TEMPLATE_RENDER = "テンプレート {path} を差し込みできませんでした: {error}"

# --- invitations ------------------------------------------------------------------------------
MEETING_UNKNOWN = "会議ID「{id}」は会議シートにありません。"
DATE_OPTION = "{option} の日付が読めません: {problem}"
MONTH_FORMAT = "--month は YYYY-MM の形で指定してください（例: 2026-12）。指定された値: {value}"
TEMPLATES_DIR_MISSING = "テンプレートのフォルダ {path} がありません。sasaeai templates export {path} で作れます。"
SKIP_CANCELLED = "中止のため作成しません"
SKIP_ERRORS = "台帳のエラーのため作成しません"
SKIP_NO_RECIPIENTS = "送付先の構成員がいません"
# --- invitations: labels ---------------------------------------------------------------------
LABEL_START_RANGE = "--label-start は 1〜12（A4 12面シートの何枚目のラベルから印刷するか）で指定してください。指定された値: {value}"
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
TEMPLATE_IMAGE_PLACE = "画像（グラフ）は本文の {{ }} タグにだけ置けます。"
SKIP_CANCELLED_MINUTES = "中止のため議事録は作りません"
MINUTES_MADE = "{title}（{date}）: {path}"
MINUTES_TOTAL = "合計: 会議 {meetings} 件のうち議事録 {made} 件、見送り {skipped} 件"
ANNUAL_MADE = "年次報告書: {report}\n年次集計: {workbook}"

# --- minutes: lines the 議事録 composes from ledger values ---------------------------------------
MINUTES_PROXY = "（代理：{proxy} 様）"
MINUTES_CHAIR_ABSENT = "{chair}（欠席）"
MINUTES_VICE_CHAIRED = "{chair}（欠席）／座長代行：副座長 {vice}"
MINUTES_CARE_SOURCE = "{date}の{name}（{area}）"
# 地域ケア会議.種類 -> the name the conference goes by in official documents.
MINUTES_CARE_NAMES = {"個別": "地域ケア個別会議", "推進": "地域ケア推進会議", "": "地域ケア会議"}
MINUTES_CARE_NO_ISSUE = "（抽出された地域課題の記入なし）"
MINUTES_AGENDA_MISSING = "（議題番号 {number} に当たる議題がありません）"
MINUTES_OPINION = "{opinion}（{name}）"
MINUTES_NEXT_AGENDA = "（{number}）{item}"

# --- annual report: the as-of date a report counts at --------------------------------------------
ANNUAL_AS_OF = "集計基準日: {as_of}（年度途中: これからの会議は見込みとして別に示しています）"
ANNUAL_YEAR_END = "集計基準日: {as_of}（年度末の在任・開催済で集計）"
ANNUAL_AS_OF_BEFORE_YEAR = "--as-of {as_of} は {year} の始まり（{first}）より前です。集計する年度か日付を確かめてください。"

# --- monthly -------------------------------------------------------------------------------------
MONTHLY_HEADER = "{month}分の月次処理（{folder}）"
MONTHLY_LINE = "[{kind}] {id} {title}（{date}）: {detail}"
MONTHLY_LETTERS = "通知 {letters} 通（郵送 {post}・メール {mail}・手渡し {hand}）、ラベル {labels} 枚、メール送信予定 {mail} 件"
MONTHLY_MINUTES_MADE = "議事録を作成"
MONTHLY_LATE = "【遅れ: 未送付のため今月発送。開催まで残り {days} 日】"
# --- monthly: letters too late to rely on the post ------------------------------------------
MONTHLY_PHONE = "【至急: 開催まで1週間を切っています。通知の発送に加え、構成員へ電話で連絡してください】"
MONTHLY_REVISED = "【改訂: 日時・場所・議題が変わったため作り直し】"
MONTHLY_PREVIOUS = "    旧版を受け取った方（訂正の連絡が必要）: {people}"
MONTHLY_ANNUAL = "[年次報告] {files}"
MONTHLY_TOTAL = "合計: 通知 {letters} 通（うちメール {emails} 件）、エラーで見送り {skipped} 件、ファイル {files} 個"
MONTHLY_DONE = "出力先: {folder}（新しく書いたファイル {written} 個、PDF {pdfs} 個）"
PROGRESS_BATCH = "月次処理中"

# --- pdf (LibreOffice) ---------------------------------------------------------------------------
PDF_NO_LIBREOFFICE = (
    "PDF を作るには LibreOffice が必要ですが、見つかりませんでした。次の場所を探しました:\n{places}\n"
    "LibreOffice をインストールするか（Windows・Mac: https://ja.libreoffice.org/ 、"
    "Debian/Ubuntu: apt-get install libreoffice-writer-nogui）、別の場所にある場合は環境変数 {variable} に "
    "soffice の場所を指定してください。PDF が不要なら --pdf を付けずに実行してください。")
PDF_LOOKED_PATH = "PATH 上の soffice・libreoffice"
PDF_BAD_OVERRIDE = "環境変数 {variable} に指定された LibreOffice（{value}）が見つからないか、実行できません。soffice の場所を確かめてください。"
PDF_FAILED = "LibreOffice で PDF に変換できませんでした（{error}）。.docx はできていますが、PDF は作られていません。"
PDF_MORE = " ほか {count} 件"
PDF_TIMEOUT = (
    "LibreOffice の PDF 変換が制限時間 {seconds} 秒（{count} ファイル）以内に終わらなかったため、中止しました。"
    ".docx はできていますが、PDF は作られていません。LibreOffice が固まっていないか確かめるか、"
    "--pdf-timeout で制限時間（秒）を延ばして再実行してください。")

# --- the paperwork around a meeting (当日資料, 謝礼) ----------------------------------------------------
MEETING_DAY_MADE = "会議次第・受付名簿・名札を作成"
HONORARIA_MADE = "謝礼支払一覧を作成（{people} 名、合計 {total:,} 円）"
HONORARIA_NO_RATE = "基本情報の「謝礼単価」が空のため謝礼支払一覧は作りません"
HONORARIA_NO_ATTENDANCE = "出欠の記録がないため謝礼支払一覧を作れません（出欠シートに入力してください）"
HONORARIA_NOBODY = "謝礼の対象者がいません"
APPOINTMENTS_MADE = "{council}: 委嘱状（{names}）を作成"
APPOINTMENTS_DONE = "委嘱状 {count} 通: {letters}\n委員名簿: {roster}"
APPOINTMENTS_NOBODY = "委嘱状: {as_of} に在任中の構成員がいないため作りませんでした。\n委員名簿: {roster}"
APPOINTMENTS_ERRORS = "{council} の台帳にエラーがあるため委嘱状・委員名簿を作りません:\n{findings}"
COUNCIL_UNKNOWN = "協議体ID「{id}」は協議体シートにありません。"
NEWSLETTER_MADE = "協議体だよりを作成"
HANDOVER_MADE = "引継書: {path}"
PUBLIC_MINUTES_MADE = "公開用会議録を作成（個人の氏名は所属・役職に置き換え済み）"
PUBLIC_MINUTES_LEAK = "置き換えきれない個人の氏名が {count} 件残るため公開用会議録は作りません（協議記録の文中の氏名を確認してください）"

# --- send ---------------------------------------------------------------------------------------
SEND_TLS = "--tls は starttls・ssl・none のいずれかです（指定された値: {value}）。"
SEND_NO_MANIFEST = "{path} に manifest.json がありません。sasaeai monthly で作ったフォルダ（出力/YYYY-MM）を指定してください。"
SEND_BAD_MANIFEST = "{path} を読めません。sasaeai monthly をもう一度実行してください。"
SEND_NO_SENDER = "基本情報の「メール」が空のため、送信元のアドレスがありません。台帳に入力して sasaeai monthly を再実行してください。"
SEND_TEMPLATE = "メールのテンプレート {path} に誤りがあります: {error}"
SEND_SKIP_SENT = "送信済み"
SEND_SKIP_UNCONFIRMED = "前回の送信が途中で終わり、届いたか確認できません（確認のうえ --retry-unconfirmed で再送）"
SEND_SKIP_REVISED = "旧版を送信済み。改訂版は --resend-revised で送信"
SEND_CONNECT = "メールサーバー {host}:{port} との接続が切れたか、接続できません"
SEND_AUTH = "メールサーバーの認証に失敗しました（ユーザー名と SASAEAI_SMTP_PASSWORD を確認してください）。アカウントの凍結を避けるため、認証は1回だけ試して送信を中止しました"
SEND_DRY_HEADER = "送信予定（--send を付けると送信します）:"
SEND_DRY_LINE = "  {name} <{to}> ← {subject}（添付: {attachment}）"
SEND_SENT_LINE = "  送信: {name} <{to}>"
SEND_FAILED_LINE = "  失敗: {name} <{to}>: {why}"
SEND_SKIPPED_LINE = "  見送り: {name} <{to}>: {why}"
SEND_TOTAL = "送信 {sent} 件、失敗 {failed} 件、未確認 {unconfirmed} 件、見送り {skipped} 件、未送信 {not_attempted} 件"
SEND_DRY_TOTAL = "送信予定 {count} 件、見送り {skipped} 件"
PROGRESS_SEND = "送信中"

# --- send: never twice, never a wrong letter ------------------------------------------------------
SEND_PORT = "SMTP のポート番号は 1〜65535 の数字で指定してください（SASAEAI_SMTP_PORT または --port の値: {value}）。"
SEND_CA_MISSING = "認証局の証明書ファイル {path} がありません（--ca-file または SASAEAI_SMTP_CA_FILE）。"
SEND_CA_BAD = "認証局の証明書ファイル {path} を読めません。PEM 形式の証明書か確かめてください。"
SEND_INCOMPLETE = "{path} は sasaeai monthly の途中で終わったため、通知ファイルと manifest.json が一致している保証がありません。送信する前に sasaeai monthly を再実行してください。"
SEND_STALE = "{path} の {file} が manifest.json の記録と一致しません（月次処理の後に変更されたか、処理が途中で終わっています）。誤った通知を送らないよう送信しません。sasaeai monthly を再実行してください。"
SEND_BAD_SENDER = "基本情報の「メール」（{address}）は送信元に使えない形式です。台帳を直して sasaeai monthly を再実行してください。"
SEND_BAD_ADDRESS = "メールアドレス「{address}」はこの形式では送信できません。構成員シートのメールを確かめてください"
SEND_SKIP_SUPERSEDED = "後の月のフォルダ {month} に作り直した版があるため、この版は送りません（{month} から送信してください）"
SEND_SKIP_REVISED_UNCONFIRMED = "旧版の送信が届いたか確認できていません。確認のうえ改訂版は --resend-revised で送信"
SEND_NO_STARTTLS = "メールサーバーが STARTTLS（暗号化）に対応していません。--tls ssl（ポート 465）を試すか、サーバーの設定を確認してください。暗号化せずに送ることはしません"
SEND_AUTH_DROPPED = "認証の途中でメールサーバーとの接続が切れました。アカウントの凍結を避けるため、認証は1回だけ試して送信を中止しました（ユーザー名と SASAEAI_SMTP_PASSWORD を確認してください）"
SEND_NO_AUTH = "メールサーバーが認証（AUTH）に対応していないか、暗号化前の認証を受け付けません。--tls とポートの組み合わせを確認してください"
SEND_CERT = "メールサーバー {host} の証明書を確認できません（{why}）。独自の認証局を使う場合は --ca-file で証明書を指定してください"
SEND_CERT_EXPIRED = "証明書の有効期限が切れています"
SEND_CERT_SELF_SIGNED = "自己署名の証明書です"
SEND_CERT_UNKNOWN_CA = "発行元の認証局が信頼されていません"
SEND_CERT_HOSTNAME = "証明書のホスト名がサーバー名と一致しません"
SEND_CERT_OTHER = "証明書が正しくありません"
SEND_TLS_FAILED = "メールサーバー {host}:{port} と暗号化（TLS）の接続ができません。--tls とポートの組み合わせ（ssl は 465、starttls は 587）を確認してください"
SEND_UNWILLING = "メールサーバー {host}:{port} が接続を受け付けません（{reply}）"
SEND_SENDER_REFUSED = "メールサーバーが送信元 {sender} からの送信を拒否しました（{reply}）。基本情報の「メール」とサーバーの設定（認証が必要か）を確認してください"
SEND_UNKNOWN_HOST = "メールサーバー {host} が見つかりません（サーバー名を確認してください）"
SEND_TIMEOUT = "メールサーバー {host}:{port} が {seconds:g} 秒以内に応答しません"
SEND_REFUSED = "メールサーバー {host}:{port} に接続できません（接続を拒否されました）"
SEND_UNEXPECTED = "送信中に予期しない問題が起きました（{error}）"
SEND_STOPPED_CONNECTION = "メールサーバーとの接続に {count} 回続けて失敗したため、送信を中止しました（{why}）"
SEND_STOPPED = "送信を途中で中止しました: {why}"
SEND_BUSY = "{path} では別の sasaeai send が送信中です。終わってから実行してください。"
SEND_LOG_UNWRITABLE = "送信ログ {path} に書き込めません（{error}）。記録できないため送信しません。"
SEND_UNCONFIRMED_LINE = "  未確認: {name} <{to}>: 本文を送った後に応答がなく、届いたか確認できません（{why}）。自動では再送しません（確認のうえ --retry-unconfirmed）"
SEND_NOT_ATTEMPTED_LINE = "  未送信: {name} <{to}>（送信を中止したため。原因を直して再実行すると送ります）"
SEND_BAD_LOG_LINE = "注意: 送信ログ {path} の {line} 行目は途中で切れているか壊れているため読み飛ばしました。"

# --- web page (sasaeai serve) ----------------------------------------------------------------------------
WEB_STARTED = "sasaeai の画面を開きました: {url}\n（この画面を使う間はこのウィンドウを閉じないでください。終了は Ctrl+C）"
WEB_NO_BROWSER = "ブラウザで次のアドレスを開いてください: {url}"
WEB_REMOTE_WARNING = "注意: {host} で待ち受けます。同じネットワークの他の端末から接続できる状態です。台帳の個人情報に注意してください。"
WEB_REMOTE_REFUSED = "--host {host} は自分の PC（127.0.0.1）以外です。他の端末から接続させる場合だけ --allow-remote を付けてください。"
WEB_PORT_IN_USE = "ポート {port} は使用中です。--port で別の番号を指定してください。"
WEB_BUSY = "別の処理が実行中です。終わってからもう一度実行してください。"
WEB_UNEXPECTED = "予期しない問題が起きました（{error}）。"
WEB_FORBIDDEN = "このアドレスでは開けません。sasaeai serve が表示したアドレス（またはブラウザで開いた画面）から操作してください。"
WEB_CSRF = "画面の有効期限が切れました。画面を開き直してから、もう一度操作してください。"
WEB_TOO_LARGE = "ファイルが大きすぎます（上限 {limit} MB）。台帳の .xlsx ファイルを選んでください。"
WEB_NO_FILE = "ファイルが選ばれていません。"
WEB_NOT_XLSX_NAME = "{name} は .xlsx ファイルではありません。Excel ブック (.xlsx) を選んでください。"
WEB_NO_LEDGER = "まず「台帳を選ぶ」で台帳を選んでください。"
WEB_NOT_FOUND = "ファイルが見つかりません: {path}"
WEB_MAIL_CHANGED = "確認した件数（{confirmed} 件）と今の送信予定（{now} 件）が違います。もう一度確認してください。"
WEB_MAIL_NOTHING = "送信する通知はありません。"
WEB_NO_BATCH = "{month} の月次処理の出力がありません。先に「今月の処理」を実行してください。"
WEB_PREVIEW_UNAVAILABLE = "LibreOffice が見つからないため、プレビューを表示できません。"
WEB_TEMPLATES_SAVED = "テンプレート {names} を保存しました。次回の処理から使います。"
WEB_PORT_INVALID = "ポート「{value}」は番号ではありません（例: 587）。"
WEB_TEMPLATE_BAD_NAME = "{name} は使えるテンプレートの名前ではありません（{names}）。"

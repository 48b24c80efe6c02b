"""The `sasaeai` command: parse options, call the library, print, pick the exit code."""
from __future__ import annotations

import contextlib
import json
import sys

import click

from . import messages, summary, workflows
from .batch.pdf import find_soffice
from .console import configure_console, is_utf8
from .errors import LedgerError, SasaeaiError, os_reason

EXIT_OK, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2

# Options several commands share.
password_option = click.option("--password", default=None, help="パスワード付きの台帳を開くパスワード。")
# Paths are plain click.Path(): what is wrong with one (a file where a folder
# belongs) is said in Japanese by the library, not in click's English.
templates_option = click.option("--templates", "templates_dir", default=None, type=click.Path(),
                                help="編集したテンプレートのフォルダ（sasaeai templates export で作成）。")
out_option = click.option("--out", "out_dir", required=True, type=click.Path(),
                          help="出力先フォルダ。")
label_start_option = click.option("--label-start", "label_start", type=int, default=1, show_default=True,
                                  help="宛名ラベルを A4 12面シートの何枚目から印刷するか（1〜12。使いかけのシート用）。")


@contextlib.contextmanager
def _progress(label: str):
    """(progress, on_total) callbacks for a workflow; the bar appears once the total is known."""
    bars: list = []

    def on_total(total: int) -> None:
        bars.append(click.progressbar(length=max(total, 1), label=label, file=sys.stderr))
        bars[-1].__enter__()

    def progress(n: int) -> None:
        if bars:
            bars[-1].update(n)

    try:
        yield progress, on_total
    finally:
        for bar in bars:
            bar.__exit__(None, None, None)


class _Group(click.Group):
    """Turns user-caused failures into one Japanese line and exit 2; --debug shows the traceback."""

    def main(self, *args, **kwargs):
        """Run the command line after making the console safe for every character (cp932 consoles)."""
        configure_console()
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SasaeaiError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"エラー: {exc.message}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:   # output piped into `head`: nothing more to say
            sys.stderr.close()
            ctx.exit(EXIT_OK)
        except OSError as exc:    # the disk, the network share or permissions, not a bug of ours
            if ctx.obj and ctx.obj.get("debug"):
                raise
            where = exc.filename if exc.filename is not None else ""
            click.echo(f"エラー: {messages.OS_FAILED.format(path=where, reason=os_reason(exc))}", err=True)
            ctx.exit(EXIT_FAILED)
        except KeyboardInterrupt:
            click.echo("中断しました。", err=True)
            ctx.exit(130)
        except Exception as exc:  # a bug of ours; the user still gets a sentence, not a traceback
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"エラー: 予期しない問題が起きました（{type(exc).__name__}: {exc}）。"
                       "--debug を付けて実行すると詳細が表示されます。", err=True)
            ctx.exit(EXIT_FAILED)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="エラー時にトレースバックを表示します。")
@click.version_option(package_name="sasaeai")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """sasaeai（支え合い）: 生活支援体制整備事業の台帳から通知・議事録・報告書を作ります。

    \b
    例:
      sasaeai init 台帳.xlsx
      sasaeai check samples/aoba_ledger.xlsx --fiscal-year 2026
    """
    ctx.ensure_object(dict)["debug"] = debug


@main.command()
@click.argument("ledger", type=click.Path())
@click.option("--force", is_flag=True, help="既にあるファイルを上書きします。")
def init(ledger: str, force: bool) -> None:
    """空の台帳 LEDGER を作ります（全シート・見出し・選択肢・入力メモ付き）。

    \b
    例:
      sasaeai init 台帳.xlsx
      sasaeai init 台帳.xlsx --force
    """
    path = workflows.init_ledger(ledger, force=force)
    click.echo(messages.INIT_DONE.format(path=path))


@main.command()
@click.argument("ledger", type=click.Path())
@click.option("--fiscal-year", type=click.IntRange(1989, 2200), default=None,
              help="警告を判定する年度（西暦。例: 2026 = 令和8年度）。既定は基準日（--as-of）の年度。")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="出力形式。")
@click.option("--as-of", "as_of", default=None,
              help="「今日」とみなす日（例: 2026-11-30）。期限や開催済みの判定に使います。既定は今日。")
@click.option("--all", "show_all", is_flag=True,
              help="開催済みの会議や終わった年度についての指摘も省略せずに表示します。")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False),
              help="月次処理（monthly）の出力先。そこで作った通知は作成済みとして点検します。")
@password_option
def check(ledger: str, fiscal_year: int | None, fmt: str, as_of: str | None, show_all: bool, out_dir: str | None,
          password: str | None) -> None:
    """台帳 LEDGER を点検し、問題を シート!セル の位置付きで表示します。

    終了コード: 0 = エラーなし、1 = エラーあり、2 = 台帳を読めなかった。

    \b
    例:
      sasaeai check samples/aoba_ledger.xlsx --fiscal-year 2026
      sasaeai check 台帳.xlsx --format json > 点検結果.json
      sasaeai check 台帳.xlsx --as-of 2026-11-30 --all
    """
    # JSON is data: where stdout is not UTF-8 (redirected on Windows, cp932) \u escapes keep every name exact.
    ascii_only = not is_utf8(sys.stdout.encoding)
    try:
        report = workflows.check_ledger(ledger, fiscal_year, password, as_of=workflows.parse_day(as_of),
                                        out_root=out_dir)
    except LedgerError as exc:
        if fmt == "json":
            click.echo(json.dumps({"ledger": ledger, "fatal": {
                "code": exc.code, "sheet": exc.sheet, "cell": exc.cell, "message": exc.message}},
                ensure_ascii=ascii_only, indent=2))
        raise
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=ascii_only, indent=2))
    else:
        click.echo(summary.format_report(report, show_all))
    sys.exit(EXIT_FINDINGS if report.errors else EXIT_OK)


@main.command()
@click.argument("ledger", type=click.Path())
@click.option("--meeting", "meeting_id", default=None, help="この会議IDの会議だけ作ります。")
@click.option("--month", default=None, help="この月（YYYY-MM）に開催する会議をすべて作ります。")
@out_option
@label_start_option
@templates_option
@password_option
def invitations(ledger: str, meeting_id: str | None, month: str | None, out_dir: str, label_start: int,
                templates_dir: str | None, password: str | None) -> None:
    """会議の開催通知（出欠回答票付き）・印刷用一式・宛名ラベル・送付リストを作ります。

    会議ごとにフォルダを作り、送付方法が「不要」以外で開催日に在任中の構成員全員に
    通知を1通ずつ作ります。台帳にエラーがある会議は作らず、そのエラーを表示します
    （その場合の終了コードは 1）。

    \b
    例:
      sasaeai invitations samples/aoba_ledger.xlsx --month 2026-12 --out 出力
      sasaeai invitations 台帳.xlsx --meeting C0-05 --out 出力 --templates 私のテンプレート
    """
    with _progress(messages.PROGRESS_LETTERS) as (progress, on_total):
        run = workflows.make_invitations(ledger, out_dir, meeting_id=meeting_id, month=month,
                                         templates_dir=templates_dir, password=password, label_start=label_start,
                                         progress=progress, on_total=on_total)
    click.echo(summary.format_invitations(run))
    sys.exit(EXIT_FINDINGS if run.has_errors else EXIT_OK)


@main.command()
@click.argument("ledger", type=click.Path())
@click.option("--meeting", "meeting_id", default=None, help="この会議IDの会議の議事録を作ります。")
@click.option("--month", default=None, help="この月（YYYY-MM）に開催する会議の議事録をすべて作ります。")
@out_option
@templates_option
@password_option
def minutes(ledger: str, meeting_id: str | None, month: str | None, out_dir: str,
            templates_dir: str | None, password: str | None) -> None:
    """会議の議事録を作ります（協議記録があれば記入済み、なければ手書き用の罫線）。

    ガイドブックの進め方（目指す地域像と前回の振り返り → 近況報告 → 議題 →
    地域課題・資源・アイデア → 合意事項 → 宿題 → 次回予定）の順です。中止の会議は作りません。

    \b
    例:
      sasaeai minutes samples/aoba_ledger.xlsx --month 2026-11 --out 出力
      sasaeai minutes 台帳.xlsx --meeting C0-04 --out 出力
    """
    run = workflows.make_minutes(ledger, out_dir, meeting_id=meeting_id, month=month,
                                 templates_dir=templates_dir, password=password)
    click.echo(summary.format_minutes(run))
    sys.exit(EXIT_FINDINGS if run.has_errors else EXIT_OK)


@main.command()
@click.argument("ledger", type=click.Path())
@click.option("--fiscal-year", type=click.IntRange(1989, 2200), required=True,
              help="報告する年度（西暦。例: 2026 = 令和8年度、2026年4月1日〜2027年3月31日）。")
@click.option("--as-of", "as_of", default=None,
              help="集計基準日（例: 2026-11-30、R8.11.30。既定: 今日）。この日より前の会議を開催済として数えます。")
@out_option
@templates_option
@password_option
def annual(ledger: str, fiscal_year: int, as_of: str | None, out_dir: str, templates_dir: str | None,
           password: str | None) -> None:
    """年次報告書（グラフ入り）と都道府県向けの年次集計（.xlsx）を作ります。

    開催回数は開催済の会議（状態が開催済、または基準日より前で中止でないもの）だけを数え、
    年度途中はこれからの予定を「見込み」として別に示します。

    \b
    例:
      sasaeai annual samples/aoba_ledger.xlsx --fiscal-year 2026 --out 出力
      sasaeai annual samples/aoba_ledger.xlsx --fiscal-year 2026 --as-of 2026-11-30 --out 出力
    """
    result = workflows.make_annual(ledger, fiscal_year, out_dir, templates_dir=templates_dir, password=password,
                                   as_of=as_of)
    click.echo(summary.format_annual(result))


@main.command()
@click.argument("ledger", type=click.Path())
@click.option("--month", required=True, help="処理する月（YYYY-MM）。翌月の会議の通知と今月の会議の議事録を作ります。")
@click.option("--out", "out_dir", required=True, type=click.Path(),
              help="出力先フォルダ（その中に YYYY-MM フォルダを作ります）。")
@click.option("--pdf", is_flag=True, help="すべての .docx の PDF も作ります（LibreOffice が必要）。")
@click.option("--pdf-timeout", type=click.FloatRange(min=1), default=None, metavar="秒",
              help="PDF 変換の制限時間（秒）。既定は 60 秒＋1ファイルにつき 5 秒。")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="通知を作る並列プロセス数。")
@click.option("--annual", "with_annual", is_flag=True, help="3月以外でも年次報告書を作ります。")
@click.option("--as-of", "as_of", default=None,
              help="この日より前の会議を開催済みとみなします（まとめ・謝礼・公開用会議録・だより）。既定は今日。")
@label_start_option
@templates_option
@password_option
def monthly(ledger: str, month: str, out_dir: str, pdf: bool, pdf_timeout: float | None, jobs: int,
            with_annual: bool, as_of: str | None, label_start: int, templates_dir: str | None,
            password: str | None) -> None:
    """月次処理: 点検、翌月の会議の通知一式、今月の会議の議事録、3月は年次報告書。

    今月の会議でまだ通知していないものは「遅れ」として今月発送分を作ります。
    会議の日時・場所・議題が変わっていれば「改訂」として作り直し、旧版を受け取った方を一覧にします。
    出力先の YYYY-MM フォルダに manifest.json（全ファイルと sha256・元の台帳の行）と 一覧.txt を保存します。
    同じ台帳で再実行しても同じファイルになり、変わらないファイルは書き直しません。

    \b
    例:
      sasaeai monthly samples/aoba_ledger.xlsx --month 2026-12 --out 出力
      sasaeai monthly 台帳.xlsx --month 2027-03 --out 出力 --pdf --jobs 2
    """
    if pdf:
        find_soffice()    # say so before any work when LibreOffice is missing
    with _progress(messages.PROGRESS_BATCH) as (progress, on_total):
        batch = workflows.run_monthly(ledger, month, out_dir, pdf=pdf, jobs=jobs, annual=with_annual,
                                      pdf_timeout=pdf_timeout, today=workflows.parse_day(as_of),
                                      templates_dir=templates_dir, password=password, label_start=label_start,
                                      progress=progress, on_total=on_total)
    click.echo(summary.format_monthly(batch))
    click.echo(summary.format_monthly_done(batch))
    sys.exit(EXIT_FINDINGS if batch.has_errors else EXIT_OK)


@main.command()
@click.argument("batch", type=click.Path(file_okay=False))
@click.option("--send", "really", is_flag=True, help="実際に送信します（付けなければ送信予定の表示だけ）。")
@click.option("--host", default=None, help="SMTP サーバー（既定: 環境変数 SASAEAI_SMTP_HOST、なければ localhost）。")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="ポート（既定: SASAEAI_SMTP_PORT、なければ TLS の方式に応じて 587/465/25）。")
@click.option("--user", default=None, help="ユーザー名（既定: SASAEAI_SMTP_USER）。パスワードは環境変数 SASAEAI_SMTP_PASSWORD だけから読みます。")
@click.option("--tls", type=click.Choice(["starttls", "ssl", "none"]), default=None,
              help="暗号化の方式（既定: SASAEAI_SMTP_TLS、なければ starttls）。")
@click.option("--ca-file", type=click.Path(dir_okay=False), default=None,
              help="独自の認証局の証明書（PEM）。既定: 環境変数 SASAEAI_SMTP_CA_FILE。")
@click.option("--timeout", type=click.FloatRange(1, 600), default=30.0, show_default=True,
              help="接続とサーバーの応答を待つ秒数。")
@click.option("--rate", type=click.FloatRange(0, 10000), default=0.0, show_default=True,
              help="1分あたりの最大送信数（0 = 制限なし）。送信数を制限するプロバイダー向け。")
@click.option("--resend-revised", is_flag=True, help="旧版を受け取った方にも改訂版を送ります（件名に【訂正】）。")
@click.option("--retry-unconfirmed", is_flag=True, help="届いたか確認できなかった送信をやり直します（届いていないことを確かめてから）。")
@click.option("--retries", type=click.IntRange(1, 10), default=3, show_default=True, help="一時的な失敗の再試行回数。")
@click.option("--retry-wait", type=click.FloatRange(0, 600), default=2.0, show_default=True,
              help="最初の再試行までの秒数（毎回2倍）。")
@click.option("--templates", "templates_dir", default=None, type=click.Path(file_okay=False),
              help="メール本文テンプレート（mail.txt）のあるフォルダ。")
def send(batch: str, really: bool, host, port, user, tls, ca_file, timeout: float, rate: float,
         resend_revised: bool, retry_unconfirmed: bool, retries: int, retry_wait: float, templates_dir) -> None:
    """sasaeai monthly で作った月のフォルダの通知を、メールの構成員に送ります。

    出力フォルダの 送信ログ.jsonl に記録し、同じ版の通知を同じ方に二度送りません（月をまたいでも）。
    本文を送った後に応答が途切れたものは「未確認」とし、自動では再送しません。

    \b
    例:
      sasaeai send 出力/2026-12
      SASAEAI_SMTP_PASSWORD=... sasaeai send 出力/2026-12 --send --host smtp.example.jp --user aoba
    """
    settings = workflows.Settings.from_environment(
        host=host, port=port, user=user, tls=tls, ca_file=ca_file, timeout=timeout, rate=rate, retries=retries,
        retry_wait=retry_wait) if really else None
    with _progress(messages.PROGRESS_SEND) as (progress, on_total):
        report = workflows.send_batch(batch, settings, really=really, resend_revised=resend_revised,
                                      retry_unconfirmed=retry_unconfirmed, templates_dir=templates_dir,
                                      progress=progress, on_total=on_total)
    click.echo(summary.format_send(report, really))
    sys.exit(report.exit_code)


@main.group()
def templates() -> None:
    """Word テンプレートの書き出しと点検。

    \b
    例:
      sasaeai templates export 私のテンプレート
      sasaeai templates check 私のテンプレート
    """


@templates.command("export")
@click.argument("folder", type=click.Path())
@click.option("--force", is_flag=True, help="既にあるファイルを上書きします。")
def templates_export(folder: str, force: bool) -> None:
    """既定のテンプレートを FOLDER に書き出します（Word で編集して --templates で使います）。

    \b
    例:
      sasaeai templates export 私のテンプレート
    """
    click.echo(summary.format_exported(workflows.export_templates(folder, force)))


@templates.command("check")
@click.argument("folder", type=click.Path())
def templates_check(folder: str) -> None:
    """FOLDER のテンプレートが使う変数のうち、存在しないものを報告します。

    終了コード: 0 = 問題なし、1 = 使えない変数あり、2 = テンプレートを読めない。

    \b
    例:
      sasaeai templates check 私のテンプレート
    """
    report = workflows.check_template_folder(folder)
    click.echo(summary.format_template_checks(report.checks))
    sys.exit(EXIT_OK if report.ok else EXIT_FINDINGS)


@main.command()
@click.argument("ledger", type=click.Path())
@click.option("--council", "council_id", required=True, help="委嘱状・委員名簿を作る協議体の協議体ID。")
@click.option("--as-of", "as_of", default=None, help="この日に在任中の構成員が対象（例: 2026-04-01）。既定は今日。")
@out_option
@templates_option
@password_option
def appointments(ledger: str, council_id: str, as_of: str | None, out_dir: str, templates_dir: str | None,
                 password: str | None) -> None:
    """協議体の委嘱状（在任中の構成員全員、1人1ページ）と委員名簿を作ります。

    委嘱状は通知と同じ発信者（第1層は首長、第2層は協議体の発信者または事務局）の名前で作ります。
    月次処理は、就任日がその月の構成員の委嘱状を自動で作ります。

    \b
    例:
      sasaeai appointments samples/aoba_ledger.xlsx --council C0 --as-of 2026-04-01 --out 出力
    """
    result = workflows.make_appointments(ledger, council_id, out_dir, as_of=workflows.parse_day(as_of),
                                         templates_dir=templates_dir, password=password)
    click.echo(summary.format_appointments(result))


@main.command()
@click.argument("ledger", type=click.Path())
@click.option("--as-of", "as_of", default=None, help="いつ時点の引継書か（例: 2027-03-31）。既定は今日。")
@out_option
@templates_option
@password_option
def handover(ledger: str, as_of: str | None, out_dir: str, templates_dir: str | None, password: str | None) -> None:
    """人事異動のときの引継書を作ります（SC・協議体と構成員・前回と次回・未了の宿題・地域課題・活動・点検の指摘）。

    \b
    例:
      sasaeai handover samples/aoba_ledger.xlsx --as-of 2027-03-31 --out 出力
    """
    path = workflows.make_handover(ledger, out_dir, as_of=workflows.parse_day(as_of), templates_dir=templates_dir,
                                   password=password)
    click.echo(messages.HANDOVER_MADE.format(path=path))


@main.command()
@click.argument("ledger", required=False, type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", default="出力", show_default=True, type=click.Path(file_okay=False),
              help="出力先フォルダ（月次処理の YYYY-MM フォルダを作ります）。")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="待ち受けるポート番号。")
@click.option("--no-browser", is_flag=True, help="ブラウザを自動で開きません（表示されたアドレスを開いてください）。")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="待ち受けるアドレス。自分の PC 以外を指定するには --allow-remote が必要です。")
@click.option("--allow-remote", is_flag=True, help="他の端末からの接続を許します（警告を表示します）。")
def serve(ledger: str | None, out_dir: str, port: int, no_browser: bool, host: str, allow_remote: bool) -> None:
    """ブラウザで使う画面を開きます（台帳の選択・点検・今月の処理・メール送信・テンプレート）。

    自分の PC（127.0.0.1）だけで待ち受け、起動のたびに作る合言葉付きのアドレスでだけ開けます。
    終了するときはこのウィンドウで Ctrl+C を押します。

    \b
    例:
      sasaeai serve samples/aoba_ledger.xlsx --out 出力
      sasaeai serve --port 8800 --no-browser
    """
    from .web.server import serve as run_server

    run_server(ledger, out_dir, host=host, port=port, allow_remote=allow_remote, open_browser=not no_browser,
               echo=click.echo)


if __name__ == "__main__":  # pragma: no cover
    main()

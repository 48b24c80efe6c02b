"""The web page: the CLI's workflows behind a few server-rendered pages.

Every URL starts with the random token made when the server starts; a
request without it gets 403. Every POST carries the CSRF token of the page
that sent it. Files are only ever served from the output folder, the
ledger is only ever read, and uploads are size-limited and checked as xlsx
before anything reads them.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import secrets
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, Response, abort, jsonify, redirect, render_template, request, send_file

from .. import messages, summary, workflows
from ..batch import store
from ..batch.send import Settings
from ..documents.registry import all_templates
from ..documents.templates import TEXT_TEMPLATES
from ..errors import OutputError, SasaeaiError
from ..japanese import format_date
from ..ledger.findings import ERROR, INFO, SEVERITY_JA, WARNING
from ..ledger.reader import read_workbook_bytes
from ..render.output import atomic_write, inside, safe_filename, workbook_bytes
from .jobs import JobRunner
from .settings import WebSettings, config_dir

UPLOAD_LIMIT_MB = 50
_SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass
class Smtp:
    """SMTP settings from the form. The password stays in this process's memory only."""

    host: str = "localhost"
    port: int = 587
    user: str = ""
    tls: str = "starttls"
    sender_password: str = field(default="", repr=False)


@dataclass
class State:
    """What one running server knows."""

    token: str
    csrf: str
    out_dir: Path
    config: Path
    ledger: Path | None = None
    settings: WebSettings = field(default_factory=WebSettings)
    smtp: Smtp = field(default_factory=Smtp)
    runner: JobRunner = field(default_factory=JobRunner)

    @property
    def templates_dir(self) -> Path | None:
        folder = self.config / "templates"
        return folder if folder.is_dir() and any(folder.iterdir()) else None


def new_state(out_dir: str | Path, ledger: str | Path | None = None, config: Path | None = None) -> State:
    config = config or config_dir()
    state = State(token=secrets.token_urlsafe(24), csrf=secrets.token_urlsafe(24), out_dir=Path(out_dir).resolve(),
                  config=config, settings=WebSettings.load(config))
    if ledger:
        _choose(state, Path(ledger))
    return state


def default_month(today: dt.date | None = None) -> str:
    """This month: `monthly` for it makes next month's letters and this month's minutes."""
    today = today or dt.date.today()
    return f"{today.year:04d}-{today.month:02d}"


def create_app(state: State) -> Flask:
    prefix = f"/{state.token}"
    # Even the style sheet sits behind the token: nothing answers without it.
    app = Flask(__name__, static_url_path=prefix + "/static")
    app.config["MAX_CONTENT_LENGTH"] = UPLOAD_LIMIT_MB * 1024 * 1024

    @app.before_request
    def require_token():
        path = request.path
        if not (path == prefix or path.startswith(prefix + "/")):
            return _page_error(messages.WEB_FORBIDDEN, 403)
        if request.method == "POST":
            sent = request.form.get("csrf", "")          # an oversized upload stops here with 413
            if not hmac.compare_digest(sent.encode(), state.csrf.encode()):
                return _page_error(messages.WEB_CSRF, 403)
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        # Nothing of this page may be framed, cached by a proxy, or read by another origin.
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Content-Security-Policy"] = ("default-src 'self'; img-src 'self' data:; "
                                                       "style-src 'self'; script-src 'self'")
        return response

    @app.errorhandler(413)
    def too_large(_exc):
        return _page_error(messages.WEB_TOO_LARGE.format(limit=UPLOAD_LIMIT_MB), 413)

    @app.errorhandler(SasaeaiError)
    def user_error(exc: SasaeaiError):
        return _page_error(exc.message, 400)

    def url(path: str = "") -> str:
        return f"{prefix}/{path}"

    def page(template: str, **values) -> str:
        return render_template(template, url=url, csrf=state.csrf, state=state, step=template.split(".")[0],
                               **values)

    def _page_error(message: str, status: int):
        return render_template("error.html", url=url, csrf=state.csrf, state=state, step="", message=message), status

    # --- 1 台帳を選ぶ -------------------------------------------------------------
    @app.get(prefix)
    @app.get(prefix + "/")
    def home():
        return redirect(url("ledger"))

    @app.get(prefix + "/ledger")
    def ledger_page():
        return page("ledger.html", info=_ledger_info(state), recent=state.settings.recent)

    @app.post(prefix + "/ledger/upload")
    def ledger_upload():
        upload = request.files.get("ledger")
        if upload is None or not upload.filename:
            return _page_error(messages.WEB_NO_FILE, 400)
        name = Path(upload.filename).name
        if not name.lower().endswith((".xlsx", ".xlsm")):
            return _page_error(messages.WEB_NOT_XLSX_NAME.format(name=name), 400)
        data = upload.read()
        # A folder per content keeps the staff's own file name on screen and two uploads apart.
        target = state.config / "uploads" / hashlib.sha256(data).hexdigest()[:16] / safe_filename(name)
        atomic_write(target, data)
        try:
            read_workbook_bytes(target)            # refuses non-xlsx, unsafe XML, broken files
        except SasaeaiError:
            target.unlink(missing_ok=True)
            target.parent.rmdir()
            raise
        _choose(state, target)
        return redirect(url("check"), code=303)

    @app.post(prefix + "/ledger/pick")
    def ledger_pick():
        chosen = request.form.get("path", "")
        if chosen not in state.settings.recent:
            abort(400)
        _choose(state, Path(chosen))
        return redirect(url("check"), code=303)

    # --- 2 点検 ---------------------------------------------------------------------
    @app.get(prefix + "/check")
    def check_page():
        report = _report(state)
        if report is None:
            return redirect(url("ledger"))
        severity = request.args.get("severity", "")
        sheet = request.args.get("sheet", "")
        findings = sorted(report.findings, key=lambda f: _SEVERITY_ORDER[f.severity])
        current = [f for f in findings if not f.past]
        past = [f for f in findings if f.past]
        shown = [f for f in current if (not severity or f.severity == severity) and (not sheet or f.sheet == sheet)]
        return page("check.html", report=report, findings=shown, past=past, severity=severity, sheet=sheet,
                    sheets=sorted({f.sheet for f in report.findings if f.sheet}),
                    severities=[(s, SEVERITY_JA[s]) for s in (ERROR, WARNING, INFO)],
                    counts={s: report.count(s) for s in (ERROR, WARNING, INFO)}, severity_ja=SEVERITY_JA)

    @app.get(prefix + "/check.xlsx")
    def check_download():
        report = _report(state)
        if report is None:
            return redirect(url("ledger"))
        return send_file(io.BytesIO(_findings_workbook(report)), as_attachment=True, download_name="点検結果.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    # --- 3 今月の処理 ------------------------------------------------------------------
    @app.get(prefix + "/month")
    def month_page():
        month = request.args.get("month") or default_month()
        job = state.runner.current if state.runner.current and state.runner.current.kind == "monthly" else None
        batch = job.result if job and job.finished and not job.error else None
        manifest = store.read_manifest_or_empty(state.out_dir / month) if _is_month(month) else None
        return page("month.html", month=month, job=job, batch=batch,
                    summary_text=summary.format_monthly(batch) if batch else "",
                    counts=summary.monthly_counts(batch) if batch else [],
                    contents=summary.batch_contents(manifest) if manifest else [],
                    has_soffice=_has_soffice())

    @app.post(prefix + "/month/run")
    def month_run():
        if state.ledger is None:
            return _page_error(messages.WEB_NO_LEDGER, 400)
        month = request.form.get("month", "").strip() or default_month()
        pdf, annual = bool(request.form.get("pdf")), bool(request.form.get("annual"))
        ledger, out_dir, templates_dir = state.ledger, state.out_dir, state.templates_dir
        state.runner.start("monthly", lambda progress, on_total: workflows.run_monthly(
            ledger, month, out_dir, pdf=pdf, annual=annual, templates_dir=templates_dir,
            progress=progress, on_total=on_total))
        state.settings.out_dir = str(out_dir)
        state.settings.save(state.config)
        return redirect(url(f"month?month={month}"), code=303)

    @app.get(prefix + "/job")
    def job_status():
        job = state.runner.current
        return jsonify(job.snapshot() if job else {"kind": "", "total": 0, "done": 0, "finished": True, "error": ""})

    @app.get(prefix + "/files/<path:rel>")
    def download(rel: str):
        path = _output_file(state, rel)
        return send_file(path, as_attachment=True, download_name=path.name)

    @app.get(prefix + "/zip/<month>")
    def download_zip(month: str):
        if not _is_month(month):
            abort(404)
        folder = state.out_dir / month
        manifest = store.read_manifest_or_empty(folder)
        if manifest is None:
            return _page_error(messages.WEB_NO_BATCH.format(month=month), 404)
        names = [f.path for f in manifest.files] + [f.pdf for f in manifest.files if f.pdf]
        names += [store.MANIFEST, store.SUMMARY]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for rel in names:
                path = folder / rel
                if path.is_file():
                    archive.write(path, f"{month}/{rel}")
        buffer.seek(0)
        return send_file(buffer, as_attachment=True, download_name=f"sasaeai_{month}.zip", mimetype="application/zip")

    @app.get(prefix + "/preview/<path:rel>")
    def preview(rel: str):
        from .preview import first_page_png

        path = _output_file(state, rel)
        png = first_page_png(path, state.config / "previews")
        if png is None:
            return _page_error(messages.WEB_PREVIEW_UNAVAILABLE, 404)
        return send_file(io.BytesIO(png), mimetype="image/png")

    # --- 4 メール送信 ---------------------------------------------------------------------
    @app.get(prefix + "/mail")
    def mail_page():
        month = request.args.get("month") or default_month()
        job = state.runner.current if state.runner.current and state.runner.current.kind == "send" else None
        return page("mail.html", month=month, smtp=state.smtp, job=job, plan=None, options=_mail_options(),
                    result=job.result if job and job.finished and not job.error else None)

    @app.post(prefix + "/mail/plan")
    def mail_plan():
        month = request.form.get("month", "")
        _read_smtp_form(state)
        report = _dry_run(state, month, _mail_options())
        return page("mail.html", month=month, smtp=state.smtp, job=None, plan=report, result=None,
                    options=_mail_options())

    @app.post(prefix + "/mail/send")
    def mail_send():
        month = request.form.get("month", "")
        confirmed = int(request.form.get("count", "-1") or -1)
        options = _mail_options()
        report = _dry_run(state, month, options)
        if len(report.would_send) != confirmed:
            return _page_error(messages.WEB_MAIL_CHANGED.format(confirmed=confirmed, now=len(report.would_send)), 409)
        if not report.would_send:
            return _page_error(messages.WEB_MAIL_NOTHING, 400)
        smtp, folder, templates_dir = state.smtp, state.out_dir / month, state.templates_dir
        settings = Settings(host=smtp.host, port=smtp.port, user=smtp.user, password=smtp.sender_password,
                            tls=smtp.tls)
        state.runner.start("send", lambda progress, on_total: workflows.send_batch(
            folder, settings, really=True, templates_dir=templates_dir, progress=progress, on_total=on_total,
            **options))
        return redirect(url(f"mail?month={month}"), code=303)

    # --- 5 テンプレート ------------------------------------------------------------------
    @app.get(prefix + "/templates")
    def templates_page():
        report = workflows.check_template_folder(state.templates_dir or _empty_dir(state))
        return page("templates.html", report=report, text=summary.format_template_checks(report.checks),
                    names=_template_names(), custom=state.templates_dir is not None)

    @app.get(prefix + "/templates/default.zip")
    def templates_zip():
        from ..documents.base import default_template_bytes

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in _template_names():
                archive.writestr(name, default_template_bytes(name))
        buffer.seek(0)
        return send_file(buffer, as_attachment=True, download_name="sasaeai_テンプレート.zip",
                         mimetype="application/zip")

    @app.post(prefix + "/templates/upload")
    def templates_upload():
        names = _template_names()
        saved = []
        for upload in request.files.getlist("templates"):
            name = Path(upload.filename or "").name
            if not name:
                continue
            if name not in names:
                return _page_error(messages.WEB_TEMPLATE_BAD_NAME.format(name=name, names="、".join(names)), 400)
            atomic_write(state.config / "templates" / name, upload.read())
            saved.append(name)
        if not saved:
            return _page_error(messages.WEB_NO_FILE, 400)
        return redirect(url("templates"), code=303)

    return app


# --- helpers ---------------------------------------------------------------------------------

def _choose(state: State, ledger: Path) -> None:
    state.ledger = ledger.resolve()
    state.settings.remember(str(state.ledger))
    state.settings.save(state.config)


def _report(state: State):
    if state.ledger is None:
        return None
    return workflows.check_ledger(state.ledger, out_root=state.out_dir)


def _ledger_info(state: State) -> dict | None:
    if state.ledger is None:
        return None
    from ..ledger.check import load_and_check

    ledger, _report_ = load_and_check(state.ledger)
    modified = dt.datetime.fromtimestamp(state.ledger.stat().st_mtime)
    return {"name": state.ledger.name, "path": str(state.ledger),
            "modified": f"{format_date(modified.date(), weekday=False)} {modified:%H:%M}",
            "municipality": ledger.info.municipality}


def _is_month(text: str) -> bool:
    return len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit()


def _output_file(state: State, rel: str) -> Path:
    """A file inside the output folder, or 404: no '..', no absolute path, no folder listing, no link out."""
    try:
        path = inside(state.out_dir, rel)
    except OutputError:
        abort(404)
    if not path.is_file() or path.is_symlink():
        abort(404)
    return path


def _has_soffice() -> bool:
    from ..batch.pdf import find_soffice

    try:
        find_soffice()
    except SasaeaiError:
        return False
    return True


def _read_smtp_form(state: State) -> None:
    form = request.form
    smtp = state.smtp
    smtp.host = form.get("host", smtp.host).strip() or "localhost"
    try:
        smtp.port = int(form.get("port", smtp.port))
    except ValueError:
        raise SasaeaiError(messages.WEB_PORT_INVALID.format(value=form.get("port", ""))) from None
    smtp.user = form.get("user", smtp.user).strip()
    tls = form.get("tls", smtp.tls)
    smtp.tls = tls if tls in ("starttls", "ssl", "none") else "starttls"
    password = form.get("password", "")
    if password:   # an empty field keeps the one given before; it is never sent back to the page
        smtp.sender_password = password


def _mail_options() -> dict:
    """The two choices staff make on the page, as send_batch's keyword arguments."""
    form = request.form if request.method == "POST" else {}
    return {"resend_revised": bool(form.get("resend_revised")), "retry_unconfirmed": bool(form.get("retry_unconfirmed"))}


def _dry_run(state: State, month: str, options: dict):
    if not _is_month(month) or store.read_manifest_or_empty(state.out_dir / month) is None:
        raise SasaeaiError(messages.WEB_NO_BATCH.format(month=month))
    return workflows.send_batch(state.out_dir / month, None, really=False, templates_dir=state.templates_dir,
                                **options)


def _template_names() -> list[str]:
    return [t.filename for _doc, t in all_templates()] + list(TEXT_TEMPLATES)


def _empty_dir(state: State) -> Path:
    folder = state.config / "no-templates"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _findings_workbook(report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "点検結果"
    ws.append(["種別", "場所", "内容", "コード", "ガイドブック"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for f in sorted(report.findings, key=lambda f: _SEVERITY_ORDER[f.severity]):
        ws.append([SEVERITY_JA[f.severity], f.location, f.message, f.code, f.section])
    for letter, width in zip("ABCDE", (8, 22, 80, 26, 30)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    return workbook_bytes(wb)

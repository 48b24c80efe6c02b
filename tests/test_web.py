"""The local web page: HTTP-level security, and the month's work in a real browser."""
from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import zipfile
from pathlib import Path

import pytest
from conftest import SAMPLE

from generator.batch import store
from generator.errors import UsageError
from generator.web.app import create_app, new_state
from generator.web.server import check_host, make_server


@pytest.fixture
def web(tmp_path):
    """(client, state) of a page on the sample ledger, with its own settings folder."""
    state = new_state(tmp_path / "out", SAMPLE, config=tmp_path / "config")
    app = create_app(state)
    return app.test_client(), state


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_request_without_the_token_is_refused(web):
    client, state = web
    for path in ("/", "/ledger", "/check", "/job", f"/{state.token[:-1]}/ledger", "/static/style.css",
                 f"/x/{state.token}/ledger"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "sasaeai serve が表示したアドレス" in response.get_data(as_text=True)
    assert client.get(f"/{state.token}/ledger").status_code == 200
    assert client.get(f"/{state.token}/static/style.css").status_code == 200


def test_a_post_without_the_pages_csrf_token_changes_nothing(web, tmp_path):
    client, state = web
    response = client.post(f"/{state.token}/month/run", data={"month": "2026-12"})
    assert response.status_code == 403
    assert "有効期限" in response.get_data(as_text=True)
    response = client.post(f"/{state.token}/month/run", data={"month": "2026-12", "csrf": "guess"})
    assert response.status_code == 403
    assert state.runner.current is None and not (tmp_path / "out").exists()


def test_downloads_come_only_from_the_output_folder(web, tmp_path):
    client, state = web
    secret = tmp_path / "secret.txt"
    secret.write_text("ひみつ", encoding="utf-8")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "ok.txt").write_text("出力", encoding="utf-8")
    base = f"/{state.token}/files/"
    assert client.get(base + "ok.txt").get_data(as_text=True) == "出力"
    for attempt in ("../secret.txt", "..%2Fsecret.txt", "%2E%2E/secret.txt", str(secret), "/" + str(secret),
                    "%2F" + str(secret).lstrip("/").replace("/", "%2F"), "", ".", "..", "../config/web-settings.json"):
        response = client.get(base + attempt)
        assert response.status_code in (404, 308), attempt
        assert "ひみつ" not in response.get_data(as_text=True)
    # No directory listing either.
    assert client.get(f"/{state.token}/files/").status_code == 404


def test_an_oversized_upload_is_refused_with_a_clear_message(web):
    client, state = web
    client.application.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    big = io.BytesIO(b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024))
    response = client.post(f"/{state.token}/ledger/upload", data={"csrf": state.csrf, "ledger": (big, "台帳.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "ファイルが大きすぎます" in response.get_data(as_text=True)


def test_an_upload_is_checked_as_xlsx_before_it_is_read(web):
    client, state = web
    for name, data, expected in (("台帳.csv", b"a,b\n", "は .xlsx ファイルではありません"),
                                 ("台帳.xlsx", b"a,b\n1,2\n", "CSV"),
                                 ("台帳.xlsx", b"PK\x03\x04broken", "壊れている")):
        response = client.post(f"/{state.token}/ledger/upload",
                               data={"csrf": state.csrf, "ledger": (io.BytesIO(data), name)},
                               content_type="multipart/form-data")
        assert response.status_code == 400, name
        assert expected in response.get_data(as_text=True)
    uploads = state.config / "uploads"
    assert not uploads.exists() or list(uploads.rglob("*")) == []


def test_the_page_never_writes_the_ledger_and_remembers_it(web):
    client, state = web
    before = digest(SAMPLE)
    page = client.get(f"/{state.token}/ledger").get_data(as_text=True)
    assert "あおば町" in page and SAMPLE.name in page
    assert client.get(f"/{state.token}/check").status_code == 200
    assert client.get(f"/{state.token}/check.xlsx").status_code == 200
    assert digest(SAMPLE) == before
    settings = json.loads((state.config / "web-settings.json").read_text(encoding="utf-8"))
    assert settings["recent"][0] == str(SAMPLE.resolve())


def test_only_loopback_without_an_explicit_flag():
    assert check_host("127.0.0.1", False) is None
    assert check_host("localhost", False) is None
    with pytest.raises(UsageError, match="--allow-remote"):
        check_host("0.0.0.0", False)
    assert "他の端末" in check_host("0.0.0.0", True)


# --- in a real browser ---------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")


def _browser_or_skip():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (.ci/run)")
        pytest.skip("no /usr/bin/chromium on this machine")
    return pytest.importorskip("playwright.sync_api")


def test_a_months_work_in_the_browser(tmp_path, smtp_server):
    sync_api = _browser_or_skip()
    controller, received = smtp_server
    shots = Path(os.environ["SASAEAI_SCREENSHOTS"]) if os.environ.get("SASAEAI_SCREENSHOTS") else tmp_path / "shots"
    shots.mkdir(parents=True, exist_ok=True)
    server, url, state = make_server(None, tmp_path / "out", port=0, config=tmp_path / "config")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
            page.goto(url)
            assert "台帳を選ぶ" in page.title()
            page.screenshot(path=str(shots / "1_ledger.png"))
            page.set_input_files("input[name=ledger]", str(SAMPLE))
            page.click("text=この台帳を使う")
            page.wait_for_url("**/check")
            assert page.locator("tr.warning").count() >= 5
            assert "あおば町" not in page.locator("td.place").all_inner_texts()
            page.screenshot(path=str(shots / "2_check.png"), full_page=False)

            page.click("nav >> text=今月の処理")
            page.fill("input[name=month]", "2026-12")
            page.click("text=実行する")
            page.wait_for_selector("#bar-state:has-text('完了しました')", timeout=60_000)
            bar = page.locator("#bar")
            assert bar.get_attribute("value") == bar.get_attribute("max") != "0"
            page.screenshot(path=str(shots / "3_month.png"), full_page=True)
            with page.expect_download() as download_info:
                page.click("text=この月のファイルをまとめてダウンロード")
            archive = zipfile.ZipFile(download_info.value.path())
            manifest = store.read_manifest(tmp_path / "out" / "2026-12")
            expected = {f"2026-12/{f.path}" for f in manifest.files} | {"2026-12/manifest.json", "2026-12/一覧.txt"}
            assert set(archive.namelist()) == expected

            page.click("text=メール送信へ進む")
            page.fill("input[name=host]", "127.0.0.1")
            page.fill("input[name=port]", str(controller.port))
            page.select_option("select[name=tls]", "none")
            page.click("text=送信予定を確認する")
            heading = page.locator("h2:has-text('送信予定')").inner_text()
            planned = int(heading.split()[1])
            assert planned == sum(1 for m in manifest.meetings for x in m.letters if x.delivery == "メール") > 0
            assert len(received.messages) == 0          # the dry run sends nothing
            page.screenshot(path=str(shots / "4_mail.png"), full_page=True)
            page.click(f"text={planned} 件を送信する")
            page.wait_for_selector("#bar-state:has-text('完了しました')", timeout=60_000)
            page.screenshot(path=str(shots / "5_sent.png"), full_page=True)
            assert len(received.messages) == planned
            # Sending again from the page sends nothing more: the same send log as the CLI.
            page.click("nav >> text=メール送信")
            page.fill("input[name=month]", "2026-12")
            page.fill("input[name=host]", "127.0.0.1")
            page.fill("input[name=port]", str(controller.port))
            page.select_option("select[name=tls]", "none")
            page.click("text=送信予定を確認する")
            assert page.locator("h2:has-text('送信予定')").inner_text().split()[1] == "0"
            browser.close()
    finally:
        server.close()
    assert len(received.messages) == planned


def test_file_links_survive_hash_and_percent_in_names(web, tmp_path):
    import re as _re

    from generator.batch.store import FileEntry, Manifest, write_manifest

    client, state = web
    folder = tmp_path / "out" / "2026-12" / "議事録"
    folder.mkdir(parents=True)
    (folder / "町の会議#1%41.docx").write_bytes(b"PK-doc")
    write_manifest(tmp_path / "out" / "2026-12", Manifest(month="2026-12", files=[
        FileEntry(path="議事録/町の会議#1%41.docx", sha256="x", kind="minutes", rows=[])]))
    page = client.get(f"/{state.token}/month?month=2026-12").get_data(as_text=True)
    [href] = [h for h in _re.findall(r'href="([^"]+)"', page) if "files/" in h]
    assert "#" not in href and "%2541" in href
    assert client.get(href).get_data() == b"PK-doc"

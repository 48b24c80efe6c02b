"""`send` throughput against a loopback SMTP server, next to a bare smtplib loop, in one run.

Makes one real letter of the sample ledger, then a batch folder of N
e-mail letters (default 500) that all attach it, and starts an aiosmtpd
server on 127.0.0.1 (in its own process) that accepts everything. Then:
  send : generator.batch.send.send_batch(really=True) - reads the log, checks
         every attachment's sha256, builds every message, logs and fsyncs each
         attempt and outcome, delivers over one connection
  bare : smtplib.SMTP.sendmail of the very same message bytes over one
         connection, nothing else (the floor: what the server and smtplib cost)
and prints messages per second of each and the ratio send / bare.
Target: send >= 100 messages/s.

    python benchmarks/bench_send.py [--count 500]
"""
from __future__ import annotations

import argparse
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generator.batch import store
from generator.batch.send import Settings, send_batch
from generator.workflows import make_invitations

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "aoba_ledger.xlsx"


# The server runs in a process of its own: in this one it would compete for the GIL
# with the client being measured.
SERVER = """
import sys
from aiosmtpd.controller import Controller
class Sink:
    count = 0
    async def handle_DATA(self, server, session, envelope):
        Sink.count += 1
        return "250 2.0.0 OK"

controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.readline()
controller.stop()
print(Sink.count, flush=True)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_batch(folder: Path, count: int) -> Path:
    """A month folder whose manifest lists `count` e-mail letters (copies of one real letter)."""
    made = make_invitations(SAMPLE, folder / "made", meeting_id="C0-05")
    letter = made.results[0].letters[0]
    data = letter.read_bytes()
    digest = store.sha256(data)
    batch = folder / "out" / "2026-12"
    letters, files = [], []
    for i in range(count):
        rel = f"開催通知/C0-05/通知/{i:04d}_M{i:04d}.docx"
        path = batch / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(letter, path)
        letters.append(store.LetterEntry(member_id=f"M{i:04d}", name=f"構成員 {i}番", honorific="様",
                                         delivery="メール", email=f"m{i:04d}@example.jp", file=rel, sha256=digest,
                                         version=store.letter_version("v1", digest)))
        files.append(store.FileEntry(path=rel, sha256=digest, kind="letter", rows=[], meeting_id="C0-05",
                                     member_id=f"M{i:04d}"))
    meeting = store.MeetingEntry(kind="invitation", meeting_id="C0-05", date="2027-01-20",
                                 date_text="令和9年1月20日（水）", title="第5回 あおば町支え合い推進会議",
                                 version="v1", letters=letters)
    sender = {"municipality": "あおば町", "mayor_title": "あおば町長", "mayor_name": "青葉 太郎",
              "department": "福祉課 高齢者支援係", "contact_person": "", "phone": "0000-00-0000", "fax": "",
              "email": "fukushi@town-aoba.example"}
    store.write_manifest(batch, store.Manifest(month="2026-12", sender=sender, meetings=[meeting], files=files))
    return batch


def bare_loop(port: int, messages: list[tuple[str, str, bytes]]) -> float:
    start = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", port, timeout=30)
    for sender, to, data in messages:
        smtp.sendmail(sender, [to], data)
    smtp.quit()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        batch = make_batch(Path(tmp), args.count)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        assert server.stdout.readline().strip() == "ready"
        try:
            settings = Settings(host="127.0.0.1", port=port, tls="none")
            planned = send_batch(batch, settings, really=False).would_send
            # The same bytes for the bare loop: undo the dot-quoting smtplib does itself.
            same = [("fukushi@town-aoba.example", item.to,
                     item.wire[:-3].replace(b"\r\n..", b"\r\n.")) for item in planned]
            start = time.perf_counter()
            report = send_batch(batch, settings, really=True)
            ours = time.perf_counter() - start
            assert len(report.sent) == args.count and report.exit_code == 0
            bare = bare_loop(port, same)
        finally:
            server.stdin.write("stop\n")
            server.stdin.flush()
            accepted = int(server.stdout.readline())
            server.wait()
        assert accepted == 2 * args.count, accepted
    print(f"{args.count} messages to a loopback server (attachment {len(planned[0].wire) // 1024} KB each)")
    print(f"  send : {ours:6.2f} s  {args.count / ours:7.1f} messages/s")
    print(f"  bare : {bare:6.2f} s  {args.count / bare:7.1f} messages/s  (smtplib.sendmail of the same bytes)")
    print(f"  ratio send/bare rate: {bare / ours:.2f}   target: send >= 100 messages/s -> "
          f"{'met' if args.count / ours >= 100 else 'NOT met'}")


if __name__ == "__main__":
    main()

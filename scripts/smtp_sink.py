"""A local SMTP server that accepts every message and keeps it as JSON.

`make dev` runs it so a developer can read what QHub sends (the log line
names the file); the tests run it to read invitation and reset tokens from
real delivered mail. Each message becomes <dir>/<time>-<id>.json with
{from, to, subject, body}; files appear atomically (written, then renamed).

To let tests prove that QHub retries, a recipient whose local part holds
`+failN` (e.g. `ann+fail2@x.test`) is refused with a temporary error (451)
the first N times a message for it arrives, like a flaky relay; one with
`+reject` is refused for good (550), like a mailbox that does not exist.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import re
import time
import uuid

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, directory):
        self.directory = directory
        self.refused = {}

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            if "+reject@" in rcpt:
                print(f"[smtp-sink] rejecting mail to {rcpt} (550, as asked)", flush=True)
                return "550 5.1.1 No such mailbox"
            m = re.search(r"\+fail(\d+)@", rcpt)
            if m and self.refused.get(rcpt.lower(), 0) < int(m.group(1)):
                self.refused[rcpt.lower()] = self.refused.get(rcpt.lower(), 0) + 1
                print(f"[smtp-sink] refusing mail to {rcpt} (451, as asked)", flush=True)
                return "451 4.3.0 Try again later"
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.default)
        part = msg.get_body(preferencelist=("plain",)) or msg
        record = {
            "from": envelope.mail_from,
            "to": [r.lower() for r in envelope.rcpt_tos],
            "subject": str(msg.get("subject", "")),
            "body": part.get_content() if part is not None else "",
        }
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.json"
        path = os.path.join(self.directory, name)
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        print(f"[smtp-sink] to {', '.join(record['to'])}: {record['subject']!r} -> {path}",
              flush=True)
        return "250 OK"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=1025)
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Keep(args.dir), hostname=args.host, port=args.port)
    controller.start()
    print(f"[smtp-sink] listening on {args.host}:{args.port}, mail in {args.dir}", flush=True)
    try:
        asyncio.get_event_loop().run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A real SMTP server for crates/idp/tests/smtp.rs: aiosmtpd (PyPI) on
127.0.0.1, on a free port. Prints `READY <port>`, then every message it
accepts as one JSON line: the envelope, the decoded From/To/Subject, the
text body, and whether the client authenticated. With --user and
--password it requires AUTH (PLAIN or LOGIN, without TLS: loopback only)."""

import argparse
import email
import json
import logging
import socket
import sys
import warnings
from email import policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        body = msg.get_body(preferencelist=("plain",))
        print(
            json.dumps(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "from": str(msg["From"]),
                    "to": str(msg["To"]),
                    "subject": str(msg["Subject"]),
                    "body": body.get_content() if body is not None else "",
                    "authenticated": bool(session.authenticated),
                },
                ensure_ascii=False,
            ),
            flush=True,
        )
        return "250 OK"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False)

    return check


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    # AUTH without TLS is what this loopback test wants: no warnings.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    ap = argparse.ArgumentParser()
    ap.add_argument("--user")
    ap.add_argument("--password")
    args = ap.parse_args()
    extra = {}
    if args.user:
        extra = dict(
            authenticator=authenticator(args.user, args.password or ""),
            auth_required=True,
            auth_require_tls=False,
        )
    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, **extra)
    controller.start()
    print(f"READY {port}", flush=True)
    try:
        # Until the test closes our standard input (or kills us).
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()

"""An SMTP server that accepts every message and writes one line per recipient of it, for the
soak test (bench/soak.sh): the recipient and the message's Message-ID, tab-separated.

Usage: python bench/smtp_count_sink.py PORT FILE   (aiosmtpd, from the venv bench/run.sh makes);
prints "ready" once it listens, and runs until SIGTERM or SIGINT. Each line is flushed when the message is accepted, before the
server answers 250, so a message the worker records as sent is already in FILE.
"""
import signal
import sys
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller


class CountingSink:
    def __init__(self, path):
        self.out = open(path, "a", encoding="utf-8")

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        headers = BytesHeaderParser().parsebytes(content)
        message_id = (headers.get("Message-ID") or "-").strip()
        for rcpt in envelope.rcpt_tos:
            self.out.write(f"{rcpt}\t{message_id}\n")
        self.out.flush()
        return "250 OK"


# Blocked in every thread (the controller's inherits the mask) so that sigwait takes them.
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
sink = CountingSink(sys.argv[2])
controller = Controller(sink, hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()  # raises when the port is taken
print("ready", flush=True)
signal.sigwait([signal.SIGTERM, signal.SIGINT])
controller.stop()
sink.out.close()

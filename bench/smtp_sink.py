"""An SMTP server that accepts every message and keeps none, for the delivery benchmarks.

Usage: python bench/smtp_sink.py PORT   (aiosmtpd, from the venv bench/run.sh makes); runs until
SIGTERM or SIGINT.
"""
import signal
import sys

from aiosmtpd.controller import Controller


class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
signal.sigwait([signal.SIGTERM, signal.SIGINT])
controller.stop()

"""A real SMTP server for the tests: Python's standard smtpd, writing each message it receives
to a file in the folder given as the second argument. Prints "ready" once it listens."""
import os
import sys
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
import asyncore  # noqa: E402  (deprecated, still in Python 3.11)
import smtpd  # noqa: E402

port, folder = int(sys.argv[1]), sys.argv[2]


class Sink(smtpd.SMTPServer):
    count = 0

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        Sink.count += 1
        path = os.path.join(folder, f"{Sink.count:04d}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(f"X-Envelope-From: {mailfrom}\r\nX-Envelope-To: {','.join(rcpttos)}\r\n".encode())
            f.write(data if isinstance(data, bytes) else data.encode())
        os.rename(path + ".tmp", path)


Sink(("127.0.0.1", port), None, decode_data=False)
print("ready", flush=True)
asyncore.loop(timeout=0.5)

"""Serves moto on a loopback port that the kernel chooses when this process binds it, and prints
"moto-port N" on stdout. The caller reads the port from its own child, so the server it then talks to is
provably this process: no port is chosen beforehand that another process could take in between.
"""
import os

from werkzeug.serving import make_server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

server = make_server("127.0.0.1", 0, DomainDispatcherApplication(create_backend_app), threaded=True)
# moto builds some URLs it returns (SQS queue URLs, for one) from MOTO_PORT.
os.environ["MOTO_PORT"] = str(server.port)
print(f"moto-port {server.port}", flush=True)
# Everything after the port line goes to stderr, which the caller keeps for error messages (or drops).
os.dup2(2, 1)
server.serve_forever()

"""nginx in front of the hall benchmark's gunicorn (`bench/hall.py --proxy nginx`), configured
by `manage.py nginx_config --standalone` exactly as a deployment is."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.cpu_meter import children, cpu_seconds

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class Nginx:
    """nginx on 127.0.0.1:`port`, passing every request to gunicorn on `upstream`."""

    def __init__(self, root: Path, folder: Path, host: str, port: int, upstream: int):
        self.folder, self.port = folder, port
        subprocess.run(
            [sys.executable, "manage.py", "nginx_config", "--standalone", str(folder)]
            + ["--listen", f"{host}:{port}", "--upstream", f"{host}:{upstream}"],
            cwd=root,
            check=True,
            capture_output=True,
        )
        self.command = [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")]
        self.command += ["-e", str(folder / "error.log"), "-g", "daemon off;"]
        self.process: subprocess.Popen | None = None

    def start(self, answers) -> None:
        """Start nginx; `answers()` is true once a request through it is answered."""
        if not Path(NGINX).exists():
            raise RuntimeError("nginx is not installed (apt-get install nginx)")
        self.process = subprocess.Popen(self.command, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.folder / 'error.log'}")
            if answers():
                return
            time.sleep(0.1)
        raise RuntimeError("nginx did not answer within 30 s")

    def cpu_seconds(self) -> float:
        if self.process is None:
            return 0.0
        return cpu_seconds([self.process.pid, *children(self.process.pid)])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)


class Serving:
    """The server as the clients meet it: gunicorn, with nginx in front or not; its CPU is
    both together."""

    def __init__(self, server, front: Nginx | None):
        self.server, self.front = server, front

    @property
    def port(self) -> int:
        return self.front.port if self.front else self.server.port

    def cpu_seconds(self) -> float:
        return self.server.cpu_seconds() + (self.front.cpu_seconds() if self.front else 0.0)

    def stop(self) -> None:
        """Stop both; safe before either has started."""
        self.server.stop()
        if self.front is not None:
            self.front.stop()

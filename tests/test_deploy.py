"""The hall's server as deployed: nginx (`manage.py nginx_config`) in front of gunicorn
(`gunicorn.conf.py`), real processes on the loopback with an SQLite file of their own.

The reason for nginx is measured here too: straight on gunicorn's sync workers, a client
that is slow to close its connection (a laptop one Wi-Fi round trip away) holds a worker."""

from __future__ import annotations

import http.client
import io
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from appraisal.management.commands import nginx_config
from meetings.uploads import MAX_DOCUMENT_BYTES

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HOST = "127.0.0.1"
MB = 1024 * 1024
TOKEN = "Tk" + uuid.uuid4().hex  # a seat link's token, as long as the real ones
PASSWORD = "hall-deploy-123"

pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed")


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}: {log.read_text(errors='replace')}")


@contextmanager
def running(command: list[str], port: int, log: Path, env: dict | None = None):
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        wait_for_port(port, process, log)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Installation:
    tmp: Path
    env: dict

    def gunicorn(self, port: int, **env: str):
        """gunicorn as ./run and the deployment start it: settings from gunicorn.conf.py."""
        command = [sys.executable, "-m", "gunicorn", "appraisal.wsgi:application"]
        log = self.tmp / f"gunicorn-{port}.log"
        return running(
            [*command, "--bind", f"{HOST}:{port}"], port, log, {**self.env, "WORKERS": "2", **env}
        )

    def nginx(self, port: int, upstream: int, *options: str):
        prefix = self.tmp / f"nginx-{port}"
        call_command(
            "nginx_config",
            "--standalone",
            str(prefix),
            "--listen",
            f"{HOST}:{port}",
            "--upstream",
            f"{HOST}:{upstream}",
            *options,
            stdout=io.StringIO(),  # the path of the file it wrote
        )
        command = [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
        command += ["-e", str(prefix / "error.log")]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
        assert checked.returncode == 0, checked.stderr
        return running([*command, "-g", "daemon off;"], port, prefix / "error.log")


@pytest.fixture(scope="module")
def installation(tmp_path_factory) -> Installation:
    tmp = tmp_path_factory.mktemp("deploy")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "PRIVATE_ROOT": str(tmp / "private"),
        "SECRET_KEY": "deploy-test-" + uuid.uuid4().hex,
        "DEBUG": "0",
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "DJANGO_SUPERUSER_USERNAME": "hall_admin",
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        "DJANGO_SUPERUSER_EMAIL": "hall@example.org",
    }
    for command in (["migrate", "-v0"], ["createsuperuser", "--noinput"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    return Installation(tmp, env)


@pytest.fixture(scope="module")
def stack(installation):
    """gunicorn with two sync workers and nginx in front: (nginx port, gunicorn port)."""
    app, front = free_port(), free_port()
    with installation.gunicorn(app), installation.nginx(front, app):
        yield front, app


def get(port: int, path: str, **kwargs) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    connection.request("GET", path, **kwargs)
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def session_cookies(response) -> dict[str, str]:
    cookies = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _eq, rest = value.partition("=")
            cookies[name] = rest.split(";", 1)[0]
    return cookies


def sign_in(connection: http.client.HTTPConnection, origin: str) -> http.client.HTTPResponse:
    """The login page, then its form posted back with its CSRF token, as a browser does."""
    connection.request("GET", "/accounts/login/")
    page = connection.getresponse()
    html = page.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    cookie = session_cookies(page)["csrftoken"]
    body = f"csrfmiddlewaretoken={token}&username=hall_admin&password={PASSWORD}"
    connection.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie}",
            "Origin": origin,
            "Referer": f"{origin}/accounts/login/",
        },
    )
    answer = connection.getresponse()
    answer.read()
    return answer


def test_pages_and_static_files_come_through_nginx(stack):
    front, _app = stack
    page = get(front, "/accounts/login/")
    assert page.status == 200 and "登录" in page.body.decode()
    assert "script-src" in page.getheader("Content-Security-Policy")
    script = get(front, "/static/vendor/htmx.org-2.0.11/htmx.min.js")
    assert script.status == 200 and b"htmx" in script.body


def test_signing_in_through_nginx_on_another_port_passes_the_csrf_check(stack):
    front, _app = stack
    connection = http.client.HTTPConnection(HOST, front, timeout=10)
    answer = sign_in(connection, f"http://{HOST}:{front}")
    assert answer.status == 302, "the Host header must reach Django with its port"
    assert "sessionid" in session_cookies(answer)


def hold_connections(port: int, count: int, stack: ExitStack) -> None:
    """`count` clients that read their answer and then keep the connection open, as a
    laptop does until its close reaches the server one network round trip later."""
    for _ in range(count):
        sock = stack.enter_context(socket.create_connection((HOST, port), timeout=10))
        sock.sendall(f"GET /accounts/login/ HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode())
        received = b""
        while b"</html>" not in received:
            chunk = sock.recv(65536)
            assert chunk, "the server closed before answering"
            received += chunk


def seconds_for_one_request(port: int) -> float:
    start = time.monotonic()
    assert get(port, "/accounts/login/").status == 200
    return time.monotonic() - start


def test_clients_slow_to_close_hold_gunicorns_sync_workers_but_not_nginx(stack):
    front, app = stack
    with ExitStack() as held:
        hold_connections(front, 6, held)  # three times the workers
        assert seconds_for_one_request(front) < 1.0
    with ExitStack() as held:
        hold_connections(app, 2, held)  # as many as the workers, straight on gunicorn
        # Each worker waits for its client to close (up to 2 s) before taking the next one:
        # why the hall is served through nginx. (If gunicorn stops waiting, this fails, and
        # the note in gunicorn.conf.py and the nginx template is out of date.)
        assert seconds_for_one_request(app) > 1.0


def test_link_tokens_stay_out_of_the_access_logs(installation, stack):
    front, app = stack
    assert get(front, f"/s/{TOKEN}/state").status == 404  # no such link: the app's answer
    nginx_log = (installation.tmp / f"nginx-{front}" / "appraisal.access.log").read_text()
    assert '"GET /s/[link]/state" 404' in nginx_log
    gunicorn_log = (installation.tmp / f"gunicorn-{app}.log").read_text()
    assert " GET 404 " in gunicorn_log
    assert TOKEN not in nginx_log + gunicorn_log


def test_nginx_logs_errors_without_naming_link_tokens(installation):
    front, nowhere = free_port(), free_port()  # nothing listens upstream: every request 502
    with installation.nginx(front, nowhere):
        assert get(front, f"/s/{TOKEN}/ballots").status == 502
        assert get(front, "/accounts/login/").status == 502
    error_log = (installation.tmp / f"nginx-{front}" / "error.log").read_text()
    assert "connect() failed" in error_log and "/accounts/login/" in error_log
    assert TOKEN not in error_log


def post_size(port: int, size: int) -> int:
    """The status of a POST with a body of `size` bytes (the login form ignores it)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.putrequest("POST", "/accounts/login/")
    connection.putheader("Content-Type", "application/octet-stream")
    connection.putheader("Content-Length", str(size))
    connection.endheaders()
    chunk = b"x" * MB
    try:
        for start in range(0, size, MB):
            connection.send(chunk[: min(MB, size - start)])
    except (BrokenPipeError, ConnectionResetError):
        pass  # nginx may answer 413 and close before the whole body is sent
    status = connection.getresponse().status
    connection.close()
    return status


def test_uploads_up_to_the_limit_reach_the_app_and_larger_ones_are_refused(stack):
    front, _app = stack
    assert nginx_config.APP_UPLOAD_MB * MB == MAX_DOCUMENT_BYTES
    # A file a little over the app's limit reaches the app, which explains the limit itself
    # (here: the login form refuses a POST without its CSRF token).
    assert post_size(front, MAX_DOCUMENT_BYTES + MB) == 403
    assert post_size(front, nginx_config.MAX_BODY_MB * MB + 1) == 413


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    certificate, key = folder / "hall.crt", folder / "hall.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", f"/CN={HOST}", "-addext", f"subjectAltName=IP:{HOST}"]
        + ["-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )
    return certificate, key


def test_https_through_nginx_with_secure_cookies_and_hsts(installation):
    certificate, key = self_signed_certificate(installation.tmp)
    app, front, plain = free_port(), free_port(), free_port()
    secure = {"SECURE_COOKIES": "1", "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO"}
    tls = ["--tls-certificate", str(certificate), "--tls-key", str(key)]
    tls += ["--redirect-listen", f"{HOST}:{plain}"]
    with installation.gunicorn(app, **secure), installation.nginx(front, app, *tls):
        redirect = get(plain, "/accounts/login/?next=/meetings/")
        assert redirect.status == 301
        assert (
            redirect.getheader("Location")
            == f"https://{HOST}:{front}/accounts/login/?next=/meetings/"
        )
        context = ssl.create_default_context(cafile=str(certificate))
        connection = http.client.HTTPSConnection(HOST, front, timeout=10, context=context)
        answer = sign_in(connection, f"https://{HOST}:{front}")
        assert answer.status == 302, "Django must see the request as secure (X-Forwarded-Proto)"
        assert answer.getheader("Strict-Transport-Security").startswith("max-age=")
        cookies = [v for h, v in answer.getheaders() if h.lower() == "set-cookie"]
        assert cookies and all("; Secure" in cookie for cookie in cookies)
        session = next(cookie for cookie in cookies if cookie.startswith("sessionid="))
        assert "; HttpOnly" in session


@pytest.mark.parametrize(
    "options, option",
    [
        (["--server-name", "hall.example.gov.cn; include /etc/passwd"], "--server-name"),
        (["--listen", "80 ssl"], "--listen"),
        (["--upstream", "127.0.0.1:8000}"], "--upstream"),
        (["--tls-certificate", "/no/such.crt", "--tls-key", "/no/such.key"], "--tls-certificate"),
        (["--tls-key", str(ROOT / "manage.py")], "--tls-certificate"),
    ],
)
def test_nginx_config_refuses_what_nginx_would_misread_and_writes_nothing(
    tmp_path, options, option
):
    with pytest.raises(CommandError, match=option):
        call_command("nginx_config", "--standalone", str(tmp_path / "nginx"), *options)
    assert not (tmp_path / "nginx").exists()


def test_nginx_config_prints_a_site_for_debians_nginx(capsys):
    call_command("nginx_config", "--server-name", "hall.example.gov.cn hall")
    site = capsys.readouterr().out
    assert "server_name hall.example.gov.cn hall;" in site and "listen 80;" in site
    assert "events" not in site and "pid " not in site  # Debian's nginx.conf has those

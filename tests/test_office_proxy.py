"""docs/deploy.md's reverse proxy, as documented, in front of a real Streamlit server: Streamlit
answers /_stcore/metrics to anyone (issue 21), the proxy never does, in any spelling of the path,
and still passes the rest. nginx is Debian's (scripts/test.sh installs nginx-light); everything
binds to 127.0.0.1 and is stopped at the end."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "deploy.md"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def documented_config() -> str:
    """The nginx block of section 6 of docs/deploy.md, exactly as an operator copies it."""
    text = DOC.read_text(encoding="utf-8")
    sec = text[text.index("## 6. Reverse proxy") :]
    return re.search(r"```nginx\n(.*?)```", sec, re.S).group(1)


def locations(conf: str) -> dict[str, str]:
    """``location`` modifier+path -> its body (one level of braces is all the doc uses)."""
    return {
        m.group(1).strip(): m.group(2)
        for m in re.finditer(r"location\s+([^{]+?)\s*\{(.*?)\n?\s*\}", conf, re.S)
    }


def test_documented_proxy_config_has_the_metrics_rule():
    locs = locations(documented_config())
    # ^~ (or =) wins over every regex location and over the longer-prefix search; a plain
    # prefix rule could be overridden by a regex location someone adds later
    rule = [k for k in locs if re.fullmatch(r"(\^~|=)\s+/_stcore/metrics", k)]
    assert rule, sorted(locs)
    assert re.search(r"\breturn\s+(403|404)\b", locs[rule[0]])
    assert "proxy_pass" not in locs[rule[0]]
    media = locs["^~ /media/"]
    assert "no-store" in media and "access_log off" in media and "no-referrer" in media


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, path: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if _get(port, path)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"nothing answered {path} on 127.0.0.1:{port}")


def _get(port: int, path: str) -> tuple[int, bytes]:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", path)  # sent as written: no client-side normalisation
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    if NGINX is None:
        if os.environ.get("CI"):
            pytest.fail("nginx missing: scripts/test.sh installs Debian's nginx-light")
        pytest.skip("nginx not installed")
    tmp = tmp_path_factory.mktemp("proxy")
    (tmp / "app.py").write_text("import streamlit as st\nst.write('ok')\n")
    st_port, ng_port = _port(), _port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    st = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(tmp / "app.py"),
         "--server.address", "127.0.0.1", "--server.port", str(st_port),
         "--server.headless", "true"],
        cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    server = documented_config()
    server = re.sub(r"server\s*\{\s*listen 80;.*", "", server)  # the :80 redirect
    server = re.sub(r"\n\s*ssl_\w+[^\n]*", "", server)  # no certificate in a test
    server = server.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{ng_port};")
    server = server.replace("127.0.0.1:8501", f"127.0.0.1:{st_port}")
    assert f"127.0.0.1:{st_port}" in server and "ssl" not in server
    temp = "\n".join(
        f"    {d}_temp_path {tmp / d};"
        for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp / "nginx.conf").write_text(
        f"daemon off;\nmaster_process off;\npid {tmp / 'nginx.pid'};\n"
        f"error_log {tmp / 'error.log'};\nevents {{}}\n"
        f"http {{\n    access_log {tmp / 'access.log'};\n{temp}\n{server}\n}}\n"
    )
    ng = subprocess.Popen(
        [NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,  # nginx logs to error.log
    )  # fmt: skip
    try:
        _wait(st_port, "/_stcore/health")
        _wait(ng_port, "/_stcore/health", timeout=20)
        yield st_port, ng_port, tmp
    finally:
        for p in (ng, st):
            p.terminate()
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


def _is_metrics(status: int, body: bytes) -> bool:
    return status == 200 and (b"# TYPE" in body or b"session" in body)


def test_metrics_answer_directly_but_never_through_the_proxy(proxied):
    st_port, ng_port, tmp = proxied
    status, body = _get(st_port, "/_stcore/metrics")
    assert _is_metrics(status, body), (status, body[:200])  # what the issue found open
    for path in (
        "/_stcore/metrics",
        "/_stcore/metrics?format=text",
        "/_stcore/metrics/",
        "//_stcore/metrics",
        "/_stcore//metrics",
        "/_stcore/%6Detrics",
        "/%5Fstcore/metrics",
        "/_stcore/./metrics",
        "/x/../_stcore/metrics",
    ):
        status, body = _get(ng_port, path)
        assert not _is_metrics(status, body), (path, status, body[:200])
        assert status in (400, 403, 404), (path, status)
    # the proxy still passes everything else
    assert _get(ng_port, "/_stcore/health") == (200, b"ok")
    status, body = _get(ng_port, "/")
    assert status == 200 and b"<html" in body.lower()
    # downloads are served with no-store and never reach the access log
    c = http.client.HTTPConnection("127.0.0.1", ng_port, timeout=10)
    c.request("GET", "/media/0123456789abcdef.csv")
    r = c.getresponse()
    r.read()
    assert r.status == 404 and r.getheader("Cache-Control") == "no-store, private"
    assert r.getheader("Referrer-Policy") == "no-referrer"
    c.close()
    log = (tmp / "access.log").read_text()
    assert "/_stcore/health" in log and "/media/" not in log

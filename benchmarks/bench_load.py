"""Office load: N planners at once against a real ``streamlit run`` on 127.0.0.1.

Each simulated planner speaks Streamlit's own websocket protocol (``/_stcore/stream``, the
BackMsg/ForwardMsg protobufs the browser sends and receives), so the figures are the *server's*
time with no browser eating the same two cores: sign in (office mode, argon2 password), the first
map (the script run that draws the Peta step with its Leaflet component), then re-runs (go to the
Skor step, move a weight slider and apply it). Browser-side drawing of the map is not in these figures
(``tests/test_app_office_browser.py`` checks one real Chromium session).

Planners belong to four areas (Bali province, Kota Denpasar, Kabupaten Badung, Kabupaten
Gianyar) on the demo data, so shared work (the join, each area's cut and analysis) is computed once
and re-used across sessions of the same area.

Peer in the same run: one planner alone on the same server (the unloaded baseline), then N at
once. Soak: S sessions in waves of N (sign in, first map, disconnect) with the server's RSS after
the first wave and at the end, once the closed sessions have expired (``--settle``).
``--profile FILE`` runs the server under py-spy (collapsed stacks) to see where its CPU goes.

    python benchmarks/bench_load.py [--planners 10] [--sessions 200] [--profile prof.txt]

Last line: ``planners=<n> first_map_p95_s=<s> rerun_p95_s=<s> rss_growth_mb=<mb>``.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import warnings
from pathlib import Path

import psutil
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import connect

warnings.filterwarnings("ignore", category=DeprecationWarning)
ROOT = Path(__file__).resolve().parents[1]
PW = "beban-uji-kata-sandi"
AREAS = [
    ("Bali", []),
    ("Bali", ["Kota Denpasar"]),
    ("Bali", ["Kabupaten Badung"]),
    ("Bali", ["Kabupaten Gianyar"]),
]
WIDGETS = {
    "text_input",
    "button",
    "slider",
    "radio",
    "selectbox",
    "multiselect",
    "number_input",
    "checkbox",
    "text_area",
    "date_input",
    "file_uploader",
    "toggle",
    "color_picker",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, max(0, round(0.95 * len(xs) + 0.5) - 1))]


class Planner:
    """One browser tab, as far as the server can tell."""

    def __init__(self, port: int) -> None:
        self.ws = connect(
            f"ws://127.0.0.1:{port}/_stcore/stream",
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=60,
        )
        self.widgets: dict[str, tuple[str, object]] = {}  # id -> (type, proto)
        self.states: dict[str, WidgetState] = {}
        self.components = 0

    def close(self) -> None:
        self.ws.close()

    def _run(self, triggers: list[WidgetState] = ()) -> float:
        """Send one rerun with all current widget values (+ one-shot triggers); wait for the
        script to finish. Returns the seconds it took."""
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.widget_states.widgets.extend([*self.states.values(), *triggers])
        self.widgets.clear()
        self.components = 0
        t0 = time.perf_counter()
        self.ws.send(msg.SerializeToString())
        while True:
            fm = ForwardMsg.FromString(self.ws.recv(timeout=300))
            kind = fm.WhichOneof("type")
            if kind == "new_session":  # a script run starts (also the one an st.rerun asks for)
                self.widgets.clear()
                self.components = 0
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                et = el.WhichOneof("type")
                if et in WIDGETS:
                    w = getattr(el, et)
                    self.widgets[w.id] = (et, w)
                elif et in ("component_instance", "iframe"):
                    self.components += 1
            elif kind == "script_finished":
                if fm.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # interrupted (st.rerun or a newer message): wait for the real end
                return time.perf_counter() - t0

    def find(self, et: str, label_has: str):
        for wid, (t, w) in self.widgets.items():
            if t == et and label_has.lower() in getattr(w, "label", "").lower():
                return wid, w
        raise LookupError(
            f"no {et} with label containing {label_has!r}: {[(t, getattr(w, 'label', '')) for t, w in self.widgets.values()]}"
        )

    def start(self) -> float:
        return self._run()

    def login(self, user: str) -> float:
        uid, _ = self.find("text_input", "Nama pengguna")
        pid, _ = self.find("text_input", "Kata sandi")
        bid, _ = self.find("button", "Masuk")
        self.states[uid] = WidgetState(id=uid, string_value=user)
        self.states[pid] = WidgetState(id=pid, string_value=PW)
        t = self._run([WidgetState(id=bid, trigger_value=True)])
        # the app signs in and asks for a rerun: the next script run draws the map
        deadline = time.time() + 300
        while not self.components and time.time() < deadline:
            t += self._run()
        # the login form is gone: its values are not sent again
        self.states.pop(uid, None)
        self.states.pop(pid, None)
        return t

    def goto(self, step_label: str) -> float:
        rid, r = next(
            (wid, w)
            for wid, (t, w) in self.widgets.items()
            if t == "radio" and any(step_label == o for o in w.options)
        )
        self.states[rid] = WidgetState(id=rid, string_value=step_label)
        return self._run()

    def move_slider(self) -> float:
        sid, s = self.find("slider", "Jarak ke agen")  # a weight, not the sidebar's year filter
        cur = list(s.value) or list(s.default)
        new = (
            [min(s.max, cur[0] + s.step)]
            if cur[0] + s.step <= s.max
            else [max(s.min, cur[0] - s.step)]
        )
        self.states[sid] = WidgetState(id=sid, double_array_value={"data": new})
        # the weights sit in a form: the move is sent with its "Terapkan bobot" click
        bid, _ = self.find("button", "Terapkan bobot")
        return self._run([WidgetState(id=bid, trigger_value=True)])


def session(port: int, user: str, out: dict, reruns: bool = True) -> None:
    try:
        p = Planner(port)
        t0 = time.perf_counter()
        p.start()
        p.login(user)
        out["first_map"] = time.perf_counter() - t0
        out["map_drawn"] = p.components > 0
        if reruns:
            out["reruns"] = [p.goto("3. Skor"), p.move_slider(), p.move_slider()]
        p.close()
    except Exception as e:  # noqa: BLE001 - reported, counted as a failed session
        out["error"] = f"{type(e).__name__}: {e}"


def wave(port: int, users: list[str], reruns: bool = True) -> list[dict]:
    outs = [{} for _ in users]
    threads = [
        threading.Thread(target=session, args=(port, u, o, reruns))
        for u, o in zip(users, outs, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outs


def rss_mb(proc: psutil.Process) -> float:
    procs = [proc, *proc.children(recursive=True)]
    return sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--planners", type=int, default=10)
    ap.add_argument(
        "--sessions", "--soak", dest="soak", type=int, default=200,
        help="soak: this many sessions in waves of --planners (0: no soak)",
    )  # fmt: skip
    ap.add_argument(
        "--settle", type=float, default=130.0,
        help="seconds to wait after the soak before the last RSS (closed sessions expire)",
    )  # fmt: skip
    ap.add_argument(
        "--profile", metavar="FILE",
        help="run the server under py-spy and write its collapsed stacks to FILE",
    )  # fmt: skip
    args = ap.parse_args()
    n = args.planners

    tmp = Path(tempfile.mkdtemp(prefix="ibm-geo-load-"))
    env = {
        **os.environ,
        "IBM_GEO_OFFICE": "1",
        "IBM_GEO_DATA_DIR": str(tmp),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("IBM_GEO_DB_URL", None)
    py = sys.executable
    # an office has its admin (without one the app shows the first-admin setup page)
    subprocess.run(
        [py, "-m", "ibm_geo", "users", "add", "admin", "--role", "admin", "--password-stdin"],
        input=PW + "\n", text=True, env=env, check=True, capture_output=True, cwd=tmp,
    )  # fmt: skip
    for i in range(n):
        prov, kabs = AREAS[i % len(AREAS)]
        cmd = [
            py,
            "-m",
            "ibm_geo",
            "users",
            "add",
            f"p{i}",
            "--role",
            "perencana",
            "--provinsi",
            prov,
            "--password-stdin",
        ]
        for k in kabs:
            cmd += ["--kab-kota", k]
        subprocess.run(
            cmd, input=PW + "\n", text=True, env=env, check=True, capture_output=True, cwd=tmp
        )
    # the server runs with the project's own settings, as `streamlit run app.py` in the repo does
    (tmp / ".streamlit").mkdir()
    shutil.copy(ROOT / ".streamlit" / "config.toml", tmp / ".streamlit" / "config.toml")
    port = free_port()
    spy = [shutil.which("py-spy") or str(Path(py).with_name("py-spy")), "record", "--format", "raw",
           "--rate", "50", "-o", args.profile, "--"] if args.profile else []  # fmt: skip
    server = subprocess.Popen(
        [*spy, py, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=(Path(tmp) / "server.log").open("wb"),
    )  # fmt: skip
    proc = psutil.Process(server.pid)
    try:
        t0 = time.time()
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                break
            except OSError:
                if time.time() - t0 > 120 or server.poll() is not None:
                    raise RuntimeError(
                        "server did not start: "
                        + (Path(tmp) / "server.log").read_text(errors="replace")[-2000:]
                    ) from None
                time.sleep(0.3)
        print(f"server up in {time.time() - t0:.1f} s (port {port}), office DB in {tmp}")
        if spy:  # measure the server itself, not py-spy
            proc = next(c for c in proc.children() if "streamlit" in " ".join(c.cmdline()))

        cpu0 = proc.cpu_times()
        solo = wave(port, ["p0"])[0]
        if "error" in solo:
            raise RuntimeError(solo["error"])
        print(
            f"peer: 1 planner alone (cold: join + analysis of the area)  first map {solo['first_map']:.2f} s, "
            f"reruns {', '.join(f'{x:.2f}' for x in solo['reruns'])} s"
        )
        solo2 = wave(port, ["p0"])[0]
        print(
            f"peer: 1 planner alone (warm)  first map {solo2['first_map']:.2f} s, "
            f"reruns {', '.join(f'{x:.2f}' for x in solo2['reruns'])} s"
        )

        # each other area's first session computes its cut and analysis (shared from then on)
        for i in range(1, min(n, len(AREAS))):
            o = wave(port, [f"p{i}"], reruns=False)[0]
            prov, kabs = AREAS[i]
            print(f"first session of area {', '.join(kabs) or prov} (cold): "
                  f"first map {o.get('first_map', float('nan')):.2f} s")  # fmt: skip

        load0 = os.getloadavg()[0]
        t1 = time.perf_counter()
        outs = wave(port, [f"p{i}" for i in range(n)])
        wall = time.perf_counter() - t1
        print(
            f"load average (1 min) before / after the wave: {load0:.1f} / {os.getloadavg()[0]:.1f}"
        )
        cpu1 = proc.cpu_times()
        errs = [o["error"] for o in outs if "error" in o]
        first = [o["first_map"] for o in outs if "first_map" in o]
        reruns = [x for o in outs for x in o.get("reruns", [])]
        print(
            f"{n} planners at once ({wall:.1f} s wall): first map median {statistics.median(first):.2f} s, "
            f"p95 {p95(first):.2f} s, max {max(first):.2f} s; reruns ({len(reruns)}) median "
            f"{statistics.median(reruns):.2f} s, p95 {p95(reruns):.2f} s; failed sessions {len(errs)}"
        )
        if not all(o.get("map_drawn") for o in outs if "first_map" in o):
            print("WARNING: a first run did not draw the map component")
        for e in errs[:3]:
            print("  error:", e)
        print(
            f"server CPU for the run: {(cpu1.user + cpu1.system) - (cpu0.user + cpu0.system):.1f} s"
        )

        # soak: sessions in waves of n, server RSS after the first wave and at the end
        done = 0
        rss_first = None
        soak_first: list[float] = []
        soak_err = 0
        while done < args.soak:
            k = min(n, args.soak - done)
            outs = wave(port, [f"p{(done + i) % n}" for i in range(k)], reruns=False)
            soak_first += [o["first_map"] for o in outs if "first_map" in o]
            soak_err += sum("error" in o for o in outs)
            done += k
            if rss_first is None:
                time.sleep(2)
                gc.collect()
                rss_first = rss_mb(proc)
        time.sleep(5)
        print(f"load average (1 min) at the end of the soak: {os.getloadavg()[0]:.1f}")
        rss_live = rss_mb(proc)
        # Streamlit keeps a closed tab's session for server.disconnectedSessionTTL (120 s) in
        # case it reconnects: memory is compared once those have gone
        time.sleep(args.settle)
        rss_end = rss_mb(proc)
        print(
            f"server RSS {rss_live:.0f} MB 5 s after the soak (closed sessions still kept), "
            f"{rss_end:.0f} MB {args.settle:.0f} s later"
        )
        growth = rss_end - (rss_first or rss_end)
        print(
            f"soak: {done} sessions in waves of {n}: first map p95 {p95(soak_first):.2f} s, failed {soak_err}; "
            f"server RSS {rss_first or rss_end:.0f} MB after the first wave, {rss_end:.0f} MB at the end "
            f"(growth {growth:.0f} MB, {growth / max(1, done - n) * 1024:.0f} kB per session)"
        )
        print(
            f"planners={n} first_map_p95_s={p95(first):.2f} rerun_p95_s={p95(reruns):.2f} rss_growth_mb={growth:.0f}"
        )
    finally:
        if spy and proc.pid != server.pid:  # py-spy writes its profile when the server ends
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=20)
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

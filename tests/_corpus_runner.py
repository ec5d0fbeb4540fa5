"""Run corpus cases through the real CLI in one child process with a memory limit and a time
limit per case (imported modules are loaded once: 150 cases in about a minute, not ten).

stdin: JSON list of {"id", "args", "env"}; stdout: JSON list of {"id", "exit", "stdout",
"stderr", "seconds", "peak_mb"}. A case over its time is reported with exit "timeout"; running
out of memory shows as the CLI's internal-error line (exit 1), which the expected table never
allows. ``env`` (``IBM_GEO_MAX_*`` lowered so a small bomb trips a limit) holds for that case
only. ``peak_mb`` is the largest resident size of the readers' child processes so far.
"""

from __future__ import annotations

import contextlib
import faulthandler
import io
import json
import os
import resource
import signal
import sys
import time


class CaseTimeout(BaseException):  # not Exception: the CLI boundary must not swallow it
    pass


def _alarm(signum, frame):
    raise CaseTimeout


def main() -> None:
    cases = json.load(sys.stdin)
    mem_gb, seconds = float(sys.argv[1]), int(sys.argv[2])
    limit = int(mem_gb * 1024**3)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import typer.main

    from ibm_geo.cli import app

    cmd = typer.main.get_command(app)
    signal.signal(signal.SIGALRM, _alarm)
    results = []
    for case in cases:
        out, err = io.StringIO(), io.StringIO()
        saved = {k: os.environ.get(k) for k in case.get("env", {})}
        os.environ.update(case.get("env", {}))
        t0 = time.perf_counter()
        print("case", case["id"], file=sys.__stderr__, flush=True)
        # a reader stuck in C code never returns to the alarm's handler: say where it is
        faulthandler.dump_traceback_later(seconds + 5, file=sys.__stderr__)
        signal.alarm(seconds)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                rv = cmd.main(case["args"], prog_name="ibm-geo", standalone_mode=False)
        except CaseTimeout:
            rv = "timeout"
        except SystemExit as e:
            rv = e.code
        finally:
            signal.alarm(0)
            faulthandler.cancel_dump_traceback_later()
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        results.append(
            {
                "id": case["id"],
                "exit": rv,
                "stdout": out.getvalue(),
                "stderr": err.getvalue(),
                "seconds": round(time.perf_counter() - t0, 2),
                "peak_mb": round(
                    max(
                        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                    )
                    / 1024
                ),
            }
        )
    json.dump(results, sys.__stdout__)


if __name__ == "__main__":
    main()

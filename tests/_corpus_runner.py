"""Run corpus cases through the real CLI in one child process with a memory limit and a time
limit per case (imported modules are loaded once: 40 cases in seconds, not minutes).

stdin: JSON list of {"id", "args"}; stdout: JSON list of {"id", "exit", "stdout", "stderr",
"seconds"}. A case over its time is reported with exit "timeout"; running out of memory shows as
the CLI's internal-error line (exit 1), which the expected table never allows.
"""

from __future__ import annotations

import contextlib
import io
import json
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
        t0 = time.perf_counter()
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
        results.append(
            {
                "id": case["id"],
                "exit": rv,
                "stdout": out.getvalue(),
                "stderr": err.getvalue(),
                "seconds": round(time.perf_counter() - t0, 2),
            }
        )
    json.dump(results, sys.__stdout__)


if __name__ == "__main__":
    main()

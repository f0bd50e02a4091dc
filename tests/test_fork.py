"""The process that forks the tests has one thread, and importing policyrules starts none.

conftest.py forks every test from the pytest process and fails a test if that process has
more than one thread (a fork then may deadlock the child). These tests guard both halves: a
fresh interpreter importing the library (batch, dask and the CLI included) still has one
thread, and the check in conftest.py does fail a test whose module started a thread.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path


COUNT_THREADS = textwrap.dedent(
    """
    import os, sys, threading
    import policyrules, policyrules.batch, policyrules.batch.generate, policyrules.cli, policyrules.dask
    if sys.platform.startswith("linux"):
        print(len(os.listdir("/proc/self/task")))
    else:
        print(threading.active_count())
    """
)


def test_importing_policyrules_starts_no_thread() -> None:
    done = subprocess.run([sys.executable, "-c", COUNT_THREADS], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "1"
    assert "pyarrow" not in subprocess.run(
        [sys.executable, "-c", "import sys, policyrules.batch, policyrules.dask; print(sorted(sys.modules))"],
        capture_output=True, text=True, check=True,
    ).stdout


def test_a_module_that_starts_a_thread_fails_its_tests_before_the_fork(tmp_path: Path) -> None:
    shutil.copy(Path(__file__).with_name("conftest.py"), tmp_path / "conftest.py")
    (tmp_path / "test_threaded.py").write_text(
        textwrap.dedent(
            """
            import threading

            STOP = threading.Event()
            threading.Thread(target=STOP.wait, daemon=True).start()  # a thread in the forking process


            def test_anything():
                assert True
            """
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "POLICYRULES_TESTS_NO_FORK"},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed" in done.stdout
    assert "the test process has 2 threads before forking this test (it must have 1" in done.stdout

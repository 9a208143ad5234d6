"""`golive.cli.entry.fast_exit`: the CLI process ends with os._exit, and must first do what the interpreter's
exit would have done for golive (atexit handlers, weakref finalizers, flushing), or take the normal exit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _run(body: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys\nfrom golive.cli.entry import fast_exit\n" + body
    return subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60)


def test_atexit_handlers_finalizers_and_buffered_output_are_not_lost(tmp_path: Path) -> None:
    r = _run("import atexit, tempfile, pathlib\n"
             "d = pathlib.Path(sys.argv[1])\n"
             "atexit.register(lambda: (d / 'atexit-ran').write_text('yes'))\n"
             "kept = tempfile.TemporaryDirectory(dir=d)\n"  # removed by its weakref finalizer at exit
             "(d / 'tmpdir').write_text(kept.name)\n"
             "sys.stdout.write('buffered, no newline')\n"
             "sys.stderr.write('to stderr')\n"
             "fast_exit(3)\n", tmp_path)
    assert r.returncode == 3, r.stderr
    assert r.stdout == "buffered, no newline"
    assert r.stderr == "to stderr"
    assert (tmp_path / "atexit-ran").read_text() == "yes"
    assert not Path((tmp_path / "tmpdir").read_text()).exists()


def test_a_running_non_daemon_thread_is_waited_for(tmp_path: Path) -> None:
    """The interpreter joins non-daemon threads before exiting; os._exit would kill one mid-work."""
    r = _run("import threading, time, pathlib\n"
             "d = pathlib.Path(sys.argv[1])\n"
             "def work():\n"
             "    time.sleep(0.5)\n"  # still running when fast_exit is called: its end must not be cut off
             "    (d / 'thread-done').write_text('yes')\n"
             "threading.Thread(target=work).start()\n"
             "fast_exit(5)\n", tmp_path)
    assert r.returncode == 5, r.stderr
    assert (tmp_path / "thread-done").read_text() == "yes"


_GONE = ("import io, sys\n"
         "class Gone(io.StringIO):\n"
         "    def flush(self) -> None:\n"
         "        raise BrokenPipeError(32, 'Broken pipe')\n"  # what a reader gone before the last flush gives
         "sys.stdout = Gone()\n")


def test_a_failing_flush_ends_as_the_interpreter_would_have() -> None:
    """Output that cannot be flushed at the end: the interpreter reports that in its own way (status 120 and a
    message); fast_exit takes the normal exit then, so it is reported the same way rather than hidden."""
    plain = subprocess.run([sys.executable, "-c", _GONE + "sys.exit(0)"], capture_output=True, text=True,
                           timeout=60)
    fast = subprocess.run([sys.executable, "-c", _GONE + "from golive.cli.entry import fast_exit\nfast_exit(0)"],
                          capture_output=True, text=True, timeout=60)
    assert plain.returncode == 120 and "BrokenPipeError" in plain.stderr, plain
    assert fast.returncode == plain.returncode and "BrokenPipeError" in fast.stderr, (fast, plain)


def test_a_profiler_still_gets_to_write_its_results(tmp_path: Path) -> None:
    """`python -m cProfile -o FILE -m golive ...` writes FILE after golive's entry returns."""
    out = tmp_path / "golive.prof"
    r = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "golive", "--version"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("golive "), r.stdout
    assert out.stat().st_size > 0

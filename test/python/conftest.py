"""pytest setup: make `import attn` work from the source tree; mark the GPU
tests and report their skips.

GPU tests are the files ``test_*_gpu.py`` and ``test_cuda_runtime.py``: they
get the ``gpu`` marker, so ``-m gpu`` selects the GPU suite and
``-m "not gpu"`` the CPU one (ctest's pytest-gpu and pytest-cpu). When a run
that selected only GPU tests skipped any for lack of a GPU (and nothing
failed), it prints how many and why, and exits with gpu_env.SKIP_EXIT
instead of 0: ctest then shows Skipped, not passed. ATTN_REQUIRE_GPU=1 makes
those skips failures instead (gpu_env.no_gpu)."""

import collections
import fnmatch
import os
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.dirname(__file__))

import gpu_env  # noqa: E402  (needs the paths above)

#: File name patterns of the GPU tests.
GPU_FILES = ("test_*_gpu.py", "test_cuda_runtime.py")

_no_gpu = collections.Counter()  # skip reason -> count
_gpu_passed = 0  # GPU tests that passed (those that need no device)
_suite_skipped = False  # set at session finish (before the terminal summary)


def _is_gpu_file(name):
    return any(fnmatch.fnmatch(name, p) for p in GPU_FILES)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "gpu: needs a CUDA device (the files %s); select with "
        "-m gpu, leave out with -m 'not gpu'" % ", ".join(GPU_FILES))


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config, items):
    for item in items:
        if _is_gpu_file(os.path.basename(str(item.fspath))):
            item.add_marker(pytest.mark.gpu)


def pytest_runtest_logreport(report):
    global _gpu_passed
    if report.when == "call" and report.passed and "gpu" in report.keywords:
        _gpu_passed += 1
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2])
        if reason.startswith("Skipped: "):
            reason = reason[len("Skipped: "):]
        if reason.startswith(gpu_env.NO_GPU):
            _no_gpu[reason[len(gpu_env.NO_GPU):]] += 1


def _gpu_suite_skipped(session):
    """True when the run selected only GPU tests, some skipped for lack of a
    GPU, and nothing failed."""
    return (bool(_no_gpu) and session.testsfailed == 0 and bool(session.items)
            and all(item.get_closest_marker("gpu") for item in session.items))


def pytest_sessionfinish(session, exitstatus):
    global _suite_skipped
    if exitstatus == pytest.ExitCode.OK and _gpu_suite_skipped(session):
        _suite_skipped = True
        session.exitstatus = gpu_env.SKIP_EXIT


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _no_gpu:
        return
    tr = terminalreporter
    total = sum(_no_gpu.values())
    tr.write_line("GPU tests: %d skipped for lack of a GPU, %d passed (those "
                  "that need no device); ATTN_REQUIRE_GPU=1 makes a missing "
                  "GPU a failure" % (total, _gpu_passed))
    for why, n in _no_gpu.most_common():
        tr.write_line("  %d skipped: %s" % (n, why))
    if _suite_skipped:
        tr.write_line("GPU suite not run: exit status %d (ctest: Skipped)"
                      % gpu_env.SKIP_EXIT)

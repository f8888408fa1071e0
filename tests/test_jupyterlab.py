"""A learner's first minutes, in a real browser: JupyterLab opens notebook 00 and runs it.

The server serves a temporary COPY of ``notebooks/`` (with ``data`` linked next to it), so
JupyterLab's autosave can never touch the committed notebooks; a test checks that they are
byte-for-byte unchanged afterwards. The browser is Debian's headless chromium, driven through
Debian's chromedriver given by path (selenium-manager is never asked to download anything).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from skips import skip_reason

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "00-welcome.ipynb"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").is_file() else shutil.which("chromedriver")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
]
# JupyterLab user settings for the run: no news or update checks (offline), no toasts covering
# the menus, and every cell attached to the DOM so the test can read all of them.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
        "doNotDisturbMode": True,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}
SERVER_START_SECONDS = 90
NOTEBOOK_OPEN_SECONDS = 120
RUN_ALL_SECONDS = 600
OUTPUT = ".jp-OutputArea-child"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason=skip_reason("browser", "chromium is not installed")),
    pytest.mark.skipif(CHROMEDRIVER is None, reason=skip_reason("browser", "chromedriver is not installed")),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.ipynb"))}


def _isolated_jupyter_env(home: Path) -> dict[str, str]:
    """Environment for the server: its own config, data and runtime folders, so neither the
    user's settings nor a user-level kernelspec can change what the test sees."""
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # kernels draw inline figures, as for a learner
    for variable, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"), ("JUPYTER_RUNTIME_DIR", "runtime")):
        env[variable] = str(home / sub)
    for name, settings in LAB_SETTINGS.items():
        target = home / "config" / "lab" / "user-settings" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(settings), encoding="utf-8")
    return env


@pytest.fixture
def lab_server(tmp_path):
    """A JupyterLab server on 127.0.0.1 serving a temporary copy of notebooks/; yields its URL and token."""
    assert (REPO_ROOT / "notebooks" / NOTEBOOK).is_file(), f"notebooks/{NOTEBOOK} is missing"
    workspace = tmp_path / "notebooks"
    shutil.copytree(REPO_ROOT / "notebooks", workspace)
    (tmp_path / "data").symlink_to(REPO_ROOT / "data", target_is_directory=True)
    port, token = _free_port(), secrets.token_hex(16)
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyter", "lab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={workspace}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.extension_manager=readonly",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        cwd=workspace, env=_isolated_jupyter_env(tmp_path / "jupyter"), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            assert server.poll() is None, (
                f"JupyterLab exited with {server.returncode}: {(tmp_path / 'jupyterlab.log').read_text()[-2000:]}"
            )
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"JupyterLab did not answer within {SERVER_START_SECONDS} s"
            time.sleep(0.5)
        yield {"url": url, "token": token, "workspace": workspace}
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture
def browser(tmp_path):
    """Headless chromium through Debian's chromedriver, with a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver, seconds: float, condition, message: str):
    """Poll ``condition`` until it holds; an element JupyterLab re-rendered between two reads counts as "not yet"."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, seconds, poll_frequency=0.5, ignored_exceptions=(StaleElementReferenceException,))
    return wait.until(condition, message)


def _prompts(driver) -> list[str]:
    return [p.text.strip() for p in driver.find_elements("css selector", ".jp-Notebook .jp-CodeCell .jp-InputPrompt")]


def _error_outputs(driver) -> list[str]:
    """Texts of the error outputs shown (JupyterLab renders errors as stderr, with the traceback)."""
    stderr = driver.find_elements("css selector", ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    return [output.text[:300] for output in stderr if "Traceback" in output.text or "Error" in output.text]


def _run_all_finished(driver) -> bool:
    """The kernel is idle and no cell is queued, after every cell ran or one failed."""
    prompts = _prompts(driver)
    idle = driver.find_elements("css selector", ".jp-Notebook-ExecutionIndicator[data-status='idle']")
    settled = "[*]:" not in prompts and all(p not in ("", "[ ]:") for p in prompts)
    return bool(idle) and "[*]:" not in prompts and (settled or bool(_error_outputs(driver)))


def _click_menu(driver, menu: str, command: str) -> None:
    """Open a main-menu entry by its label and click the item bound to a JupyterLab command."""
    _wait(
        driver, 30,
        lambda d: [m for m in d.find_elements("css selector", ".lm-MenuBar-item") if m.text.strip() == menu],
        f"no '{menu}' menu in the menu bar",
    )[0].click()  # fmt: skip
    _wait(
        driver, 30,
        lambda d: d.find_elements("css selector", f".lm-Menu-item[data-command='{command}']"),
        f"no item for {command} in the '{menu}' menu",
    )[0].click()  # fmt: skip


def test_notebook_00_runs_in_jupyterlab(lab_server, browser):
    committed_before = _digest(REPO_ROOT / "notebooks")
    stored = nbformat.read(lab_server["workspace"] / NOTEBOOK, as_version=4)
    code_cells = [cell for cell in stored.cells if cell.cell_type == "code"]
    stored_images = sum("image/png" in o.get("data", {}) for c in code_cells for o in c.outputs)

    browser.get(f"{lab_server['url']}/lab/tree/{NOTEBOOK}?token={lab_server['token']}")
    _wait(
        browser, NOTEBOOK_OPEN_SECONDS,
        lambda d: len(_prompts(d)) == len(code_cells) and d.find_elements(
            "css selector", ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']"
        ),
        f"{NOTEBOOK} did not open with {len(code_cells)} code cells and an idle kernel",
    )  # fmt: skip
    # Forget the stored outputs, so that every output counted below comes from this run.
    _click_menu(browser, "Edit", "editmenu:clear-all")
    _wait(browser, 30, lambda d: not d.find_elements("css selector", OUTPUT), "the stored outputs were not cleared")

    _click_menu(browser, "Run", "runmenu:run-all")
    expected_prompts = [f"[{n}]:" for n in range(1, len(code_cells) + 1)]
    _wait(browser, RUN_ALL_SECONDS, _run_all_finished, f"Run All did not finish within {RUN_ALL_SECONDS} s")
    errors = _error_outputs(browser)
    assert not errors, f"error output in {NOTEBOOK} under JupyterLab: {errors}"
    assert _prompts(browser) == expected_prompts, f"not every cell ran: prompts {_prompts(browser)}"

    shown = [bool(cell.find_elements("css selector", OUTPUT)) for cell in browser.find_elements("css selector", ".jp-CodeCell")]
    stored_has_output = [bool(cell.outputs) for cell in code_cells]
    assert any(stored_has_output), f"{NOTEBOOK} stores no outputs to compare with"
    assert shown == stored_has_output, (
        f"code cells with output: JupyterLab {shown}, stored notebook {stored_has_output}"
    )
    images = len(browser.find_elements("css selector", ".jp-OutputArea-output img"))
    assert images >= stored_images, f"JupyterLab showed {images} figures, the stored notebook has {stored_images}"
    assert _digest(REPO_ROOT / "notebooks") == committed_before, "the committed notebooks changed during the test"

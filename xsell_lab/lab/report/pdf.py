"""Print an HTML report to PDF, offline and without LaTeX.

Two renderers, tried in this order by ``renderer="auto"``:

``weasyprint``
    Pure Python over Pango (Debian/Ubuntu: present with the package; macOS:
    ``brew install pango``; conda: comes from conda-forge). Supports the whole
    print stylesheet, including page numbers in the table of contents.
``chromium``
    A local Chrome/Chromium in headless mode (``--print-to-pdf``), used when
    WeasyPrint cannot be imported or its libraries cannot be loaded. The table
    of contents then has no page numbers (Chromium has no ``target-counter``).

The PDF is written to a temporary file next to the target and moved into
place only when complete.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from xsell_lab._files import replaced_whole
from xsell_lab.exceptions import RendererUnavailable

#: Renderer names accepted by :func:`html_to_pdf`.
RENDERERS = ("auto", "weasyprint", "chromium")
#: Paper sizes the report stylesheet supports (:func:`xsell_lab.lab.report.document.report_html`).
PAPER_SIZES = ("A4", "Letter")
#: Browser executables looked for on the PATH, in order.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
#: Headless flags: no sandbox (containers), no GPU, and no network traffic of the browser's own.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)
CHROMIUM_TIMEOUT_SECONDS = 180


def weasyprint_available() -> bool:
    """Whether WeasyPrint and its system libraries (Pango) load."""
    try:
        import weasyprint  # noqa: F401  (loading it is the test)
    except (ImportError, OSError):
        return False
    return True


def find_chromium() -> str | None:
    """Path of a local Chrome/Chromium, or None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _weasyprint(html_file: Path, target: Path) -> None:
    import weasyprint

    weasyprint.HTML(filename=str(html_file)).write_pdf(str(target))


def _chromium(html_file: Path, target: Path) -> None:
    browser = find_chromium()
    if browser is None:
        raise RendererUnavailable(f"No Chrome/Chromium found on the PATH (looked for {', '.join(CHROMIUM_NAMES)}).")
    with tempfile.TemporaryDirectory(prefix="xsell-lab-chromium-") as profile:
        command = [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={target}",
            html_file.resolve().as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT_SECONDS, check=False)
    if done.returncode != 0 or not target.exists() or target.stat().st_size == 0:
        raise RuntimeError(f"Chromium could not print {html_file.name} (exit {done.returncode}): {done.stderr[-800:]}")


def choose_renderer(renderer: str = "auto") -> str:
    """Resolve ``"auto"`` to the renderer that will be used.

    Raises
    ------
    RendererUnavailable
        When neither WeasyPrint nor a Chromium can be used.
    """
    if renderer not in RENDERERS:
        raise ValueError(f"Renderer must be one of {', '.join(RENDERERS)}; got {renderer!r}.")
    if renderer != "auto":
        return renderer
    if weasyprint_available():
        return "weasyprint"
    if find_chromium():
        return "chromium"
    raise RendererUnavailable(
        "No PDF renderer available. Install WeasyPrint's system library Pango (Debian/Ubuntu: "
        "apt install libpango-1.0-0 libpangoft2-1.0-0; macOS: brew install pango; conda: it comes with "
        "conda-forge's weasyprint), or install Chrome/Chromium."
    )


def html_to_pdf(html: str, target: str | os.PathLike, *, renderer: str = "auto") -> str:
    """Write an HTML document as a PDF, atomically.

    Parameters
    ----------
    html : str
        A self-contained document (styles and images inline).
    target : str or path-like
        The PDF to write (replaced if it exists; callers pick a free name).
    renderer : {"auto", "weasyprint", "chromium"}
        Which renderer to use; ``"auto"`` prefers WeasyPrint.

    Returns
    -------
    str
        The renderer that was used.
    """
    used = choose_renderer(renderer)
    with tempfile.TemporaryDirectory(prefix="xsell-lab-report-") as work, replaced_whole(target) as partial:
        html_file = Path(work) / "report.html"
        html_file.write_text(html, encoding="utf-8")
        (_weasyprint if used == "weasyprint" else _chromium)(html_file, partial)
    return used

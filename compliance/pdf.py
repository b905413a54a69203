"""report.pdf: the HTML report printed by headless Chromium (its print stylesheet gives the
table of contents, page numbers in @page margin boxes and the sign-off page).

The PDF carries an outline (bookmarks) built by Chromium from the HTML headings:
``--generate-pdf-document-outline`` (Chromium commit 9c2c6e78, "Add
--generate-pdf-document-outline": the outline is generated "from content headers when printing
a pdf in headless mode"; it needs the tagged PDF Chromium writes by default).

Chromium is optional (scripts/install.sh installs Debian's ``chromium``): without it the report
is still written and the PDF is reported as skipped.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

PDF_FILE = "report.pdf"
CHROMIUM_NAMES = ("chromium", "chromium-browser")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",  # our @page margin boxes carry the page numbers
    "--generate-pdf-document-outline",  # bookmarks from h1-h6 (see the module docstring)
)


class PdfError(RuntimeError):
    """Chromium ran but wrote no PDF."""


def find_chromium() -> str | None:
    return next((p for name in CHROMIUM_NAMES if (p := shutil.which(name))), None)


def write_pdf(
    html: Path, pdf: Path, chromium: str | None = None, timeout: int = 180
) -> Path | None:
    """Print ``html`` to ``pdf``; None when no Chromium is installed."""
    chromium = chromium or find_chromium()
    if chromium is None:
        return None
    with tempfile.TemporaryDirectory(prefix="sfx-chromium-") as profile:
        done = subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--print-to-pdf={pdf}",
                html.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        raise PdfError(f"chromium could not print {html.name}: {done.stderr.strip()[-300:]}")
    return pdf

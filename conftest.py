"""Session setup shared by the unit tests and the notebook tests (nbval).

It lives at the repository root so that it is loaded however pytest is started
(``make test``, ``pytest tests/...`` or ``pytest notebooks/01-....ipynb``).
Fixtures live in ``tests/conftest.py``.

The notebooks' stored outputs were produced by ``make reports``/papermill with
``PYTHONHASHSEED=0`` and the Jupyter inline matplotlib backend; nbval re-executes
them in a kernel that inherits this process's environment, so the same two
settings are enforced here before any kernel starts.
"""

from __future__ import annotations

import os

import pytest

EXPECTED_HASH_SEED = "0"
# Set by ipykernel itself when MPLBACKEND is absent; a kernel started with MPLBACKEND=Agg
# would draw no figure at all, so stored figures would go missing.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def pytest_configure(config: pytest.Config) -> None:
    """Fix the hash seed and the plotting backend for every kernel nbval starts."""
    hash_seed = os.environ.setdefault("PYTHONHASHSEED", EXPECTED_HASH_SEED)
    if hash_seed != EXPECTED_HASH_SEED:
        raise pytest.UsageError(
            f"PYTHONHASHSEED is {hash_seed!r}, but the notebooks' stored outputs were produced with "
            f"PYTHONHASHSEED={EXPECTED_HASH_SEED}. Run `make test`, or unset PYTHONHASHSEED, "
            f"or set it to {EXPECTED_HASH_SEED}."
        )
    # Kernels must use the inline backend (ipykernel's default when MPLBACKEND is unset);
    # this process draws headless with Agg, whatever the desktop offers.
    os.environ.pop("MPLBACKEND", None)
    import matplotlib

    matplotlib.use("Agg")
    _anchor_sanitize_file(config)


def _anchor_sanitize_file(config: pytest.Config) -> None:
    """Resolve ``--nbval-sanitize-with`` against the rootdir, so pytest may run from any folder."""
    sanitize_file = getattr(config.option, "nbval_sanitize_with", None)
    if sanitize_file and not os.path.isabs(sanitize_file):
        config.option.nbval_sanitize_with = str(config.rootpath / sanitize_file)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every notebook cell collected by nbval as ``notebook`` and ``slow``."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)
            item.add_marker(pytest.mark.slow)

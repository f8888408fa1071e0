"""Where the lab's files are: the copy shipped with xsell-lab, and the folder a user works in.

The bundle
    The notebooks, the bundled data and the examples that come with xsell-lab. In a checkout
    of the repository (or its editable install) they are the repository's ``notebooks/``,
    ``data/`` and ``examples/``; in an installed wheel they are ``xsell_lab/bundle/`` inside
    the package (``pyproject.toml`` maps the repository's folders there, see
    :data:`BUNDLE_FILES`). :func:`bundle_root` finds them.
A lab folder
    Where a learner or analyst works, made by ``xsell-lab init DIR`` (:func:`init_lab`):
    ``notebooks/`` and ``data/`` side by side (every notebook reads ``../data`` by default),
    ``examples/``, a ``README.md``, and ``reports/`` once something has been run.

Which notebooks a command uses (:func:`lab_root`, stated in ``xsell-lab --help`` as
:data:`LAB_RULE`): the current folder or its nearest ancestor that has a ``notebooks/``
folder of ``NN-*.ipynb`` files; otherwise the repository checkout the package runs from;
otherwise :class:`NoLabFolderError`, which says to run ``xsell-lab init DIR``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from xsell_lab._files import current_umask, write_whole
from xsell_lab.exceptions import LabFolderNotEmptyError, NoLabFolderError

#: Files of the bundle by folder, as glob patterns relative to the folder. ``pyproject.toml``'s
#: package data lists the same patterns (``tests/test_wheel.py`` keeps the two in step).
BUNDLE_FILES: dict[str, tuple[str, ...]] = {
    "notebooks": ("*.ipynb", "glossary.md", "guide/*.yaml"),
    "data": ("*.parquet", "ground_truth.json", "README.md"),
    "examples": ("*.md", "*.yaml", "shop_export/*.csv"),
}
#: A lab notebook's file name: two digits, a dash, a name (``01-cross-sell-kpis.ipynb``).
LAB_NOTEBOOK = re.compile(r"^\d{2}-.+\.ipynb$")
#: Where the installed package keeps the bundle.
INSTALLED_BUNDLE = Path(__file__).resolve().parents[1] / "bundle"
#: How commands find their notebooks (for ``--help`` and error messages).
LAB_RULE = (
    "Notebooks are looked for in the current folder or its nearest parent folder that has a "
    "notebooks/ folder of NN-*.ipynb files (a lab folder made by `xsell-lab init DIR`); "
    "otherwise in the repository checkout xsell-lab runs from. Reports go to reports/ of that "
    "folder unless --out says otherwise."
)


@dataclass
class InitResult:
    """What :func:`init_lab` did, as paths relative to the lab folder.

    Attributes
    ----------
    folder : pathlib.Path
        The lab folder.
    created, replaced, unchanged : list of pathlib.Path
        Files written new, files that existed with other content and were replaced (only
        with ``force``), and files that existed with the same content.
    """

    folder: Path
    created: list[Path] = field(default_factory=list)
    replaced: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)


def checkout_root() -> Path | None:
    """The repository checkout the package runs from, or None for an installed package."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and is_lab_folder(root) else None


def bundle_root() -> Path:
    """The folder holding the bundle's ``notebooks/``, ``data/`` and ``examples/``.

    Returns
    -------
    pathlib.Path
        ``xsell_lab/bundle`` of an installed package, else the repository checkout.

    Raises
    ------
    FileNotFoundError
        When neither exists (a broken installation).
    """
    if (INSTALLED_BUNDLE / "notebooks").is_dir():
        return INSTALLED_BUNDLE
    checkout = checkout_root()
    if checkout is None:
        raise FileNotFoundError(
            f"xsell-lab's notebooks are missing: neither {INSTALLED_BUNDLE} nor a repository checkout "
            "holds them. Reinstall the package (pip install --force-reinstall xsell-lab)."
        )
    return checkout


def bundle_files() -> list[Path]:
    """Every file of the bundle, relative to :func:`bundle_root`, in name order.

    Hidden files and folders (``.ipynb_checkpoints``) are left out.
    """
    root = bundle_root()
    found = {
        path.relative_to(root)
        for folder, patterns in BUNDLE_FILES.items()
        for pattern in patterns
        for path in (root / folder).glob(pattern)
        if path.is_file()
    }
    return sorted(path for path in found if not any(part.startswith(".") for part in path.parts))


def is_lab_folder(folder: str | os.PathLike) -> bool:
    """Whether ``folder/notebooks`` exists and holds at least one ``NN-*.ipynb`` file."""
    notebooks = Path(folder) / "notebooks"
    return notebooks.is_dir() and any(LAB_NOTEBOOK.match(path.name) for path in notebooks.iterdir())


def find_lab_folder(start: str | os.PathLike) -> Path | None:
    """``start`` or its nearest ancestor that :func:`is_lab_folder`, or None."""
    start = Path(start).resolve()
    return next((folder for folder in (start, *start.parents) if is_lab_folder(folder)), None)


def lab_root(start: str | os.PathLike | None = None) -> Path:
    """The lab folder a command works in (the rule is :data:`LAB_RULE`).

    Parameters
    ----------
    start : str or path-like, optional
        Where to start looking; defaults to the current folder.

    Raises
    ------
    NoLabFolderError
        When there is no lab folder around ``start`` and the package is not a checkout.
    """
    start = Path.cwd() if start is None else Path(start)
    found = find_lab_folder(start) or checkout_root()
    if found is None:
        raise NoLabFolderError(
            f"No lab folder here: neither {start.resolve()} nor a folder above it has a notebooks/ folder "
            "of NN-*.ipynb files. Create one with `xsell-lab init DIR` and run the command inside DIR "
            "(or name a notebook file and --out)."
        )
    return found


def notebook_folder(start: str | os.PathLike | None = None) -> Path:
    """``notebooks/`` of :func:`lab_root`."""
    return lab_root(start) / "notebooks"


def lab_readme() -> str:
    """The ``README.md`` written into a new lab folder."""
    return """# xsell-lab: your lab folder

Made by `xsell-lab init`. Everything here is yours to change; the installed package is not touched.

- `notebooks/`: the numbered notebooks, one business question each (00 welcome ... 10 executive report).
- `data/`: the bundled synthetic company *Northwind Tech* (Parquet), its planted truth
  (`ground_truth.json`) and `data/README.md`. The notebooks read `../data` by default, so keep
  `notebooks/` and `data/` side by side.
- `examples/`: an example ERP export (`shop_export/`) and its column mapping (`shop_export_mapping.yaml`).
- `reports/`: executed notebooks and PDFs, once you run something.

## Next commands (from this folder or any folder below it)

```bash
xsell-lab list          # the notebooks, their questions and parameters
xsell-lab run 01        # run notebook 01; the executed copy lands in reports/
xsell-lab report 10     # the executive report as a PDF in reports/
jupyter lab             # open the notebooks in JupyterLab
```

## Your own data

Put your tables in a folder (CSV, Parquet or Excel), describe your column names in a YAML mapping
like `examples/shop_export_mapping.yaml`, and pass both:

```bash
xsell-lab run 01 --data examples/shop_export --mapping examples/shop_export_mapping.yaml
xsell-lab report 10 --data path/to/my_data --mapping path/to/my_mapping.yaml
```

In JupyterLab, set the `data_path` and `mapping_path` parameters at the top of a notebook instead.
"""


def init_lab(target: str | os.PathLike, *, force: bool = False) -> InitResult:
    """Create a lab folder: the bundle's notebooks, data and examples plus a README.

    Parameters
    ----------
    target : str or path-like
        The folder to create. It may exist only when empty, unless ``force``.
    force : bool
        Also write into a folder that holds files: bundle files there with other content
        are replaced (and listed in ``replaced``); other files are left alone.

    Returns
    -------
    InitResult
        What was created, replaced and left unchanged.

    Raises
    ------
    LabFolderNotEmptyError
        When ``target`` holds files and ``force`` is false (nothing is written).
    NotADirectoryError
        When ``target`` is a file.
    """
    target = Path(target).resolve()
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{target} is a file, not a folder; choose a new folder name.")
    files = {path: (bundle_root() / path).read_bytes() for path in bundle_files()}
    files[Path("README.md")] = lab_readme().encode("utf-8")
    if target.is_dir() and any(target.iterdir()):
        if not force:
            raise LabFolderNotEmptyError(
                f"{target} is not empty; nothing was written. Choose a new or empty folder, or pass --force "
                "to write the lab's files into it (files of the same name are replaced and listed)."
            )
        return _write_each(target, files)
    return _write_new_folder(target, files)


def _write_new_folder(target: Path, files: dict[Path, bytes]) -> InitResult:
    """Write every file into a temporary sibling folder, then move it into place whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        staging.chmod(0o777 & ~current_umask())
        for relative, content in files.items():
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            (staging / relative).write_bytes(content)
        os.replace(staging, target)  # an empty target folder is replaced as well
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return InitResult(target, created=sorted(files))


def _write_each(target: Path, files: dict[Path, bytes]) -> InitResult:
    """Write each file atomically into an existing folder, recording what was there before."""
    result = InitResult(target)
    for relative, content in sorted(files.items()):
        path = target / relative
        if path.is_file() and path.read_bytes() == content:
            result.unchanged.append(relative)
            continue
        (result.replaced if path.exists() else result.created).append(relative)
        write_whole(path, content)
    return result

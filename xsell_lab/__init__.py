"""xsell-lab: cross-selling analytics for teaching and for real data.

The package is layered; a module imports only from the layers above it in this list
(``tests/test_layers.py`` checks it):

``exceptions``
    every error and warning the lab raises;
``data``
    the canonical data model: schema, validation, mapping, io, company, adapters;
``stats``
    the statistics kernel: intervals, hypothesis tests, "A then B" sequences, the
    estimator protocol;
the business concepts
    ``kpis``, ``customers``, ``lifecycle``, ``targeting``, ``basket``, ``propensity``,
    ``guardrails``, ``pricing``, ``clv``, ``experiments``, ``channels``, ``triggers``,
    ``recommendations`` (what the executive report recommends, from the others' results),
    ``accounts`` (the B2B account map: roles reached x solutions held) and ``playbook``
    (call lists with reasons a rep can say, and role-play cards);
``plots``
    one module per concept, ``ax=None`` in, Axes out;
``synth``
    the synthetic company and its planted truth (the only code that knows it);
``lab``
    the application: command line, notebook runner, PDF reports, lab folders.

The public names below and the subpackages are imported on first use (PEP 562 module
``__getattr__``), so ``import xsell_lab`` and the ``xsell-lab`` command start at once
instead of loading pandas, SciPy and matplotlib.

Modules that moved in 0.2 (``xsell_lab.schema`` is now ``xsell_lab.data.schema``, ...;
see :data:`MOVED`) still import from their old path, with a ``FutureWarning``, until 0.3.
"""

import importlib
import importlib.abc
import importlib.machinery
import pkgutil
import sys
import warnings

__version__ = "0.1.0"
__all__ = ["Company", "DataValidationError", "MissingTableError", "kept_lines", "load_company", "sales_lines", "write_company", "__version__"]

# public name -> the module that defines it
_PUBLIC = {
    "Company": "xsell_lab.data.company",
    "MissingTableError": "xsell_lab.exceptions",
    "sales_lines": "xsell_lab.data.company",
    "kept_lines": "xsell_lab.data.company",
    "load_company": "xsell_lab.data.io",
    "write_company": "xsell_lab.data.io",
    "DataValidationError": "xsell_lab.exceptions",
}

#: Old module path -> new one, for the modules that moved into the layers in 0.2.
MOVED = {
    "xsell_lab.schema": "xsell_lab.data.schema",
    "xsell_lab.validation": "xsell_lab.data.validation",
    "xsell_lab.mapping": "xsell_lab.data.mapping",
    "xsell_lab.io": "xsell_lab.data.io",
    "xsell_lab.company": "xsell_lab.data.company",
    "xsell_lab.adapters": "xsell_lab.data.adapters",
    "xsell_lab.metrics": "xsell_lab.kpis",
    "xsell_lab.cli": "xsell_lab.lab.cli",
    "xsell_lab.runner": "xsell_lab.lab.runner",
    "xsell_lab.workspace": "xsell_lab.lab.workspace",
    "xsell_lab.report": "xsell_lab.lab.report",
}
_SUBMODULES = frozenset(module.name for module in pkgutil.iter_modules(__path__) if not module.name.startswith("_"))


def _new_path(name: str) -> str | None:
    """The new path of a moved module or of a module inside a moved package, else None."""
    for old, new in MOVED.items():
        if name == old or name.startswith(old + "."):
            return new + name[len(old) :]
    return None


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports a moved module under its old name as the very same module object.

    The old name is bound to the module already imported under the new one (never a
    second copy, so classes and module state stay one), and a ``FutureWarning`` points
    at the importing line (frames of importlib itself are skipped by :mod:`warnings`).
    """

    def find_spec(self, fullname, path=None, target=None):
        if _new_path(fullname) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec):
        new = _new_path(spec.name)
        warnings.warn(
            f"{spec.name} moved to {new} in xsell-lab 0.2; the old path stops working in 0.3",
            FutureWarning,
            stacklevel=2,
        )
        module = importlib.import_module(new)
        self._own_spec = module.__spec__
        return module

    def exec_module(self, module):
        # importlib set the alias spec on the module; give it back its own
        module.__spec__ = self._own_spec


if not any(isinstance(finder, _MovedModuleFinder) for finder in sys.meta_path):
    sys.meta_path.insert(0, _MovedModuleFinder())


def __getattr__(name: str) -> object:
    """A public name or a subpackage, imported when first asked for."""
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
    elif name in _SUBMODULES or f"{__name__}.{name}" in MOVED:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})

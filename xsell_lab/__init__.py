"""xsell-lab: cross-selling analytics for teaching and for real data.

The public names below and the submodules (``xsell_lab.clv``, ``xsell_lab.schema``, ...)
are imported on first use (PEP 562 module ``__getattr__``), so ``import xsell_lab`` and
the ``xsell-lab`` command start at once instead of loading pandas, SciPy and matplotlib.
"""

import importlib
import pkgutil

__version__ = "0.1.0"
__all__ = ["Company", "DataValidationError", "MissingTableError", "load_company", "sales_lines", "write_company", "__version__"]

# public name -> the module that defines it
_PUBLIC = {
    "Company": "xsell_lab.company",
    "MissingTableError": "xsell_lab.company",
    "sales_lines": "xsell_lab.company",
    "load_company": "xsell_lab.io",
    "write_company": "xsell_lab.io",
    "DataValidationError": "xsell_lab.validation",
}
_SUBMODULES = frozenset(module.name for module in pkgutil.iter_modules(__path__) if not module.name.startswith("_"))


def __getattr__(name: str) -> object:
    """A public name or a submodule, imported when first asked for."""
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})

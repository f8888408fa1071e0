"""One word for one thing: the vocabulary of README "Contributing" holds across the package.

Checked on what the package exposes: every ``*_COLUMNS`` constant (the documented result
columns) and every public function's and method's parameters. A renamed keyword that still
works through :func:`xsell_lab._deprecation.renamed_parameters` is not a parameter of the
signature, so it does not count.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import xsell_lab
from xsell_lab.data.schema import ITEM_LEVELS
from xsell_lab.data.validation import AUTOMATIC

#: Result column names the vocabulary replaced, and the word to use instead.
COLUMN_SYNONYMS = {
    "se": "std_error",
    "stderr": "std_error",
    "std_err": "std_error",
    "standard_error": "std_error",
    "ci_lower": "ci_low",
    "ci_upper": "ci_high",
    "lower": "ci_low",
    "upper": "ci_high",
    "pvalue": "p_value",
    "pval": "p_value",
    "coef": "estimate",
    "coefficient": "estimate",
}
#: Parameter names the vocabulary replaced.
PARAMETER_SYNONYMS = {
    "item_col": "item_column",
    "item_level": "level",
    "cutoff": "as_of",
    "cut_off": "as_of",
    "observation_end": "as_of",
    "split_date": "calibration_end",
}


def package_modules() -> list:
    names = [info.name for info in pkgutil.walk_packages(xsell_lab.__path__, "xsell_lab.") if ".bundle" not in info.name and not info.name.endswith("__main__")]
    return [importlib.import_module(name) for name in sorted(names) if xsell_lab._new_path(name) is None]


MODULES = package_modules()


def column_constants() -> list[tuple[str, str]]:
    found = []
    for module in MODULES:
        for name, value in vars(module).items():
            if name.endswith("_COLUMNS") and isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                found += [(f"{module.__name__}.{name}", column) for column in value]
    return sorted(set(found))


def public_callables() -> list[tuple[str, object]]:
    found = {}
    for module in MODULES:
        for name, value in vars(module).items():
            if name.startswith("_") or getattr(value, "__module__", "") != module.__name__:
                continue
            if inspect.isfunction(value):
                found[f"{module.__name__}.{name}"] = value
            elif inspect.isclass(value):
                for method_name, method in vars(value).items():
                    if inspect.isfunction(method) and (not method_name.startswith("_") or method_name == "__init__"):
                        found[f"{module.__name__}.{name}.{method_name}"] = method
    return sorted(found.items())


def parameters(function) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(function).parameters)


def test_the_vocabulary_checks_see_the_package():
    assert len(MODULES) > 40 and len(column_constants()) > 100 and len(public_callables()) > 300


def test_no_result_column_uses_a_replaced_word():
    wrong = [f"{where}: {column!r} (say {COLUMN_SYNONYMS[column]!r})" for where, column in column_constants() if column in COLUMN_SYNONYMS]
    assert not wrong, "\n".join(wrong)


def test_no_parameter_uses_a_replaced_word():
    wrong = [
        f"{where}({name}=) (say {PARAMETER_SYNONYMS[name]}=)"
        for where, function in public_callables()
        for name in parameters(function)
        if name in PARAMETER_SYNONYMS
    ]
    assert not wrong, "\n".join(wrong)


def test_a_column_name_parameter_ends_in_column():
    wrong = [
        f"{where}({name}=) (say {name[:-len('_col')]}_column=)"
        for where, function in public_callables()
        for name in parameters(function)
        if name.endswith("_col")
    ]
    assert not wrong, "\n".join(wrong)


def test_level_is_an_item_level_and_confidence_a_probability():
    wrong = []
    for where, function in public_callables():
        for name, parameter in parameters(function).items():
            default = parameter.default
            if default is inspect.Parameter.empty or default is None:
                continue
            if name == "level" and default not in (*ITEM_LEVELS, *AUTOMATIC):
                wrong.append(f"{where}(level={default!r}): level is an item level; an interval's level is confidence=")
            if name == "confidence" and not (isinstance(default, float) and 0.5 <= default < 1):
                wrong.append(f"{where}(confidence={default!r}): confidence is an interval's level, e.g. 0.95")
            if name == "alpha" and isinstance(default, float) and default > 0.5:
                wrong.append(f"{where}(alpha={default!r}): alpha is a test's significance level; an interval takes confidence=")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    "source, problem",
    [
        ("def f(lines, *, item_col='category'):\n    pass\n", "parameter"),
        ("def f(result, *, level=0.95):\n    pass\n", "level"),
    ],
)
def test_the_checks_catch_a_replaced_word(source, problem):
    namespace = {}
    exec(source, namespace)
    function = namespace["f"]
    names = parameters(function)
    if problem == "parameter":
        assert set(names) & set(PARAMETER_SYNONYMS)
    else:
        assert names["level"].default not in (*ITEM_LEVELS, *AUTOMATIC)

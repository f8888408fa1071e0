"""Keep renamed keyword arguments working, with a warning, for one release.

The package's vocabulary (README "Contributing: one vocabulary") renamed a few
parameters in 0.2 (``item_col`` -> ``item_column``, ``alpha`` of an interval ->
``confidence``, ...). :func:`renamed_parameters` lets a call with the old name go on
working until 0.3 and tells the caller, once per call site, what to write instead.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import TypeVar

import pandas as pd

F = TypeVar("F", bound=Callable)


def renamed_parameters(**renames: str | tuple[str, Callable]) -> Callable[[F], F]:
    """Accept ``old=`` keyword arguments as ``new=`` with a ``FutureWarning``.

    Parameters
    ----------
    **renames : str or (str, callable)
        ``old_name="new_name"`` pairs: a value passed under the old name is passed on
        under the new one unchanged. When the meaning changed too, give
        ``old_name=("new_name", convert)``: ``convert(old_value)`` is passed on (an
        exclusive end date becoming an inclusive ``as_of`` is converted to the day before).

    Raises
    ------
    TypeError
        When a call passes both names.

    Examples
    --------
    >>> @renamed_parameters(item_col="item_column")
    ... def count(lines, *, item_column="category"):
    ...     return item_column
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     count(None, item_col="product_id")
    'product_id'
    """

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            for old, rename in renames.items():
                if old not in kwargs:
                    continue
                new, convert = (rename, None) if isinstance(rename, str) else rename
                if new in kwargs:
                    raise TypeError(f"{function.__qualname__}() got both {old}= and {new}=; {old}= is the old name of {new}=")
                how = (convert.__doc__ or "").strip().splitlines()[:1] if convert is not None else []
                converted = f", converted: {how[0]}" if how else ""
                warnings.warn(
                    f"{function.__qualname__}(): {old}= is now {new}= (xsell-lab 0.2){converted}; {old}= stops working in 0.3",
                    FutureWarning,
                    stacklevel=2,
                )
                value = kwargs.pop(old)
                kwargs[new] = value if convert is None else convert(value)
            return function(*args, **kwargs)

        wrapper.renamed_parameters = {old: rename if isinstance(rename, str) else rename[0] for old, rename in renames.items()}
        return wrapper  # type: ignore[return-value]

    return decorate


def day_before(end: str | pd.Timestamp) -> pd.Timestamp:
    """An exclusive end of history (the first day after it) as the inclusive ``as_of``: the day before."""
    return pd.Timestamp(end).normalize() - pd.Timedelta(days=1)


def days_before(ends) -> list[pd.Timestamp]:
    """:func:`day_before` of each end."""
    return [day_before(end) for end in ends]

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

F = TypeVar("F", bound=Callable)


def renamed_parameters(**renames: str) -> Callable[[F], F]:
    """Accept ``old=`` keyword arguments as ``new=`` with a ``FutureWarning``.

    Parameters
    ----------
    **renames : str
        ``old_name="new_name"`` pairs. A value passed under the old name is passed on
        under the new one unchanged; when the meaning changed too (an exclusive end
        became an inclusive one), convert in the function instead.

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
            for old, new in renames.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise TypeError(f"{function.__qualname__}() got both {old}= and {new}=; {old}= is the old name of {new}=")
                warnings.warn(
                    f"{function.__qualname__}(): {old}= is now {new}= (xsell-lab 0.2); {old}= stops working in 0.3",
                    FutureWarning,
                    stacklevel=2,
                )
                kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)

        wrapper.renamed_parameters = dict(renames)
        return wrapper  # type: ignore[return-value]

    return decorate

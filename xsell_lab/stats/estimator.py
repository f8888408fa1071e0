"""The estimator protocol every model of the package follows.

A model of xsell-lab (``BetaGeoModel``, ``GammaGammaModel``, ``PropensityModel``,
``PriceElasticityModel``) behaves like a scikit-learn estimator, minimally
(Buitinck et al. 2013, sec. 3):

- its settings are the arguments of ``__init__``, stored under the same names;
- ``fit(...)`` returns the model itself, so ``Model().fit(data).summary()`` reads as one line;
  fitted attributes end in ``_``, and ``n_rows_`` is the number of rows fitted;
- anything that needs a fit (methods marked with :func:`requires_fit`) raises
  :class:`~xsell_lab.exceptions.NotFittedError` before it;
- its ``repr`` shows the settings and, once fitted, the number of rows and the fitted
  parameters to :data:`REPR_DIGITS` significant digits (a notebook prints it, and the
  notebook tests compare outputs exactly across machines, whose last digits differ);
- ``summary(confidence=0.95)`` returns one row per parameter with the columns
  :data:`SUMMARY_COLUMNS` (and ``p_value`` where a test applies).

References
----------
Buitinck, L. et al. (2013). API design for machine learning software: experiences from
the scikit-learn project. *ECML PKDD Workshop: Languages for Data Mining and Machine
Learning*, 108-122. arXiv:1309.0238.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd
from scipy import stats

from xsell_lab.exceptions import NotFittedError, ParameterError

#: Columns every ``summary()`` has, in this order (plus ``p_value`` where a test applies).
SUMMARY_COLUMNS = ["estimate", "std_error", "ci_low", "ci_high"]
#: Significant digits of the parameters in a fitted model's ``repr``.
REPR_DIGITS = 4
#: Parameters shown in a ``repr``; the others are counted ("... and 12 more").
REPR_PARAMETERS = 8

F = TypeVar("F", bound=Callable)


def requires_fit(method: F) -> F:
    """Mark a method that needs a fitted model: it raises ``NotFittedError`` before ``fit``.

    The mark (``method.requires_fit``) lets the protocol test find every such method.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        self.check_fitted()
        return method(self, *args, **kwargs)

    wrapper.requires_fit = True
    return wrapper  # type: ignore[return-value]


def check_confidence(confidence: float) -> float:
    """Return ``confidence`` as a float after checking it is strictly between 0 and 1.

    Raises
    ------
    ParameterError
        For 0, 1, a percentage such as 95, or anything that is not a number.
    """
    try:
        value = float(confidence)
    except (TypeError, ValueError):
        value = np.nan
    if not 0 < value < 1:
        raise ParameterError(f"confidence is the level of an interval, strictly between 0 and 1 (0.95 for 95 %). Got {confidence!r}.")
    return value


def confidence_from_alpha(alpha: float | None, confidence: float, owner: str) -> float:
    """The interval level of a call that may still use the old ``alpha=`` keyword (``confidence = 1 - alpha``).

    ``alpha`` of an interval became ``confidence`` in xsell-lab 0.2 (README "one
    vocabulary"); the old keyword keeps its old meaning, with a ``FutureWarning``, until 0.3.

    Parameters
    ----------
    alpha : float or None
        The old keyword's value, ``None`` when the caller did not pass it.
    confidence : float
        The new keyword's value.
    owner : str
        The function's name, for the warning.
    """
    if alpha is None:
        return check_confidence(confidence)
    warnings.warn(
        f"{owner}(): alpha= of an interval is now confidence= (confidence = 1 - alpha; xsell-lab 0.2); "
        "alpha= stops working in 0.3",
        FutureWarning,
        stacklevel=3,
    )
    return check_confidence(1 - alpha)


def wald_table(estimate: pd.Series, std_error: pd.Series, confidence: float = 0.95) -> pd.DataFrame:
    """Estimate, standard error and the Wald interval ``estimate +- z std_error``.

    Parameters
    ----------
    estimate, std_error : pandas.Series
        Indexed by parameter.
    confidence : float, default 0.95
        Level of the interval; ``z`` is the standard normal ``(1 + confidence) / 2`` quantile.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUMMARY_COLUMNS`, indexed like ``estimate`` (index name ``parameter``).
    """
    z = stats.norm.ppf(0.5 + check_confidence(confidence) / 2)
    table = pd.DataFrame(
        {"estimate": estimate, "std_error": std_error, "ci_low": estimate - z * std_error, "ci_high": estimate + z * std_error},
        columns=SUMMARY_COLUMNS,
    )
    return table.rename_axis("parameter")


class Estimator:
    """Base class of the package's models: fit state, ``repr`` and the ``summary`` contract.

    A subclass stores every ``__init__`` argument under its own name, sets ``n_rows_`` at
    the end of ``fit`` (that marks it fitted), implements :meth:`_parameters` (the fitted
    parameters the ``repr`` shows) and :meth:`_summary`, and marks the methods that need a
    fit with :func:`requires_fit`. ``_fit_call`` names the call to make in the
    ``NotFittedError`` message.
    """

    _fit_call = "fit(data)"
    #: ``__init__`` keywords kept for one release under an old name (stored under the new one).
    _deprecated_settings: tuple[str, ...] = ()

    @classmethod
    def _setting_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        skipped = {"self", *cls._deprecated_settings}
        return [name for name, p in signature.parameters.items() if name not in skipped and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def get_params(self) -> dict[str, object]:
        """The settings, by name, as given to ``__init__``."""
        return {name: getattr(self, name) for name in self._setting_names()}

    @property
    def is_fitted(self) -> bool:
        """Whether :meth:`fit` has run (the fitted attributes exist)."""
        return hasattr(self, "n_rows_")

    def check_fitted(self) -> None:
        """Raise :class:`~xsell_lab.exceptions.NotFittedError` unless the model is fitted."""
        if not self.is_fitted:
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet: call {self._fit_call} first.")

    def _parameters(self) -> pd.Series:
        """The fitted parameters to show in the ``repr``, by name."""
        raise NotImplementedError

    def _summary(self, confidence: float) -> pd.DataFrame:
        """The summary table at the given (checked) confidence."""
        raise NotImplementedError

    @requires_fit
    def summary(self, *, confidence: float = 0.95) -> pd.DataFrame:
        """Estimates with their standard errors and ``confidence`` intervals, one row per parameter.

        Parameters
        ----------
        confidence : float, default 0.95
            Level of the intervals.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`SUMMARY_COLUMNS` (``estimate``, ``std_error``, ``ci_low``,
            ``ci_high``), ``p_value`` where a test applies, and the model's own columns.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        """
        return self._summary(check_confidence(confidence))

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={value!r}" for name, value in self.get_params().items())
        text = f"{type(self).__name__}({settings})"
        if not self.is_fitted:
            return text + "\n  not fitted"
        parameters = self._parameters()
        shown = ", ".join(f"{name}={_significant(value)}" for name, value in parameters.iloc[:REPR_PARAMETERS].items())
        more = len(parameters) - REPR_PARAMETERS
        text += f"\n  fitted on {self.n_rows_:,} rows"
        if len(parameters):
            text += f": {shown}" + (f", ... and {more} more (see summary())" if more > 0 else "")
        return text


def _significant(value: float) -> str:
    """``value`` to :data:`REPR_DIGITS` significant digits, ``-0`` shown as ``0``."""
    shown = f"{float(value):.{REPR_DIGITS}g}"
    return "0" if shown == "-0" else shown


__all__ = [
    "Estimator",
    "REPR_DIGITS",
    "REPR_PARAMETERS",
    "SUMMARY_COLUMNS",
    "check_confidence",
    "confidence_from_alpha",
    "requires_fit",
    "wald_table",
]

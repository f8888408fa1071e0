"""Product roles: which categories need another first, and which customers buy again and again.

Two facts about a catalogue change what may be offered: an add-on **requires** a main
product (a case is of no use without its device; the guardrails do not offer it to
customers who do not own one), and a consumable is **repeatable** (owning one is no
reason not to offer it again). The categories that other products require are the
**devices**: the anchors an accessory goes with (:mod:`xsell_lab.channels` compares
accessory tiers with the device's tier).

These are facts about a company, so they live in its data: the optional columns
``requires`` and ``repeatable`` of the ``products`` table
(:mod:`xsell_lab.data.schema`). Where an export does not have them (the columns are
empty), :func:`category_roles` derives them from purchase behaviour and says so:

* :func:`derive_repeatable`: a category is repeatable when it has at least 30 buyers
  and at least a third of them bought several units in one line of an item usually
  sold one at a time (stock for later), or a majority of them bought it on two or
  more orders (replenishment: Ehrenberg 1988 on repeat buying of frequently bought
  goods). A wholesaler's dozen in one line is one purchase, and a loyal customer
  coming back for an item now and then does not make it a consumable: counting
  units alone made nearly every product of such a catalogue repeatable, and the
  already-owned rule then let through offers that are repurchases, not cross-sales;
* :func:`derive_prerequisites`: a category requires another when nearly all its
  buyers (90 %) had bought that other category by the day of their first purchase of
  it (the same order counts). The high bar keeps a popular companion (software
  bought by most laptop owners) from blocking offers to the customers who buy it
  alone. A derived prerequisite is never circular: when items require each other
  (two variants of one product, bought together), the weakest link of the circle
  (lowest share) is dropped.

References
----------
Ehrenberg, A. S. C. (1988). *Repeat-Buying: Facts, Theory and Applications* (2nd ed.).
Griffin, London.
Shah, D. & Kumar, V. (2012). The dark side of cross-selling. *Harvard Business
Review*, 90(12), 21-23 (offers of products customers cannot use come back as returns).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns

#: Columns of :func:`derive_repeatable`, after the item column (``category`` or ``product_id``).
REPEAT_COLUMNS = ["buyers", "several_in_a_line", "several_share", "on_two_orders", "two_orders_share", s.REPEATABLE]
#: Columns of :func:`derive_prerequisites`, after the item column.
PREREQUISITE_COLUMNS = ["buyers", s.REQUIRES, "with_requires", "requires_share", "prerequisite"]
#: Columns of :func:`category_roles`.
ROLE_COLUMNS = [s.CATEGORY, s.REQUIRES, s.REPEATABLE, "requires_from", "repeatable_from"]
#: Values of ``requires_from`` / ``repeatable_from``: where a role came from.
FROM_PARAMETERS = "set in the parameters"
FROM_PURCHASES = "derived from purchases"
#: Default thresholds of the derivations (see the module docstring).
MIN_REPEAT_SHARE = 1 / 3
MIN_REPEAT_ORDER_SHARE = 1 / 2
MIN_REQUIRES_SHARE = 0.9
MIN_BUYERS = 30

_SALES_LINES = "sales_lines"


class ItemLabels(dict):
    """``{item: label}``; an item without a label shows as itself (``labels[x]`` never fails).

    A :class:`dict`, so ``series.map(labels)`` and ``labels.get(x, x)`` work as usual
    (pandas uses ``__missing__`` of a dict subclass in ``Series.map``).
    """

    def __missing__(self, item) -> str:
        return str(item)

    def __repr__(self) -> str:
        return f"ItemLabels({len(self):,} items)"


def item_labels(products: pd.DataFrame, level: str = "category") -> ItemLabels:
    """What to *show* for each item at ``level``: the one rule for labels in notebooks and reports.

    Analyses group by the item key (:func:`xsell_lab.data.schema.item_column`:
    ``category``, or ``product_id`` at product level) so that two products
    sharing a name stay two products; sentences and tables show a label:

    * category level: each category is its own label;
    * product level: the product's name when no other product has it, else
      ``"NAME (product_id)"``; a product without a name shows its id.

    Labels are unique, so a table relabelled with them keeps one row per item.

    Parameters
    ----------
    products : pandas.DataFrame
        The products table (``product_id``, ``category``; ``product_name`` when known).
    level : {"category", "product"}
        The items.

    Returns
    -------
    ItemLabels
        ``{item: label}`` for every item of ``products`` (a dict whose missing keys
        show as themselves).

    Raises
    ------
    ValueError
        For a level other than ``"category"`` or ``"product"``.

    Examples
    --------
    >>> products = pd.DataFrame({"product_id": ["1", "2", "3"], "product_name": ["MUG", "MUG", "BOWL"], "category": "unknown"})
    >>> dict(item_labels(products, "product"))
    {'1': 'MUG (1)', '2': 'MUG (2)', '3': 'BOWL'}
    """
    item = s.item_column(level)
    require_columns(products, [item], s.PRODUCTS)
    if level == "category":
        names = products[s.CATEGORY].dropna().astype(str).unique()
        return ItemLabels({name: name for name in sorted(names)})
    ids = products[s.PRODUCT_ID].astype(str)
    names = products[s.PRODUCT_NAME] if s.PRODUCT_NAME in products else pd.Series(np.nan, index=products.index)
    names = names.where(names.notna() & (names.astype(str).str.strip() != ""), None)
    shown = names.fillna(ids).astype(str).str.strip()
    shared = shown.map(shown.value_counts()) > 1
    labels = shown.where(~shared, shown + " (" + ids + ")")
    return ItemLabels(zip(ids, labels))


def derive_repeatable(
    lines: pd.DataFrame,
    *,
    level: str = "category",
    min_share: float = MIN_REPEAT_SHARE,
    min_order_share: float = MIN_REPEAT_ORDER_SHARE,
    min_buyers: int = MIN_BUYERS,
) -> pd.DataFrame:
    """Which items customers buy again and again: the consumables of a catalogue.

    Per item, two signs of repeat buying::

        several_share    = buyers with more than one unit in one line / buyers
                           (counted only when at least half the item's lines hold one unit)
        two_orders_share = buyers who bought it on two or more orders / buyers
        repeatable       = buyers >= min_buyers and (several_share >= min_share
                                                     or two_orders_share >= min_order_share)

    Several units in one line count only for items usually sold one at a time (a
    second cartridge is stock for later; a wholesaler's dozen of an item always sold
    by the dozen is one purchase). Coming back on a second order must be typical of
    the item, a majority of its buyers: a loyal customer comes back for many items
    now and then, and offering those to their owners is a repurchase, not a
    cross-sale. An item with fewer than ``min_buyers`` buyers is not called
    repeatable (a few buyers who came back say nothing about a catalogue), so the
    already-owned rule keeps applying to it.

    Parameters
    ----------
    lines : pandas.DataFrame
        Sales lines (``customer_id``, ``order_id``, ``quantity`` and the ``level``
        column), e.g. :func:`xsell_lab.sales_lines`.
    level : {"category", "product"}
        The items.
    min_share : float
        Share of buyers with several units in one line from which an item is repeatable.
    min_order_share : float
        Share of buyers on two or more orders from which an item is repeatable.
    min_buyers : int
        Items with fewer buyers are not repeatable.

    Returns
    -------
    pandas.DataFrame
        The item column then :data:`REPEAT_COLUMNS`, one row per item, repeatable
        items first, then by ``two_orders_share`` and ``several_share`` (highest
        first; ties by name).
    """
    item = s.item_column(level)
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.QUANTITY, item], _SALES_LINES)
    sold_singly = (lines[s.QUANTITY] <= 1).groupby(lines[item], observed=True).mean() >= 1 / 2
    several_in_a_line = (lines[s.QUANTITY] > 1) & lines[item].map(sold_singly).fillna(False).astype(bool)
    per_buyer = lines.assign(several=several_in_a_line).groupby([item, s.CUSTOMER_ID], observed=True)
    signs = pd.DataFrame({"several": per_buyer["several"].any(), "two_orders": per_buyer[s.ORDER_ID].nunique() > 1})
    table = signs.groupby(level=item, observed=True).agg(
        buyers=("several", "size"), several_in_a_line=("several", "sum"), on_two_orders=("two_orders", "sum")).reset_index()
    table[item] = table[item].astype(str)
    table = table.astype({"buyers": "int64", "several_in_a_line": "int64", "on_two_orders": "int64"})
    table["several_share"] = table["several_in_a_line"] / table["buyers"]
    table["two_orders_share"] = table["on_two_orders"] / table["buyers"]
    table[s.REPEATABLE] = (table["buyers"] >= min_buyers) & (
        (table["several_share"] >= min_share) | (table["two_orders_share"] >= min_order_share))
    table = table.sort_values([s.REPEATABLE, "two_orders_share", "several_share", item], ascending=[False, False, False, True], kind="stable")
    return table[[item, *REPEAT_COLUMNS]].reset_index(drop=True)


def derive_prerequisites(
    lines: pd.DataFrame,
    *,
    level: str = "category",
    min_share: float = MIN_REQUIRES_SHARE,
    min_buyers: int = MIN_BUYERS,
) -> pd.DataFrame:
    """Which item nearly every buyer of an item had already bought: its prerequisite.

    For item B and another item A::

        with_requires  = B's buyers who bought A on or before the day of their first purchase of B
        requires_share = with_requires / B's buyers

    ``requires`` is the A with the largest share (ties by name), and B requires it
    (``prerequisite``) when the share is at least ``min_share`` and B has at least
    ``min_buyers`` buyers, unless that closes a circle of prerequisites (B needs A,
    A needs B): then the link with the lowest share in the circle (ties: the
    item last by name) is not a prerequisite. Items with fewer buyers are left out as candidates on both
    sides (a handful of buyers says nothing about a catalogue). The counts come from
    one sparse product of "first bought on day d" by "bought by day d" indicators,
    so large catalogues stay cheap.

    Parameters
    ----------
    lines : pandas.DataFrame
        Sales lines (``customer_id``, ``order_date`` and the ``level`` column).
    level : {"category", "product"}
        The items.
    min_share : float
        Share of buyers from which A counts as B's prerequisite.
    min_buyers : int
        Items with fewer buyers are not considered.

    Returns
    -------
    pandas.DataFrame
        The item column then :data:`PREREQUISITE_COLUMNS`, one row per item with at
        least ``min_buyers`` buyers, highest ``requires_share`` first (ties by name);
        ``requires`` is empty when no other item qualifies.
    """
    item = s.item_column(level)
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_DATE, item], _SALES_LINES)
    first = lines.groupby([s.CUSTOMER_ID, item], observed=True)[s.ORDER_DATE].min().rename("first").reset_index()
    first[item] = first[item].astype(str)
    buyers = first[item].value_counts()
    first = first[first[item].map(buyers) >= min_buyers]
    items = pd.Index(sorted(first[item].unique()))
    counts = _on_or_before_counts(first, items, item)
    n = counts.diagonal()
    counts.setdiag(0)
    counts.eliminate_zeros()
    counts.sort_indices()
    best = np.asarray(counts.argmax(axis=1)).ravel() if len(items) else np.zeros(0, dtype="int64")
    together = counts.max(axis=1).toarray().ravel() if len(items) else np.zeros(0, dtype="int64")
    requires = pd.Series(items[best], dtype=object).where(together > 0, None)
    table = pd.DataFrame({item: items, "buyers": n, s.REQUIRES: requires.to_numpy(), "with_requires": together})
    table["requires_share"] = table["with_requires"] / table["buyers"]
    table["prerequisite"] = table["requires_share"] >= min_share
    table = table.sort_values(["requires_share", item], ascending=[False, True], kind="stable")
    table["prerequisite"] = _without_cycles(table.set_index(item)).to_numpy()
    return table[[item, *PREREQUISITE_COLUMNS]].reset_index(drop=True)


def category_roles(
    products: pd.DataFrame,
    lines: pd.DataFrame,
    *,
    repeatable: Sequence[str] = (),
    min_repeat_share: float = MIN_REPEAT_SHARE,
    min_requires_share: float = MIN_REQUIRES_SHARE,
    min_buyers: int = MIN_BUYERS,
) -> pd.DataFrame:
    """The role of every category: what it requires, whether it is repeatable, and where that came from.

    Each role is read from its column of the products table when the column has a
    value for at least one product (a category requires every category its products
    name in ``requires``; it is repeatable when one of its products is). Otherwise it
    is derived from purchases (:func:`derive_prerequisites`,
    :func:`derive_repeatable`). ``repeatable`` given here overrides both.

    Parameters
    ----------
    products : pandas.DataFrame
        The products table (``product_id``, ``category``; ``requires`` and
        ``repeatable`` when known).
    lines : pandas.DataFrame
        Sales lines (``customer_id``, ``order_date``, ``quantity``, ``category``).
    repeatable : sequence of str, default ()
        Categories to call repeatable (the others are not); empty: the data decides.
    min_repeat_share, min_requires_share, min_buyers
        Thresholds of the derivations.

    Returns
    -------
    pandas.DataFrame
        :data:`ROLE_COLUMNS`, one row per category of ``products`` (by name):
        ``requires`` a tuple of categories (empty: stands alone), ``repeatable`` a
        bool, ``requires_from`` / ``repeatable_from`` the source in words
        (``"products.requires"``, :data:`FROM_PURCHASES`, :data:`FROM_PARAMETERS`).

    Raises
    ------
    ValueError
        A given repeatable category that is not a category of ``products``.
    """
    roles = category_requirements(products, lines, min_share=min_requires_share, min_buyers=min_buyers)
    names = roles[s.CATEGORY].tolist()
    unknown = [c for c in repeatable if c not in names]
    if unknown:
        raise ValueError(f"repeatable {', '.join(map(repr, unknown))} not found in column '{s.CATEGORY}' of table "
                         f"'{s.PRODUCTS}'; values: {', '.join(names)}.")
    if repeatable:
        roles[s.REPEATABLE], roles["repeatable_from"] = roles[s.CATEGORY].isin(list(repeatable)), FROM_PARAMETERS
    elif _has_values(products, s.REPEATABLE):
        flags = products[s.REPEATABLE].astype("boolean").fillna(False).astype(bool)
        flagged = flags.groupby(products[s.CATEGORY].astype(str)).any()
        roles[s.REPEATABLE], roles["repeatable_from"] = roles[s.CATEGORY].map(flagged), f"{s.PRODUCTS}.{s.REPEATABLE}"
    else:
        derived = derive_repeatable(lines, min_share=min_repeat_share, min_buyers=min_buyers).set_index(s.CATEGORY)[s.REPEATABLE]
        roles[s.REPEATABLE] = roles[s.CATEGORY].map(derived).fillna(False).astype(bool)
        roles["repeatable_from"] = FROM_PURCHASES
    return roles[ROLE_COLUMNS]


def category_requirements(
    products: pd.DataFrame,
    lines: pd.DataFrame,
    *,
    min_share: float = MIN_REQUIRES_SHARE,
    min_buyers: int = MIN_BUYERS,
) -> pd.DataFrame:
    """What every category requires, from ``products.requires`` or else from purchases.

    The part of :func:`category_roles` that needs no quantities (the devices of
    :mod:`xsell_lab.channels` come from it).

    Parameters
    ----------
    products : pandas.DataFrame
        ``product_id``, ``category`` (and ``requires`` when known).
    lines : pandas.DataFrame
        Sales lines (``customer_id``, ``order_date``, ``category``); read only when
        ``products.requires`` is empty or absent.
    min_share, min_buyers
        Thresholds of :func:`derive_prerequisites`.

    Returns
    -------
    pandas.DataFrame
        ``category``, ``requires`` (a tuple of categories), ``requires_from``; one row
        per category of ``products``, by name.
    """
    require_columns(products, [s.PRODUCT_ID, s.CATEGORY], s.PRODUCTS)
    categories = products[s.CATEGORY].astype(str)
    roles = pd.DataFrame({s.CATEGORY: sorted(categories.unique())})
    if _has_values(products, s.REQUIRES):
        named = products[s.REQUIRES].notna()
        needs = products.loc[named, s.REQUIRES].astype(str).groupby(categories[named]).agg(lambda r: tuple(sorted(set(r))))
        roles[s.REQUIRES], roles["requires_from"] = roles[s.CATEGORY].map(needs), f"{s.PRODUCTS}.{s.REQUIRES}"
    else:
        derived = derive_prerequisites(lines, min_share=min_share, min_buyers=min_buyers)
        derived = derived[derived["prerequisite"]].set_index(s.CATEGORY)[s.REQUIRES].map(lambda r: (r,))
        roles[s.REQUIRES], roles["requires_from"] = roles[s.CATEGORY].map(derived), FROM_PURCHASES
    roles[s.REQUIRES] = roles[s.REQUIRES].map(lambda r: r if isinstance(r, tuple) else ())
    return roles


def item_roles(
    products: pd.DataFrame,
    lines: pd.DataFrame,
    *,
    level: str = "category",
    repeatable: Sequence[str] = (),
    min_repeat_share: float = MIN_REPEAT_SHARE,
    min_requires_share: float = MIN_REQUIRES_SHARE,
    min_buyers: int = MIN_BUYERS,
) -> pd.DataFrame:
    """The roles of the items at ``level``: :func:`category_roles`, or the same for products.

    At product level each role is read from the product's own column when the
    column has a value for at least one product (a product requires the products of
    the categories its ``requires`` names; it is repeatable when flagged), else it is
    derived from purchases of products (:func:`derive_prerequisites`,
    :func:`derive_repeatable` with ``level="product"``). ``repeatable`` (product ids)
    overrides both.

    Parameters
    ----------
    products, lines
        As for :func:`category_roles`; at product level the lines need ``product_id``.
    level : {"category", "product"}
        The items offered.
    repeatable : sequence of str, default ()
        Items (categories, or product ids at product level) to call repeatable;
        empty: the data decides.
    min_repeat_share, min_requires_share, min_buyers
        Thresholds of the derivations.

    Returns
    -------
    pandas.DataFrame
        The item column (``category`` or ``product_id``), ``requires``, ``repeatable``,
        ``requires_from``, ``repeatable_from``; one row per item of ``products``.

    Raises
    ------
    ValueError
        A given repeatable item that is not an item of ``products``, or an unknown level.
    """
    item = s.item_column(level)
    thresholds = dict(min_repeat_share=min_repeat_share, min_requires_share=min_requires_share, min_buyers=min_buyers)
    if level == "category":
        return category_roles(products, lines, repeatable=repeatable, **thresholds)
    require_columns(products, [s.PRODUCT_ID, s.CATEGORY], s.PRODUCTS)
    ids = products[s.PRODUCT_ID].astype(str)
    roles = pd.DataFrame({item: sorted(ids.unique())})
    if _has_values(products, s.REQUIRES):
        members = ids.groupby(products[s.CATEGORY].astype(str)).agg(lambda p: tuple(sorted(p)))
        needs = {pid: members.get(str(r), ()) for pid, r in zip(ids, products[s.REQUIRES]) if pd.notna(r)}
        roles[s.REQUIRES], roles["requires_from"] = roles[item].map(needs), f"{s.PRODUCTS}.{s.REQUIRES}"
    else:
        derived = derive_prerequisites(lines, level=level, min_share=min_requires_share, min_buyers=min_buyers)
        derived = derived[derived["prerequisite"]].set_index(item)[s.REQUIRES].map(lambda r: (r,))
        roles[s.REQUIRES], roles["requires_from"] = roles[item].map(derived), FROM_PURCHASES
    roles[s.REQUIRES] = roles[s.REQUIRES].map(lambda r: r if isinstance(r, tuple) else ())
    unknown = [r for r in repeatable if r not in set(roles[item])]
    if unknown:
        raise ValueError(f"repeatable {', '.join(map(repr, unknown))} not found in column '{item}' of table '{s.PRODUCTS}'.")
    if repeatable:
        roles[s.REPEATABLE], roles["repeatable_from"] = roles[item].isin(list(repeatable)), FROM_PARAMETERS
    elif _has_values(products, s.REPEATABLE):
        flags = products[s.REPEATABLE].astype("boolean").fillna(False).astype(bool).groupby(ids).any()
        roles[s.REPEATABLE], roles["repeatable_from"] = roles[item].map(flags).fillna(False).astype(bool), f"{s.PRODUCTS}.{s.REPEATABLE}"
    else:
        derived = derive_repeatable(lines, level=level, min_share=min_repeat_share, min_buyers=min_buyers).set_index(item)[s.REPEATABLE]
        roles[s.REPEATABLE] = roles[item].map(derived).fillna(False).astype(bool)
        roles["repeatable_from"] = FROM_PURCHASES
    return roles[[item, *ROLE_COLUMNS[1:]]]


def prerequisites(roles: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """``{item: items it requires}`` for the guardrails, from :func:`category_roles` or :func:`item_roles`."""
    item = _role_item(roles)
    require_columns(roles, [item, s.REQUIRES], "roles")
    return {name: tuple(needs) for name, needs in zip(roles[item], roles[s.REQUIRES]) if len(needs)}


def repeatable_categories(roles: pd.DataFrame) -> tuple[str, ...]:
    """The repeatable items (categories, or product ids) of :func:`category_roles` / :func:`item_roles`, by name."""
    item = _role_item(roles)
    require_columns(roles, [item, s.REPEATABLE], "roles")
    return tuple(sorted(roles.loc[roles[s.REPEATABLE].astype(bool), item]))


def device_categories(roles: pd.DataFrame) -> tuple[str, ...]:
    """The devices: the categories other categories require, by name."""
    require_columns(roles, [s.REQUIRES], "roles")
    return tuple(sorted({needed for needs in roles[s.REQUIRES] for needed in needs}))


#: Most items :func:`describe_roles` names in one list; longer lists give a count and the first few.
MAX_NAMED = 12


def describe_roles(roles: pd.DataFrame, labels: Mapping[str, str] | None = None) -> str:
    """The roles in two sentences, each naming where it came from (for notebooks and reports).

    Parameters
    ----------
    roles : pandas.DataFrame
        :func:`category_roles` or :func:`item_roles`.
    labels : mapping, optional
        What to show for each item (:func:`item_labels`); default: the item itself.

    Returns
    -------
    str
        E.g. ``"Needs a main product first (from products.requires): case needs laptop.
        Bought again and again (derived from purchases): ink, paper."``; lists longer
        than :data:`MAX_NAMED` give their length and the first :data:`MAX_NAMED`.
    """
    show = (lambda item: str(labels.get(item, item))) if labels is not None else str
    needs = prerequisites(roles)
    required = _named([f"{show(item)} needs {' or '.join(map(show, main[:3]))}" + (f" (or {len(main) - 3:,} more)" if len(main) > 3 else "")
                       for item, main in needs.items()], "; ", len(roles))
    again = _named([show(item) for item in repeatable_categories(roles)], ", ", len(roles))
    return (f"Needs a main product first ({_source(roles, 'requires_from')}): {required}.\n"
            f"Bought again and again, so offered even to owners ({_source(roles, 'repeatable_from')}): {again}.")


# --- helpers ---------------------------------------------------------------------------


def _role_item(roles: pd.DataFrame) -> str:
    return s.CATEGORY if s.CATEGORY in roles.columns else s.PRODUCT_ID


def _named(names: list[str], separator: str, of: int) -> str:
    if not names:
        return "none"
    if len(names) <= MAX_NAMED:
        return separator.join(names)
    return f"{len(names):,} of {of:,}, e.g. " + separator.join(names[:MAX_NAMED])


def _has_values(products: pd.DataFrame, column: str) -> bool:
    return column in products.columns and bool(products[column].notna().any())


def _source(roles: pd.DataFrame, column: str) -> str:
    source = str(roles[column].iloc[0]) if len(roles) else FROM_PURCHASES
    return source if source in (FROM_PURCHASES, FROM_PARAMETERS) else f"from {source}"


def _without_cycles(table: pd.DataFrame) -> pd.Series:
    """``prerequisite`` of :func:`derive_prerequisites` with every circle broken at its weakest link.

    Each item requires at most one other, so following ``requires`` from an item
    either ends or comes back to a circle; the circle's link with the lowest
    ``requires_share`` (ties: the item last by name) is dropped.
    """
    kept = table["prerequisite"].copy()
    needs = {b: a for b, a in table.loc[kept, s.REQUIRES].items()}
    for start in sorted(needs):
        path, node = [], start
        while node in needs and node not in path:
            path.append(node)
            node = needs[node]
        if node in path:
            circle = path[path.index(node):]
            weakest = min(sorted(circle, key=str, reverse=True), key=lambda b: table.at[b, "requires_share"])
            kept[weakest] = False
            del needs[weakest]
    return kept


def _on_or_before_counts(first: pd.DataFrame, items: pd.Index, item: str) -> sparse.csr_matrix:
    """``C[b, a]`` = customers whose first purchase of ``a`` is on or before their first of ``b``.

    Rows of the two indicator matrices are (customer, distinct first-purchase day):
    ``E`` marks the items first bought on that day, ``L`` the items first bought on
    or before it; ``C = E.T @ L``, whose diagonal is each item's buyers.
    """
    first = first.sort_values([s.CUSTOMER_ID, "first"], kind="stable")
    rank = first.groupby(s.CUSTOMER_ID, sort=False)["first"].rank(method="dense").astype("int64").to_numpy() - 1
    days = first.groupby(s.CUSTOMER_ID, sort=False)["first"].transform("nunique").to_numpy()
    per_customer = first.drop_duplicates(s.CUSTOMER_ID)[s.CUSTOMER_ID]
    offsets = first.groupby(s.CUSTOMER_ID, sort=False)["first"].nunique().reindex(per_customer)
    start = (offsets.cumsum() - offsets).reindex(first[s.CUSTOMER_ID]).to_numpy()
    column = items.get_indexer(first[item])
    n_rows = int(offsets.sum()) if len(offsets) else 0
    exact = sparse.csr_matrix((np.ones(len(first), dtype="int64"), (start + rank, column)), shape=(n_rows, len(items)))
    repeats = days - rank  # the day of the first purchase and every later day of the customer
    base = np.repeat(start + rank, repeats)
    step = np.arange(repeats.sum()) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    by_day = sparse.csr_matrix((np.ones(len(base), dtype="int64"), (base + step, np.repeat(column, repeats))), shape=(n_rows, len(items)))
    return (exact.T @ by_day).tocsr()

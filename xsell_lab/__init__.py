"""xsell-lab: cross-selling analytics for teaching and for real data."""

from xsell_lab.company import Company, MissingTableError, sales_lines
from xsell_lab.io import load_company, write_company
from xsell_lab.validation import DataValidationError

__version__ = "0.1.0"
__all__ = ["Company", "DataValidationError", "MissingTableError", "load_company", "sales_lines", "write_company", "__version__"]

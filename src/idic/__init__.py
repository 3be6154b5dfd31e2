"""idic - an open customer-strategy engine (Identify, Differentiate, Interact, Customize).

>>> from idic import Workspace
>>> ws = Workspace.init("idic-workspace")          # doctest: +SKIP
>>> ws.ingest("orders", "orders.csv")              # doctest: +SKIP
"""

from idic.errors import IdicError, InputError, NotFittedError
from idic.workspace import Workspace

__version__ = "0.1.0"

__all__ = ["IdicError", "InputError", "NotFittedError", "Workspace", "__version__"]

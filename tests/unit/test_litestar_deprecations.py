"""Building the application raises none of Litestar's deprecation warnings.

What Litestar deprecates (request bodies without a body marker, parameters declared by
inference or with `Parameter(query=...)`) stops working in Litestar 3. pytest's
configuration already turns these warnings into errors; this test records them even when
that configuration is overridden (`-W always`), and names every offending handler.
"""

import warnings
from pathlib import Path

import pytest
from litestar.exceptions import LitestarDeprecationWarning

from server.app import create_app
from server.settings import load_settings


def _from_litestar(w: warnings.WarningMessage) -> bool:
    if issubclass(w.category, LitestarDeprecationWarning):
        return True
    return issubclass(w.category, DeprecationWarning) and "/litestar/" in w.filename


@pytest.mark.parametrize("demo", ["0", "1"])  # demo mode adds the /dev routes
def test_the_app_and_its_openapi_document_use_no_deprecated_litestar_style(
    tmp_path: Path, demo: str
) -> None:
    settings = load_settings({"MOTCUA_DATA_DIR": str(tmp_path), "MOTCUA_DEMO": demo})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = create_app(settings)
        assert app.openapi_schema.paths  # the document is built from every handler
    assert [str(w.message) for w in caught if _from_litestar(w)] == []

"""qhub: QHub's command line for integrators.

Built on `qhub_client`, the Python client openapi-python-client generates
from QHub's openapi.yaml (see clients/cli/generate.sh).
"""

__version__ = "0.1.0"

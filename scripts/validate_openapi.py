"""Validates an OpenAPI document against the OpenAPI 3.1 schema."""
import sys

import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

path = sys.argv[1]
with open(path) as f:
    spec = yaml.safe_load(f)
if spec.get("openapi") != "3.1.0":
    sys.exit(f"{path}: expected openapi 3.1.0, got {spec.get('openapi')!r}")
validate(spec, cls=OpenAPIV31SpecValidator)
print(f"{path}: valid OpenAPI 3.1 ({len(spec['paths'])} paths)")

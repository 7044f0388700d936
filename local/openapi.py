"""Print the OpenAPI document of the combined app (`make openapi`)."""

import json

from local import stack

stack.configure_environment()

from local.app import build_app  # noqa: E402  (after the environment is set)

print(json.dumps(build_app().openapi(), indent=2))

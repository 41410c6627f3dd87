"""Entry point of the `inference-fleet` Pulumi project (`pulumi up -s <stack>`)."""

import pulumi

from inferfleet.errors import InferfleetError
from inferfleet.program import main

try:
    main()
except InferfleetError as error:
    # RunError prints the message alone: a stack-file mistake is not a crash.
    raise pulumi.RunError(str(error)) from None

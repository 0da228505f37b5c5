"""The local stand-in of AWS: moto server (S3, IAM, STS) plus the project's Personalize emulator.

`standin` starts and stops both as background processes, `status` says whether they run,
`provision` creates in them what the root Terraform stack declares (with the stack's policies,
`policies`), and `pytest_plugin` gives the test suite the same stand-in.
"""

from pathlib import Path

#: Where `local up` keeps pids, ports, logs and outputs.json (here, so the CLI can show it
#: without importing the stand-in's machinery).
DEFAULT_STATE_DIR = Path(".local-aws")
DEFAULT_REGION = "us-east-1"

"""A Personalize emulator that speaks the service's wire protocols, so unmodified boto3 works.

Control plane: JSON 1.1 (`POST /`, `X-Amz-Target: AmazonPersonalize.<Operation>`).
Runtime: REST-JSON (`POST /recommendations`). Admin: `/_emulator/*` (faults, speed, reset).
"""

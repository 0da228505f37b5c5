"""The workflow on Amazon Personalize: upload, import, train, deploy, recommend, status, clean up.

Every module takes a `WorkflowContext` (outputs + clients + settings), so the same code runs
against AWS and against the local stand-in: only the `AWS_ENDPOINT_URL_*` variables differ.
"""

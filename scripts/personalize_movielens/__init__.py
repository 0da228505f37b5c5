"""MovieLens on Amazon Personalize, as code: data pipeline, workflow and a local stand-in of AWS."""

__version__ = "0.1.0"

"""The data pipeline: MovieLens (or its synthetic twin) to the CSVs Amazon Personalize imports."""

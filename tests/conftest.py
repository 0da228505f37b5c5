"""Root conftest: the local stand-in's fixtures (`local_stand_in`, `fresh_stand_in`, ...)."""

pytest_plugins = ["personalize_movielens.local.pytest_plugin"]

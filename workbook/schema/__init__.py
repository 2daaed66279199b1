"""Typed models of what users write: frameworks, partnerships, answers, parameters.

Every YAML file, parameters file and answer passes through here, so every
validation message comes from one place."""

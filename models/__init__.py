"""Shipped trained models and their JSON cards (installed as the package data ``genomeml.models_data``)."""

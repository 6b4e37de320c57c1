"""Score outputs against a known truth: somatic calls (som.py-style) and assemblies (QV).

Each module exposes one ``evaluate_*`` function returning a JSON-ready dict and one
``format_*_report`` that renders it for a terminal; the CLI only glues them together.
"""

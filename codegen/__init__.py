"""Build-time code generator of smsgate (never imported at run time).

``python -m codegen`` regenerates ``generated/`` from ``schemas/``; ``python -m codegen --check`` fails
when ``generated/`` differs from what the schemas produce. See README.md beside this file.
"""

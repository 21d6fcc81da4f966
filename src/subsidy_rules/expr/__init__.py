"""The expression language: AST, parser, printer, types, checker, evaluators."""

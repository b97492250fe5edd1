"""Profile ``math``: the guide's math server."""

from ..calc import CalcError, evaluate, render
from ..catalog import NUMBER, STRING, Catalog, Prompt, Tool, ToolFailure, number_result, object_schema, user_message

READ_ONLY = {"readOnlyHint": True, "idempotentHint": True}
TWO_NUMBERS = object_schema({"a": NUMBER, "b": NUMBER}, ["a", "b"])
RESULT_SCHEMA = object_schema({"result": NUMBER}, ["result"])


def _binary(name, description, op):
    return Tool(name, description, TWO_NUMBERS, lambda args, call: number_result(op(args["a"], args["b"])),
                READ_ONLY, RESULT_SCHEMA)


def _divide(args, call):
    if args["b"] == 0:
        raise ToolFailure("division by zero")
    return number_result(args["a"] / args["b"])


def _calculate(args, call):
    try:
        return number_result(evaluate(str(args["expression"])))
    except CalcError as error:
        raise ToolFailure(f"cannot evaluate: {error}") from None


def _explain(arguments):
    expression = arguments.get("expression", "")
    try:
        value = render(evaluate(expression))
    except CalcError:
        value = "(not a valid expression)"
    return [user_message(f"Explain step by step how {expression} evaluates to {value}.")]


def build(options):
    return Catalog(name="math", instructions="Arithmetic tools.").add(
        _binary("math_add", "Add two numbers", lambda a, b: a + b),
        _binary("math_subtract", "Subtract b from a", lambda a, b: a - b),
        _binary("math_multiply", "Multiply two numbers", lambda a, b: a * b),
        Tool("math_divide", "Divide a by b", TWO_NUMBERS, _divide, READ_ONLY, RESULT_SCHEMA),
        Tool("calculate", "Evaluate an expression with + - * / and parentheses",
             object_schema({"expression": STRING}, ["expression"]), _calculate, READ_ONLY, RESULT_SCHEMA),
        Prompt("math_explain", "Explain how an expression is evaluated",
               [{"name": "expression", "description": "an arithmetic expression", "required": True}], _explain),
    )

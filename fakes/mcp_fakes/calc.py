"""A tiny recursive-descent evaluator for + - * / and parentheses (never eval)."""

import re

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?|\.\d+)|(.))")


class CalcError(ValueError):
    pass


def tokenize(text):
    tokens = []
    for number, op in _TOKEN.findall(text):
        if number:
            tokens.append(float(number) if "." in number else int(number))
        elif op.strip():
            if op not in "+-*/()":
                raise CalcError(f"unexpected character {op!r}")
            tokens.append(op)
    return tokens


class _Parser:
    # expr := term (('+'|'-') term)* ; term := unary (('*'|'/') unary)* ;
    # unary := '-' unary | '+' unary | atom ; atom := number | '(' expr ')'
    def __init__(self, tokens):
        self.tokens = tokens
        self.pos = 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self):
        token = self.peek()
        self.pos += 1
        return token

    def expr(self):
        value = self.term()
        while self.peek() in ("+", "-"):
            value = value + self.term() if self.take() == "+" else value - self.term()
        return value

    def term(self):
        value = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()
            rhs = self.unary()
            if op == "*":
                value = value * rhs
            else:
                if rhs == 0:
                    raise CalcError("division by zero")
                value = value / rhs
        return value

    def unary(self):
        if self.peek() == "-":
            self.take()
            return -self.unary()
        if self.peek() == "+":
            self.take()
            return self.unary()
        return self.atom()

    def atom(self):
        token = self.take()
        if token == "(":
            value = self.expr()
            if self.take() != ")":
                raise CalcError("missing ')'")
            return value
        if isinstance(token, (int, float)):
            return token
        raise CalcError("unexpected end of expression" if token is None else f"unexpected {token!r}")


def evaluate(text):
    parser = _Parser(tokenize(text))
    if parser.peek() is None:
        raise CalcError("empty expression")
    value = parser.expr()
    if parser.peek() is not None:
        raise CalcError(f"unexpected {parser.peek()!r}")
    return natural_number(value)


def natural_number(value):
    """7/2 -> 3.5 but 6/2 -> 3: integral floats become ints, as a person would write them."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def render(value):
    return str(natural_number(value))

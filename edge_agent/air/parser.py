"""Parse AIR text into a validated, numbered syntax tree.

`parse` checks the size first (const.MAX_SCRIPT_BYTES), then reads at most
const.MAX_SCRIPT_TOKENS tokens by recursive descent with a depth bound, then runs the
validator, so that everything AquaVM rejects before running is rejected here too, with a line
and a column. It does no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from edge_agent import const
from edge_agent.air import ast, validator
from edge_agent.air.errors import ParseError
from edge_agent.air.lexer import Kind, Token, tokenize

_NAME = re.compile(r"[A-Za-z0-9_\-]+\Z")
_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?[0-9]+\.[0-9]*\Z")
MAX_FLOAT_DIGITS = 11  # AquaVM: "a float could contain less than 12 digits"
_FIELD = re.compile(r"[A-Za-z0-9_\-]+\Z")

I64_MIN = -(2**63)
I64_MAX = 2**63 - 1


def parse(text: str, *, max_bytes: int = const.MAX_SCRIPT_BYTES, validate: bool = True) -> ast.Instruction:
    """Parse and validate one AIR script; raise ParseError saying where and what was expected.

    `validate=False` checks the syntax only (for tools that print and re-read fragments).
    """
    if len(text) > max_bytes or len(text.encode("utf-8")) > max_bytes:
        raise ParseError(f"the script is larger than {max_bytes} bytes")
    tokens = tokenize(text, const.MAX_SCRIPT_TOKENS)
    parser = _Parser(tokens)
    tree = parser.instruction(0)
    parser.expect_end()
    tree = ast.number_nodes(tree)
    if validate:
        validator.validate(tree, parser.positions)
    return tree


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        # Pre-order index of each instruction -> (line, column), for the validator's messages.
        self.positions: list[tuple[int, int]] = []

    # --- token helpers -------------------------------------------------------------------

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        tok = self.tokens[self.pos]
        if tok.kind is not Kind.END:
            self.pos += 1
        return tok

    def error(self, tok: Token, expected: str) -> ParseError:
        return ParseError(f"expected {expected}, found {tok.describe()}", tok.line, tok.column)

    def expect(self, kind: Kind, expected: str) -> Token:
        tok = self.take()
        if tok.kind is not kind:
            raise self.error(tok, expected)
        return tok

    def expect_end(self) -> None:
        tok = self.peek()
        if tok.kind is not Kind.END:
            raise self.error(tok, "the end of the script after the top-level instruction")

    # --- instructions --------------------------------------------------------------------

    def instruction(self, depth: int) -> ast.Instruction:
        if depth > const.MAX_SCRIPT_DEPTH:
            tok = self.peek()
            raise ParseError(
                f"instructions are nested deeper than {const.MAX_SCRIPT_DEPTH}", tok.line, tok.column
            )
        open_tok = self.expect(Kind.LPAREN, "'(' starting an instruction")
        self.positions.append((open_tok.line, open_tok.column))
        head = self.take()
        if head.kind is not Kind.WORD or head.text not in _INSTRUCTIONS:
            raise self.error(head, "an instruction name (" + " ".join(sorted(_INSTRUCTIONS)) + ")")
        node = _INSTRUCTIONS[head.text](self, depth)
        self.expect(
            Kind.RPAREN,
            f"')' closing the {head.text} opened at line {open_tok.line}, column {open_tok.column}",
        )
        return node

    def binary(self, cls: type, depth: int) -> ast.Instruction:
        left = self.instruction(depth + 1)
        right = self.instruction(depth + 1)
        return cls(left, right)

    def seq(self, depth: int) -> ast.Instruction:
        return self.binary(ast.Seq, depth)

    def par(self, depth: int) -> ast.Instruction:
        return self.binary(ast.Par, depth)

    def xor(self, depth: int) -> ast.Instruction:
        return self.binary(ast.Xor, depth)

    def call(self, depth: int) -> ast.Instruction:
        peer = self.value("a peer id (string, variable or %init_peer_id%)", triplet=True)
        self.expect(Kind.LPAREN, "'(' before the service id and function name")
        service = self.value("a service id (string or variable)", triplet=True)
        function = self.value("a function name (string or variable)", triplet=True)
        self.expect(Kind.RPAREN, "')' after the function name")
        self.expect(Kind.LBRACKET, "'[' starting the argument list")
        args: list[ast.Value] = []
        while self.peek().kind is not Kind.RBRACKET:
            if self.peek().kind is Kind.END:
                raise self.error(self.peek(), "']' closing the argument list")
            args.append(self.value("an argument", argument=True))
        self.take()
        output: ast.Output = None
        if self.peek().kind is Kind.WORD:
            output = self.output("the call's output")
        return ast.Call(peer, service, function, tuple(args), output)

    def fold(self, depth: int) -> ast.Instruction:
        tok = self.peek()
        iterable: (
            ast.Scalar | ast.CanonStream | ast.CanonStreamMap | ast.Stream | ast.StreamMap | ast.EmptyArray
        )
        if tok.kind is Kind.LBRACKET:
            self.take()
            self.expect(Kind.RBRACKET, "']': only the empty array [] can be folded as a literal")
            iterable = ast.EmptyArray()
        else:
            word = self.expect(Kind.WORD, "a scalar, $stream or #canon to iterate over")
            value = self.word_value(word, allow_stream=True)
            iterables = (ast.Scalar, ast.CanonStream, ast.CanonStreamMap, ast.Stream, ast.StreamMap)
            if not isinstance(value, iterables) or getattr(value, "length", False):
                raise self.error(word, "a scalar, $stream, %map, #canon or #%canon_map to iterate over")
            if isinstance(value, (ast.CanonStream, ast.CanonStreamMap)) and value.lens:
                raise ParseError(
                    "a lens on a canon stream can't be folded; fold the canon stream itself",
                    word.line,
                    word.column,
                )
            iterable = value
        iterator = self.name("the iterator name")
        body = self.instruction(depth + 1)
        last = None
        if self.peek().kind is Kind.LPAREN:
            last = self.instruction(depth + 1)
        return ast.Fold(iterable, iterator, body, last)

    def next_(self, depth: int) -> ast.Instruction:
        return ast.Next(self.name("the iterator name of an enclosing fold"))

    def new(self, depth: int) -> ast.Instruction:
        word = self.expect(Kind.WORD, "a scalar, $stream or #canon to declare")
        value = self.word_value(word, allow_stream=True)
        if isinstance(value, (ast.Scalar, ast.CanonStream, ast.CanonStreamMap)) and (
            value.lens or value.length
        ):
            raise self.error(word, "a plain variable name (no lens)")
        if not isinstance(
            value, (ast.Scalar, ast.Stream, ast.CanonStream, ast.StreamMap, ast.CanonStreamMap)
        ):
            raise self.error(word, "a scalar, $stream or #canon to declare")
        body = self.instruction(depth + 1)
        return ast.New(value, body)

    def match(self, depth: int) -> ast.Instruction:
        left = self.value("a value to compare")
        right = self.value("a value to compare")
        return ast.Match(left, right, self.instruction(depth + 1))

    def mismatch(self, depth: int) -> ast.Instruction:
        left = self.value("a value to compare")
        right = self.value("a value to compare")
        return ast.MisMatch(left, right, self.instruction(depth + 1))

    def ap(self, depth: int) -> ast.Instruction:
        if self.peek().kind is Kind.LPAREN:
            self.take()
            key = self.value("a key for the stream map (a string, an integer or a variable)")
            if not isinstance(
                key, (ast.Literal, ast.Number, ast.Scalar, ast.CanonStream, ast.CanonStreamMap)
            ) or (isinstance(key, ast.Number) and isinstance(key.value, float)):
                tok = self.tokens[self.pos - 1]
                raise self.error(tok, "a key for the stream map (a string, an integer or a variable)")
            value = self.value("a value to put in the stream map", argument=True)
            self.expect(Kind.RPAREN, "')' after the key and value")
            tok = self.expect(Kind.WORD, "the %stream_map to append to")
            target = self.word_value(tok, allow_stream=True)
            if not isinstance(target, ast.StreamMap):
                raise self.error(tok, "a %stream_map to append the key and value to")
            return ast.ApMap(key, value, target)
        value = self.value("a value to apply", argument=True)
        result = self.output("the ap result (a scalar or $stream)")
        return ast.Ap(value, result)

    def canon(self, depth: int) -> ast.Instruction:
        peer = self.value("a peer id (string, variable or %init_peer_id%)", triplet=True)
        word = self.expect(Kind.WORD, "the $stream or %map to canonicalize")
        stream = self.word_value(word, allow_stream=True)
        if not isinstance(stream, (ast.Stream, ast.StreamMap)):
            raise self.error(word, "a $stream or %map to canonicalize")
        word = self.expect(Kind.WORD, "the #canon stream to produce")
        canon = self.word_value(word)
        if isinstance(stream, ast.Stream):
            if not isinstance(canon, ast.CanonStream) or canon.lens or canon.length:
                raise self.error(word, "a plain #canon stream name")
        elif not isinstance(canon, (ast.CanonStreamMap, ast.Scalar)) or canon.lens or canon.length:
            raise self.error(word, "a plain #%canon_map or scalar name")
        return ast.Canon(peer, stream, canon)

    def fail(self, depth: int) -> ast.Instruction:
        tok = self.expect(Kind.WORD, "an error code and message, or a variable holding an error object")
        if _INT.match(tok.text):
            code = int(tok.text)
            if not I64_MIN <= code <= I64_MAX:
                raise ParseError("the error code is too large for a 64-bit integer", tok.line, tok.column)
            if code == 0:
                raise ParseError(
                    "error code 0 with fail is unsupported: 0 means 'no error'", tok.line, tok.column
                )
            msg = self.expect(Kind.STRING, "the error message (a string)")
            return ast.FailLiteral(code, msg.text)
        value = self.word_value(tok)
        if isinstance(value, (ast.LastError, ast.ErrorValue)) and not value.lens:
            return ast.FailValue(value)
        if isinstance(value, ast.Scalar) and not value.length:
            return ast.FailValue(value)
        if isinstance(value, (ast.CanonStream, ast.CanonStreamMap)) and value.lens:
            return ast.FailValue(value)
        raise self.error(tok, "an error code and message, a scalar, #canon.$.lens, %last_error% or :error:")

    def null(self, depth: int) -> ast.Instruction:
        return ast.Null()

    def never(self, depth: int) -> ast.Instruction:
        return ast.Never()

    # --- values --------------------------------------------------------------------------

    def name(self, what: str) -> str:
        tok = self.expect(Kind.WORD, what)
        if not _NAME.match(tok.text):
            raise ParseError(
                f"{what} may hold only alphanumeric, '_' and '-' characters, found '{tok.text}'",
                tok.line,
                tok.column,
            )
        return tok.text

    def output(self, what: str) -> ast.Scalar | ast.Stream:
        tok = self.expect(Kind.WORD, what)
        value = self.word_value(tok, allow_stream=True)
        if isinstance(value, ast.Stream):
            return value
        if isinstance(value, ast.Scalar) and not value.lens and not value.length:
            return value
        raise self.error(tok, f"{what}: a scalar name or a $stream")

    def value(self, what: str, *, triplet: bool = False, argument: bool = False) -> ast.Value:
        tok = self.take()
        if tok.kind is Kind.STRING:
            return ast.Literal(tok.text)
        if tok.kind is Kind.LBRACKET:
            if triplet:
                raise self.error(tok, what)
            self.expect(Kind.RBRACKET, "']': only the empty array [] is an array literal in AIR")
            return ast.EmptyArray()
        if tok.kind is not Kind.WORD:
            raise self.error(tok, what)
        value = self.word_value(tok)
        if isinstance(value, (ast.Stream, ast.StreamMap)):  # word_value gives these only if allowed
            raise self.error(tok, what)
        if triplet and isinstance(
            value, (ast.Number, ast.Boolean, ast.Timestamp, ast.Ttl, ast.LastError, ast.ErrorValue)
        ):
            raise self.error(tok, what)
        return value

    def word_value(self, tok: Token, *, allow_stream: bool = False) -> ast.Value | ast.Stream | ast.StreamMap:
        text = tok.text
        line, column = tok.line, tok.column
        number = _number(text, line, column)
        if number is not None:
            return number
        if text.startswith("."):
            raise ParseError("a value can't start with '.': write 0.5, not .5", line, column)
        first = text[0]
        if first == "$":
            return _stream(text, line, column, allow_stream)
        if text.startswith("#%"):
            name, lens, length = _split_lens(text, line, column)
            _check_name(name[2:], name, line, column)
            return ast.CanonStreamMap(name, lens, length)
        if first == "#":
            name, lens, length = _split_lens(text, line, column)
            _check_name(name[1:], name, line, column)
            if (lens or length) and len(name) < 3:
                # AquaVM's lexer reads "#c.length" as an empty canon name (oracle quirk 2).
                raise ParseError("a canon name should be non empty", line, column)
            return ast.CanonStream(name, lens, length)
        if first == "%":
            return _percent(text, line, column, allow_stream)
        if text.startswith(":error:"):
            return ast.ErrorValue(_parse_error_lens(text[len(":error:") :], line, column))
        name, lens, length = _split_lens(text, line, column)
        _check_name(name, name, line, column)
        return ast.Scalar(name, lens, length)


def _number(text: str, line: int, column: int) -> ast.Boolean | ast.Number | None:
    """`true`, `false`, a 64-bit integer or a float of at most MAX_FLOAT_DIGITS digits; None
    if `text` is none of these."""
    if text == "true" or text == "false":
        return ast.Boolean(text == "true")
    if _INT.match(text):
        value = int(text)
        if not I64_MIN <= value <= I64_MAX:
            raise ParseError(f"number too large for a 64-bit integer: {text}", line, column)
        return ast.Number(value)
    if _FLOAT.match(text):
        if sum(c.isdigit() for c in text) > MAX_FLOAT_DIGITS:
            raise ParseError(
                f"the float {text} has more than {MAX_FLOAT_DIGITS} digits, more than AIR allows",
                line,
                column,
            )
        return ast.Number(float(text))
    return None


def _stream(text: str, line: int, column: int, allow_stream: bool) -> ast.Stream:
    """`$name`: no lens, and only where the grammar takes a stream."""
    name, lens, length = _split_lens(text, line, column)
    if lens or length:
        raise ParseError(
            f"a lens can't be applied to the stream {name}: canonicalize it first "
            f"(canon peer {name} #name) and apply the lens to the canon stream",
            line,
            column,
        )
    _check_name(name[1:], name, line, column)
    if not allow_stream:
        raise ParseError(
            f"the stream {name} can't be used here: canonicalize it first (canon peer {name} #name)",
            line,
            column,
        )
    return ast.Stream(name)


_SPECIALS: dict[str, type[ast.InitPeerId | ast.Timestamp | ast.Ttl]] = {
    "%init_peer_id%": ast.InitPeerId,
    "%timestamp%": ast.Timestamp,
    "%ttl%": ast.Ttl,
}


def _percent(text: str, line: int, column: int, allow_stream: bool) -> ast.Value | ast.StreamMap:
    """A special value (`%init_peer_id%`, `%last_error%...`) or a `%stream_map`."""
    special = _SPECIALS.get(text)
    if special is not None:
        return special()
    if text.startswith("%last_error%"):
        return ast.LastError(_parse_error_lens(text[len("%last_error%") :], line, column))
    if text.endswith("%"):
        raise ParseError(
            f"unknown special value {text}: expected %init_peer_id%, %last_error%, %timestamp% or %ttl%",
            line,
            column,
        )
    name, lens, length = _split_lens(text, line, column)
    if lens or length:
        raise ParseError(
            f"a lens can't be applied to the stream map {name}: canonicalize it first", line, column
        )
    _check_name(name[1:], name, line, column)
    if not allow_stream:
        raise ParseError(
            f"the stream map {name} can't be used here: canonicalize it first "
            f"(canon peer {name} #%name)",
            line,
            column,
        )
    return ast.StreamMap(name)


def _check_name(name: str, shown: str, line: int, column: int) -> None:
    if not name or not _NAME.match(name):
        raise ParseError(
            f"'{shown}' is not a valid name: only alphanumeric, '_' and '-' characters are allowed",
            line,
            column,
        )


def _parse_error_lens(rest: str, line: int, column: int) -> ast.Lens:
    if not rest:
        return ()
    _, lens, length = _split_lens("e" + rest, line, column)
    if length or not lens:
        raise ParseError("expected a lens like .$.message after the error value", line, column)
    return lens


def _split_lens(text: str, line: int, column: int) -> tuple[str, ast.Lens, bool]:
    """Split `name.$.a.[0].[i]` or `name.length` into (name, lens, length)."""
    dot = text.find(".")
    if dot < 0:
        return text, (), False
    name, rest = text[:dot], text[dot:]
    if rest == ".length":
        return name, (), True
    if not rest.startswith(".$"):
        raise ParseError(f"expected '.$' or '.length' after '{name}', found '{rest}'", line, column)
    body = rest[2:]
    if body.endswith("!"):  # the legacy "flatten" mark: values are never flattened here
        body = body[:-1]
    accessors: list[ast.Accessor] = []
    i = 0
    while i < len(body):
        if body[i] != ".":
            raise ParseError(f"expected '.' in the lens '{rest}'", line, column + dot + 2 + i)
        i += 1
        if i < len(body) and body[i] == "[":
            end = body.find("]", i)
            if end < 0:
                raise ParseError(f"an index in the lens '{rest}' is not closed with ']'", line, column)
            inner = body[i + 1 : end]
            if _INT.match(inner) and inner[0].isdigit():
                accessors.append(ast.Index(int(inner)))
            elif _NAME.match(inner) and not _INT.match(inner):
                accessors.append(ast.IndexVar(inner))
            else:
                raise ParseError(
                    f"a lens index must be a non-negative integer or a scalar name, found '[{inner}]'",
                    line,
                    column,
                )
            i = end + 1
        else:
            j = i
            while j < len(body) and body[j] != ".":
                j += 1
            field = body[i:j]
            if not _FIELD.match(field):
                raise ParseError(f"'{field}' is not a valid field name in the lens '{rest}'", line, column)
            accessors.append(ast.Field(field))
            i = j
    if not accessors:
        raise ParseError(f"the lens '{rest}' is empty", line, column)
    return name, tuple(accessors), False


_INSTRUCTIONS: dict[str, Callable[[_Parser, int], ast.Instruction]] = {
    "seq": _Parser.seq,
    "par": _Parser.par,
    "xor": _Parser.xor,
    "call": _Parser.call,
    "fold": _Parser.fold,
    "next": _Parser.next_,
    "new": _Parser.new,
    "match": _Parser.match,
    "mismatch": _Parser.mismatch,
    "ap": _Parser.ap,
    "canon": _Parser.canon,
    "fail": _Parser.fail,
    "null": _Parser.null,
    "never": _Parser.never,
}

